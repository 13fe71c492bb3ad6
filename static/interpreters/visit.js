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

  function applyRequisitionStep(step) {
    // The end-visit form's step for the agency's minutes: shown when the report arrives, replaced
    // when the agency corrects it (the officer answers the new minutes), gone once answered.
    var current = document.getElementById("requisition-step");
    if (!current || !step) { return; }
    var id = step.id === null || step.id === undefined ? "" : String(step.id);
    if (current.getAttribute("data-requisition-id") === id) { return; }
    var holder = document.createElement("div");
    holder.innerHTML = step.html;
    var fresh = holder.querySelector("#requisition-step");
    if (fresh) { current.replaceWith(fresh); }
  }

  function apply(data) {
    if (data.version !== version) {
      version = data.version;
      panel.innerHTML = data.html;
    }
    applyRequisitionStep(data.requisition_step);
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

  // The booking form's live price: when the length, the time or a choice under "More choices"
  // changes, ask the server for the estimate of exactly these choices (the same function prices the
  // booking when it is made). Without JavaScript the default estimate stays on the page.
  var estimateTimer = null;
  var estimateSeq = 0;
  function refreshEstimate(form) {
    var url = form.getAttribute("data-estimate-url");
    var current = document.getElementById("booking-estimate");
    if (!url || !current) { return; }
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && name !== "form_token" && typeof value === "string") { params.append(name, value); }
    });
    var seq = ++estimateSeq;
    fetch(url + "?" + params.toString(), { credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" } })
      .then(function (r) {
        // A redirect means the session is gone: keep the old figure, the next poll goes to the login page.
        if (!r.ok || r.redirected) { throw new Error(String(r.status)); }
        return r.text();
      })
      .then(function (html) {
        var now = document.getElementById("booking-estimate");
        // Only the answer to the latest change counts (an older, slower answer must not win).
        if (seq !== estimateSeq || !now) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#booking-estimate");
        if (fresh) { now.replaceWith(fresh); }
      })
      .catch(function () { /* the figure shown stays; the booking is priced on the server anyway */ });
  }
  function onPriceInput(event) {
    var form = event.target.form;
    if (!form || !form.hasAttribute("data-estimate-url")) { return; }
    if (estimateTimer !== null) { window.clearTimeout(estimateTimer); }
    estimateTimer = window.setTimeout(function () { estimateTimer = null; refreshEstimate(form); }, 250);
  }
  panel.addEventListener("input", onPriceInput);
  panel.addEventListener("change", onPriceInput);

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
