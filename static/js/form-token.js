/* One-time form tokens (config/idempotency/forms.py) that survive the Back button. The pages are
 * not cached (Cache-Control: no-store), so Back fetches the form again with a fresh token, and
 * "Check in" would then write a second visit. The first token of each form is kept in this
 * history entry's state instead: going Back to the entry restores it, so sending the form again
 * shows the first result rather than writing twice. */
(function () {
  "use strict";
  var inputs = document.querySelectorAll("form input[name=form_token]");
  if (!inputs.length || !window.history || !window.history.replaceState) return;
  var state = window.history.state && typeof window.history.state === "object" ? window.history.state : {};
  var kept = state.tolkdeskFormTokens || {};
  var changed = false;
  Array.prototype.forEach.call(inputs, function (input, i) {
    var key = (input.form.getAttribute("action") || "") + "#" + i;
    if (kept[key]) {
      input.value = kept[key];
    } else {
      kept[key] = input.value;
      changed = true;
    }
  });
  if (changed) {
    var next = {};
    Object.keys(state).forEach(function (k) { next[k] = state[k]; });
    next.tolkdeskFormTokens = kept;
    window.history.replaceState(next, "");
  }
}());
