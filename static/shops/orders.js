/*
 * Pedidos page: recent Shopify orders with their Ecomdrop delivery and Dropi side (the Dropi
 * filters; the Dropi cell itself is orders_dropi.js'), resend, and test events.
 *
 * Orders whose Dropi placement is under way are read again (after 2 s, then less often, up to
 * every 30 s) until it settles; the histories left open stay open.
 *
 * Test events are not Shopify orders: they are listed apart, marked as tests, and read again
 * while one of them is still on its way (every 2 s, then less often, up to every 30 s), until
 * every one has a final state.
 */
(function () {
  "use strict";
  var C = window.Connector;
  var body = document.querySelector("[data-orders-body]");
  if (!C || !body) { return; }
  var labels = JSON.parse(document.getElementById("orders-labels").textContent);
  var Dropi = window.ConnectorOrdersDropi;
  var pageInfo = {};
  var filter = "";
  var query = "";
  var afterStack = [];  // the filtered list pages by `after` only: the cursors of the pages before
  var rows = {};
  var pollTimer = null;
  var pollDelay = 2000;
  var badge = { sent: "badge--success", failed: "badge--critical", unconfirmed: "badge--warning", skipped: "badge--warning" };
  var FINAL = { sent: true, failed: true, unconfirmed: true, skipped: true };
  var FIRST_POLL_MS = 2000;
  var LONGEST_POLL_MS = 30000;

  function cell(text, className) {
    var td = document.createElement("td");
    if (className) { td.className = className; }
    if (text instanceof Node) { td.appendChild(text); } else { td.textContent = text == null ? "" : String(text); }
    return td;
  }
  function span(text, className) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }
  function json(response) {
    return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
  }
  function money(amount, currency) {
    if (amount == null) { return ""; }
    try {
      return new Intl.NumberFormat(C.context.language === "en" ? "en-US" : "es-CO", { style: "currency", currency: currency }).format(Number(amount));
    } catch (error) { return amount + " " + currency; }
  }
  function deliveryState(delivery) {
    var state = document.createElement("div");
    if (!delivery) {
      state.appendChild(span(labels.none, "badge"));
      return state;
    }
    state.appendChild(span(delivery.status_label, "badge " + (badge[delivery.status] || "badge--info")));
    if (delivery.problem) {
      state.appendChild(document.createElement("br"));
      state.appendChild(span(delivery.problem, "text-subdued"));
    }
    return state;
  }
  function resendCell(delivery) {
    var actions = document.createElement("td");
    if (delivery && delivery.resendable) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button";
      button.textContent = labels.resend;
      button.addEventListener("click", function () { resend(delivery.id, button); });
      actions.appendChild(button);
    }
    return actions;
  }

  // ---------------------------------------------------------------- orders
  function openHistories() {
    var open = {};
    body.querySelectorAll("tr[data-order-id]").forEach(function (row) {
      var details = row.querySelector("[data-history]");
      if (details && details.open) { open[row.getAttribute("data-order-id")] = true; }
    });
    return open;
  }
  function render(orders) {
    var open = openHistories();
    body.textContent = "";
    rows = {};
    if (!orders.length) {
      var row = document.createElement("tr");
      row.appendChild(cell(filter ? labels.emptyFilter : labels.empty, "empty-state")).colSpan = 8;
      body.appendChild(row);
      return;
    }
    orders.forEach(function (order) {
      var row = document.createElement("tr");
      var link = document.createElement("a");
      link.href = order.admin_url;
      link.target = "_top";
      link.textContent = order.name;
      row.appendChild(cell(link));
      row.appendChild(cell(C.formatDateTime(order.created_at)));
      row.appendChild(cell(money(order.total, order.currency)));
      row.appendChild(cell([order.financial_status, order.fulfillment_status].filter(Boolean).join(" / ")));
      row.appendChild(cell(deliveryState(order.delivery)));
      row.appendChild(Dropi.cell(order));
      row.appendChild(cell((order.tags || []).join(", ")));
      row.appendChild(resendCell(order.delivery));
      row.setAttribute("data-order-id", order.id);
      var history = row.querySelector("[data-history]");
      if (history && open[order.id]) { history.open = true; }
      rows[order.id] = { row: row, order: order };
      body.appendChild(row);
    });
    followPlacements(orders);
  }
  function followPlacements(orders) {
    window.clearTimeout(pollTimer);
    if (!orders.some(function (order) { return Dropi.isTransient(order.dropi); })) { pollDelay = 2000; return; }
    pollTimer = window.setTimeout(function () { load(query, { quiet: true }); }, pollDelay);
    pollDelay = Math.min(pollDelay * 2, LONGEST_POLL_MS);
  }
  // An action answered: the order's Dropi cell shows its new side (or the page is read again).
  Dropi.onChange(function (order, dropi) {
    var entry = rows[order.id];
    if (!dropi || !entry) { load(query, { quiet: true }); return; }
    entry.order.dropi = dropi;
    var open = entry.row.querySelector("[data-history]");
    var replacement = Dropi.cell(entry.order);
    if (open && open.open && replacement.querySelector("[data-history]")) { replacement.querySelector("[data-history]").open = true; }
    entry.row.replaceChild(replacement, entry.row.querySelector("[data-dropi-cell]"));
    pollDelay = 2000;
    followPlacements(shownOrders());
  });
  function load(nextQuery, options) {
    var quiet = Boolean(options && options.quiet);
    var container = document.querySelector("[data-orders]");
    var problem = document.querySelector("[data-orders-error]");
    query = nextQuery || "";
    if (!quiet) {
      container.setAttribute("aria-busy", "true");
      container.classList.add("table--busy");
      problem.textContent = "";
    }
    C.fetch("/app/api/orders" + query).then(json).then(function (result) {
      container.setAttribute("aria-busy", "false");
      container.classList.remove("table--busy");
      if (!result.ok) {
        problem.textContent = result.data.error || labels.failed;
        if (quiet) { followPlacements(shownOrders()); } else { render([]); }  // a failed re-read tries again later
        return;
      }
      problem.textContent = "";
      pageInfo = result.data.page_info || {};
      document.querySelector('[data-page="previous"]').disabled = filter ? !afterStack.length : !pageInfo.hasPreviousPage;
      document.querySelector('[data-page="next"]').disabled = !pageInfo.hasNextPage;
      render(result.data.orders);
    }, function () {
      container.classList.remove("table--busy");
      problem.textContent = labels.failed;
      if (quiet) { followPlacements(shownOrders()); }
    });
  }
  function shownOrders() {
    return Object.keys(rows).map(function (id) { return rows[id].order; });
  }
  function filtered(after) {
    return "?filter=" + encodeURIComponent(filter) + (after ? "&after=" + encodeURIComponent(after) : "");
  }
  function resend(id, button) {
    button.disabled = true;
    C.fetch("/app/api/deliveries/" + id + "/resend", { method: "POST" }).then(json).then(function (result) {
      C.toast(result.ok ? labels.queued : (result.data.error || labels.failed), { isError: !result.ok });
      load(query);
      loadTests(true);
    });
  }

  // ---------------------------------------------------------------- test events
  var testCard = document.querySelector("[data-test-events-card]");
  var testBody = document.querySelector("[data-test-events]");
  var testTimer = null;
  var testDelay = FIRST_POLL_MS;

  function renderTests(deliveries) {
    testCard.hidden = !deliveries.length;
    testBody.textContent = "";
    deliveries.forEach(function (delivery) {
      var row = document.createElement("tr");
      var name = document.createElement("div");
      name.appendChild(document.createTextNode(delivery.order_name + " "));
      name.appendChild(span(labels.test, "badge badge--info"));
      row.appendChild(cell(name));
      row.appendChild(cell(C.formatDateTime(delivery.created_at)));
      row.appendChild(cell(deliveryState(delivery)));
      row.appendChild(resendCell(delivery));
      testBody.appendChild(row);
    });
  }
  function scheduleTests() {
    window.clearTimeout(testTimer);
    testTimer = window.setTimeout(function () { loadTests(false); }, testDelay);
    testDelay = Math.min(testDelay * 2, LONGEST_POLL_MS);
  }
  function loadTests(restart) {
    if (restart) { testDelay = FIRST_POLL_MS; }
    window.clearTimeout(testTimer);
    C.fetch("/app/api/deliveries?kind=test&limit=5").then(json).then(function (result) {
      if (!result.ok) { scheduleTests(); return; }
      var deliveries = result.data.deliveries;
      renderTests(deliveries);
      if (deliveries.some(function (delivery) { return !FINAL[delivery.status]; })) { scheduleTests(); }
    }, scheduleTests);
  }

  document.querySelector('[data-page="previous"]').addEventListener("click", function () {
    if (filter) { afterStack.pop(); load(filtered(afterStack[afterStack.length - 1])); return; }
    load("?before=" + encodeURIComponent(pageInfo.startCursor || ""));
  });
  document.querySelector('[data-page="next"]').addEventListener("click", function () {
    if (filter) { afterStack.push(pageInfo.endCursor); load(filtered(pageInfo.endCursor)); return; }
    load("?after=" + encodeURIComponent(pageInfo.endCursor || ""));
  });
  document.querySelector('[data-action="refresh"]').addEventListener("click", function () { load(query); loadTests(true); });
  document.querySelectorAll("[data-filter]").forEach(function (button) {
    button.addEventListener("click", function () {
      filter = button.getAttribute("data-filter");
      afterStack = [];
      document.querySelectorAll("[data-filter]").forEach(function (other) {
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
      load(filter ? filtered("") : "");
    });
  });

  var dialog = document.querySelector("[data-test-dialog]");
  var form = document.querySelector('[data-form="test"]');
  function openTest(event) {
    form.event.value = event;
    form.querySelectorAll("[data-test-text]").forEach(function (text) { text.hidden = text.getAttribute("data-test-text") !== event; });
    dialog.showModal();
    form.phone.focus();
  }
  document.querySelector('[data-action="open-test"]').addEventListener("click", function () { openTest("order"); });
  document.querySelector('[data-action="open-test-cart"]').addEventListener("click", function () { openTest("cart"); });
  document.querySelector('[data-action="close-test"]').addEventListener("click", function () { dialog.close(); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var error = form.querySelector('[data-error-for="phone"]');
    error.textContent = "";
    C.fetch("/app/api/test-event", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ phone: form.phone.value, event: form.event.value })
    }).then(json).then(function (result) {
      if (!result.ok) { error.textContent = result.data.error || labels.failed; return; }
      dialog.close();
      C.toast(result.data.message);
      loadTests(true);
    });
  });

  load("");
  loadTests(true);
})();
