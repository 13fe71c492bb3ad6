/* The Django admin at WCAG 2.1 AA (tests/test_axe_browser.py). The two-box "filter" widget
 * (SelectFilter2.js) draws a search icon as a <span aria-label>; a label on a span without a role
 * is not read out (axe "aria-prohibited-attr"): it is an image with a text alternative. */
(function () {
  "use strict";
  function fix() {
    Array.prototype.forEach.call(document.querySelectorAll("span.help-tooltip[aria-label]:not([role])"), function (el) {
      el.setAttribute("role", "img");
    });
  }
  function start() {
    fix();
    new MutationObserver(fix).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
