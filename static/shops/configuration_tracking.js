/*
 * Estado › Shipping sync with Dropi: "Sincronizar ahora" queues a sync (POST
 * /app/api/tracking/sync), then the card follows it (GET /app/api/tracking every 2 s while it
 * runs, at most a minute) and shows its last run, result and next run.
 */
(function () {
  "use strict";
  var C = window.Connector;
  var card = document.querySelector("[data-tracking-card]");
  if (!C || !card) { return; }
  var labels = JSON.parse(document.getElementById("tracking-labels").textContent);
  var button = card.querySelector('[data-action="sync-now"]');
  var message = card.querySelector("[data-tracking-message]");
  var error = card.querySelector("[data-tracking-error]");
  var POLL_MS = 2000;
  var MAX_POLLS = 30;

  function json(response) {
    return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
  }
  function moment(target, iso, fallback) {
    target.textContent = "";
    if (!iso) { target.textContent = fallback; return; }
    var time = document.createElement("time");
    time.setAttribute("datetime", iso);
    time.textContent = C.formatDateTime(iso);
    target.appendChild(time);
  }
  function show(sync) {
    if (!sync || !sync.exists) { return; }
    var running = sync.state === "running" || (sync.state === "waiting" && !sync.next_at);
    moment(card.querySelector('[data-tracking="last"]'), sync.last_finished_at, labels.never);
    moment(card.querySelector('[data-tracking="next"]'), sync.next_at, "—");
    var result = card.querySelector('[data-tracking="result"]');
    result.textContent = running ? labels.running : (sync.message || "—");
    result.className = "badge" + (running ? " badge--info" : sync.ok ? " badge--success" : " badge--critical");
    button.disabled = running || !sync.can_sync;
    return running;
  }
  function follow(polls) {
    C.fetch("/app/api/tracking").then(json).then(function (result) {
      var running = result.ok && show(result.data.sync);
      if (running && polls < MAX_POLLS) { window.setTimeout(function () { follow(polls + 1); }, POLL_MS); }
      if (!running) { message.textContent = ""; }
    });
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    error.textContent = "";
    C.fetch("/app/api/tracking/sync", { method: "POST" }).then(json).then(function (result) {
      if (!result.ok) {
        error.textContent = result.data.error || labels.failed;
        button.disabled = false;
        return;
      }
      message.textContent = result.data.message || "";
      show(result.data.sync);
      follow(0);
    }, function () {
      error.textContent = labels.failed;
      button.disabled = false;
    });
  });
}());
