/* Queues that refresh themselves (the check-in page's and the officer's), every 15 s.
 * A region is marked data-refresh-url (where to fetch it; the answer holds an element with the
 * region's id, or is the region's inside) and holds a row container marked data-rows whose rows
 * carry data-visit. Only rows that changed are touched, so keyboard focus and a screen reader's
 * place survive; a focused row that left the queue hands focus to the region's heading. */
(function () {
  "use strict";

  function focusHeading(region) {
    var heading = region.querySelector("h1, h2");
    if (!heading) return;
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }

  function patchRows(oldRows, newRows, region) {
    var focused = oldRows.contains(document.activeElement) ? document.activeElement.closest("[data-visit]") : null;
    var existing = {};
    Array.prototype.forEach.call(oldRows.children, function (row) { existing[row.getAttribute("data-visit")] = row; });
    var previous = null;
    Array.prototype.slice.call(newRows.children).forEach(function (row) {
      var id = row.getAttribute("data-visit");
      var current = existing[id];
      delete existing[id];
      if (current) {
        if (current.innerHTML !== row.innerHTML || current.className !== row.className) {
          var focusedHref = current === focused && document.activeElement.getAttribute("href");
          current.className = row.className;
          current.innerHTML = row.innerHTML;
          if (focusedHref) {
            var again = current.querySelector('[href="' + focusedHref + '"]');
            if (again) again.focus();
          }
        }
        row = current;
      }
      var next = previous ? previous.nextElementSibling : oldRows.firstElementChild;
      if (row !== next) oldRows.insertBefore(row, next);
      previous = row;
    });
    Object.keys(existing).forEach(function (id) {
      if (existing[id] === focused) focusHeading(region);
      existing[id].remove();
    });
  }

  function patch(region, html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = region.id ? doc.getElementById(region.id) : null;
    if (!fresh) fresh = doc.body;
    var oldRows = region.querySelectorAll("[data-rows]");
    var newRows = fresh.querySelectorAll("[data-rows]");
    var counts = region.querySelectorAll("[data-count]");
    var newCounts = fresh.querySelectorAll("[data-count]");
    Array.prototype.forEach.call(counts, function (count, i) {
      if (newCounts[i] && count.textContent !== newCounts[i].textContent) count.textContent = newCounts[i].textContent;
    });
    if (oldRows.length && oldRows.length === newRows.length) {
      Array.prototype.forEach.call(oldRows, function (rows, i) { patchRows(rows, newRows[i], region); });
      return;
    }
    // The shape changed (the first visitor arrived, the last left): replace the whole region.
    if (region.innerHTML !== fresh.innerHTML) {
      var hadFocus = region.contains(document.activeElement);
      region.innerHTML = fresh.innerHTML;
      if (hadFocus) focusHeading(region);
    }
  }

  var regions = document.querySelectorAll("[data-refresh-url]");
  if (!regions.length || !window.fetch || !window.DOMParser) return;

  function refresh() {
    if (document.hidden) return Promise.resolve();
    return Promise.all(Array.prototype.map.call(regions, function (region) {
      return fetch(region.getAttribute("data-refresh-url"), {
        credentials: "same-origin", headers: { "X-Requested-With": "fetch" }, cache: "no-store"
      })
        .then(function (response) {
          // Signed out (in another tab, or idle too long): go to the login page.
          if (response.status === 401) {
            return response.json().then(function (data) {
              var next = window.location.pathname + window.location.search;
              window.location.assign((data.login_url || "/login/") + "?next=" + encodeURIComponent(next));
              return null;
            });
          }
          return response.ok ? response.text() : null;
        })
        .then(function (html) { if (html !== null) patch(region, html); })
        .catch(function () { /* keep the last queue; try again next round */ });
    }));
  }

  window.setInterval(refresh, 15000);
  window.tolkdeskRefreshQueue = refresh;  // the browser tests run one refresh now
}());
