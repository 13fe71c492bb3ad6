/* The officer's visit page: live interpreter status without reloading.
 * Polls the visit's status.json every 2 s and swaps the booking panel when its state changed;
 * the panel's forms (request, cancel) are posted with fetch so the click does not reload either.
 * Without JavaScript the same forms post normally and the page redirects back. */
(function () {
  "use strict";
  var INTERVAL_MS = 2000;
  var root = document.getElementById("interpreter");
  if (!root) { return; }
  var panel = document.getElementById("booking-panel");
  var statusUrl = root.getAttribute("data-status-url");
  var version = root.getAttribute("data-version");
  var visitStatus = root.getAttribute("data-visit-status");
  var polling = root.getAttribute("data-poll") === "1";
  var timer = null;
  var inFlight = false;

  function errorBox() { return document.getElementById("booking-errors"); }

  var KEPT = "tolkdesk-visit-message-" + statusUrl;

  function say(text, kind) {
    var box = errorBox();
    if (!box || !text) { return; }
    var p = document.createElement("p");
    p.className = kind === "info" ? "message message--info" : "errors";
    p.textContent = text;
    box.appendChild(p);
  }

  function showErrors(errors) {
    var box = errorBox();
    if (!box) { return; }
    box.textContent = "";
    box.removeAttribute("data-transient");
    Object.keys(errors || {}).forEach(function (field) {
      (errors[field] || []).forEach(function (err) {
        var p = document.createElement("p");
        p.className = "errors";
        p.textContent = err.message || String(err);
        box.appendChild(p);
      });
    });
  }

  // Swap the panel without taking the officer's place: an open confirm step stays open and the
  // focused control (found again by id) keeps the focus; if it is gone, focus is left alone
  // rather than moved (the live region reads out what changed).
  function swapPanel(html) {
    var focused = document.activeElement;
    var focusedId = focused && panel.contains(focused) ? focused.id : "";
    var open = Array.prototype.map.call(panel.querySelectorAll("details[open][id]"), function (d) { return d.id; });
    panel.innerHTML = html;
    open.forEach(function (id) {
      var details = document.getElementById(id);
      if (details && panel.contains(details)) { details.open = true; }
    });
    if (focusedId) {
      var again = document.getElementById(focusedId);
      if (again && panel.contains(again)) { again.focus({ preventScroll: true }); }
    }
  }

  function apply(data) {
    if (data.version !== version) {
      version = data.version;
      swapPanel(data.html);
    }
    var box = errorBox();
    if (box && box.getAttribute("data-transient") === "1") { box.textContent = ""; box.removeAttribute("data-transient"); }
    if (data.visit && data.visit.status !== visitStatus) {
      // The visit itself moved on (another officer started or ended it): its sections differ.
      // What the officer was told survives the reload.
      var kept = box ? box.textContent : "";
      try { if (kept) { window.sessionStorage.setItem(KEPT, kept); } } catch (e) { /* private mode */ }
      window.location.reload();
    }
  }

  function goToLogin(data) {
    var next = window.location.pathname + window.location.search;
    window.location.assign((data && data.login_url || "/login/") + "?next=" + encodeURIComponent(next));
  }

  function poll() {
    timer = null;
    if (document.hidden) { schedule(); return; }
    fetch(statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        // Signed out (in another tab, or idle too long): go to the login page, as every tab should.
        if (r.status === 401) { return r.json().then(function (data) { goToLogin(data); return new Promise(function () {}); }); }
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      })
      .then(apply)
      .catch(function () {
        var box = errorBox();
        if (box && !box.textContent) {
          box.textContent = root.getAttribute("data-error-text");
          box.setAttribute("data-transient", "1");
        }
      })
      .then(schedule);
  }

  function schedule() {
    if (polling && timer === null) { timer = window.setTimeout(poll, INTERVAL_MS); }
  }

  panel.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-async")) { return; }
    event.preventDefault();
    if (inFlight) { return; }
    inFlight = true;
    var body = new FormData(form, event.submitter || undefined);
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (result) {
        if (result.ok) {
          apply(result.data);
          var box = errorBox();
          if (box) { box.textContent = ""; }
          say(result.data.message, "info");
        } else {
          showErrors(result.data.errors);
          if (result.data.html) { apply(result.data); }
        }
      })
      .catch(function () { showErrors({ "__all__": [root.getAttribute("data-error-text")] }); })
      .then(function () {
        inFlight = false;
        Array.prototype.forEach.call(panel.querySelectorAll("button"), function (b) { b.disabled = false; });
      });
  });

  // The outcome form: the reason applies only to "no"; the child reason is recorded but warned about.
  var endForm = document.getElementById("end-visit-form");
  if (endForm) {
    var reasonRow = document.getElementById("reason-row");
    var reason = endForm.querySelector("select[name=reason_not_used]");
    var childWarning = document.getElementById("child-warning");
    var sync = function () {
      var checked = endForm.querySelector("input[name=interpreter_used]:checked");
      var used = checked && checked.value === "yes";
      reasonRow.hidden = used;
      if (used) { reason.value = ""; }
      childWarning.hidden = !(reason.value === "child" && !used);
    };
    endForm.addEventListener("change", sync);
    sync();
  }

  try {
    var kept = window.sessionStorage.getItem(KEPT);
    if (kept) { window.sessionStorage.removeItem(KEPT); say(kept, "info"); }
  } catch (e) { /* private mode */ }

  schedule();
}());
