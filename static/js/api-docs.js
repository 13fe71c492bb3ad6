/* The API docs page (Swagger UI): boxes that scroll (request and response examples) get into the
 * Tab order, so keyboard users can scroll them (WCAG 2.1.1; axe "scrollable-region-focusable").
 * Swagger UI draws them late and redraws them, so new ones are handled as they appear. */
(function () {
  "use strict";
  var SCROLLERS = ".body-param__example, .highlight-code pre, .microlight, pre.example, textarea";
  function fix(root) {
    Array.prototype.forEach.call(root.querySelectorAll(SCROLLERS), function (el) {
      if (!el.hasAttribute("tabindex") && el.tagName !== "TEXTAREA") { el.setAttribute("tabindex", "0"); }
    });
  }
  function start() {
    var root = document.getElementById("swagger-ui");
    if (!root) { return; }
    fix(root);
    new MutationObserver(function () { fix(root); }).observe(root, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
