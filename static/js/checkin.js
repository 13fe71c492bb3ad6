/* Check-in page: filter the language picker, switch office (the queue refreshes itself through
   static/js/queue-refresh.js).
   The page works without this script: tiles are radio inputs and the forms submit normally. */
(function () {
  "use strict";

  // Case- and diacritics-insensitive: "turkce" finds "Türkçe".
  function fold(text) {
    return text.toLocaleLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
  }

  function setUpPicker() {
    var search = document.querySelector("[data-picker-search]");
    var input = document.getElementById("picker-filter");
    var grid = document.getElementById("picker-grid");
    var empty = document.querySelector("[data-picker-empty]");
    if (!search || !input || !grid) return;
    search.hidden = false;
    var tiles = Array.prototype.slice.call(grid.querySelectorAll(".tile[data-search]"));
    // Fold once, here, so the page text and the query are folded by the same function.
    tiles.forEach(function (tile) { tile._haystack = fold(tile.getAttribute("data-search")); });

    // The office's most used languages show at once; the rest (data-more) come up by search.
    var more = document.querySelector("[data-picker-more]");
    if (more && grid.querySelector(".tile[data-more]")) more.hidden = false;

    function filter() {
      var words = fold(input.value.trim()).split(/\s+/).filter(Boolean);
      var shown = 0;
      tiles.forEach(function (tile) {
        var haystack = tile._haystack;
        var match = words.length === 0
          ? !tile.hasAttribute("data-more")
          : words.every(function (word) { return haystack.indexOf(word) !== -1; });
        // A checked tile stays visible so the choice is never hidden from the receptionist.
        var keep = match || tile.querySelector("input").checked;
        tile.hidden = !keep;
        if (match) shown += 1;
      });
      if (empty) empty.hidden = shown > 0 || words.length === 0;
    }

    filter();
    input.addEventListener("input", filter);
    grid.addEventListener("change", filter);
    // Enter in the search box picks the only match instead of submitting the check-in form.
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      var visible = tiles.filter(function (tile) { return !tile.hidden; });
      if (visible.length === 1) {
        var radio = visible[0].querySelector("input");
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
        radio.focus();
      }
    });
  }

  function setUpOfficeSwitch() {
    var form = document.querySelector("form[data-autosubmit]");
    if (!form) return;
    var button = form.querySelector("[data-noscript-only]");
    if (button) button.hidden = true;
    form.addEventListener("change", function () { form.submit(); });
  }

  // After a refused check-in, take keyboard and screen-reader users straight to what to fix.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  setUpPicker();
  setUpOfficeSwitch();
})();
