/*
 * Pedidos › Envíos: the shop's orders by shipping stage as Dropi reports them (the stage
 * filters, "novedad" first, with their counts), each with its stage, guía (a link to the
 * carrier's tracking page when it is known), carrier, last update and history; and when the
 * orders were last synced with Dropi. Reads /app/api/tracking and /app/api/orders?filter=stage_….
 */
(function () {
  "use strict";
  var C = window.Connector;
  var card = document.querySelector("[data-shipping-card]");
  if (!C || !card) { return; }
  var labels = JSON.parse(document.getElementById("shipping-labels").textContent);
  var filters = card.querySelector("[data-shipping-filters]");
  var body = card.querySelector("[data-shipping-body]");
  var error = card.querySelector("[data-shipping-error]");
  var BADGE = { incident: "badge--critical", delivered: "badge--success", returned: "badge--warning", cancelled: "badge--warning" };
  var selected = "";

  function json(response) {
    return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
  }
  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text != null) { node.textContent = String(text); }
    return node;
  }
  function cell(content) {
    var td = element("td");
    if (content instanceof Node) { td.appendChild(content); } else { td.textContent = content == null ? "" : String(content); }
    return td;
  }
  function link(text, href) {
    var anchor = element("a", text);
    anchor.href = href;
    anchor.target = "_blank";
    anchor.rel = "noopener noreferrer";
    return anchor;
  }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, name) { return values[name] == null ? "" : values[name]; });
  }

  function stageBadge(shipping) {
    var text = shipping.stage === "other" ? shipping.stage_label + ": " + shipping.dropi_status : shipping.stage_label;
    return element("span", text, "badge " + (BADGE[shipping.stage] || "badge--info"));
  }
  function guide(shipping) {
    var holder = element("span");
    if (shipping.guia) {
      holder.appendChild(shipping.tracking_url ? link(shipping.guia, shipping.tracking_url) : element("span", shipping.guia));
    } else {
      holder.textContent = "—";
    }
    if (shipping.label_url) {
      holder.appendChild(document.createTextNode(" "));
      holder.appendChild(link(labels.label, shipping.label_url));
    }
    return holder;
  }
  function timeline(history) {
    var list = element("ol", null, "stack");
    list.setAttribute("data-shipping-timeline", "");
    history.forEach(function (entry) {
      var item = element("li", entry.label + " — " + entry.actor_label + ", ");
      var when = element("time", C.formatDateTime(entry.at));
      when.setAttribute("datetime", entry.at);
      item.appendChild(when);
      list.appendChild(item);
    });
    return list;
  }
  function historyButton(order, row) {
    var button = element("button", labels.history, "button");
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    var detail = null;
    button.addEventListener("click", function () {
      if (detail) {
        detail.remove();
        detail = null;
        button.setAttribute("aria-expanded", "false");
        return;
      }
      detail = element("tr");
      var td = cell(timeline(order.dropi.history || []));
      td.colSpan = 6;
      detail.appendChild(td);
      row.after(detail);
      button.setAttribute("aria-expanded", "true");
    });
    return button;
  }
  function render(orders) {
    body.textContent = "";
    var shown = orders.filter(function (order) { return order.dropi && order.dropi.shipping; });
    if (!shown.length) {
      var empty = element("tr");
      var td = cell(labels.empty);
      td.colSpan = 6;
      td.className = "empty-state";
      empty.appendChild(td);
      body.appendChild(empty);
      return;
    }
    shown.forEach(function (order) {
      var shipping = order.dropi.shipping;
      var row = element("tr");
      row.setAttribute("data-shipping-order", order.id);
      row.appendChild(cell(order.admin_url ? link(order.name || order.id, order.admin_url) : order.name));
      row.appendChild(cell(stageBadge(shipping)));
      row.appendChild(cell(guide(shipping)));
      row.appendChild(cell(shipping.carrier || "—"));
      row.appendChild(cell(shipping.updated_at ? C.formatDateTime(shipping.updated_at) : "—"));
      row.appendChild(cell(historyButton(order, row)));
      body.appendChild(row);
    });
  }
  function load(filter) {
    selected = filter;
    Array.prototype.forEach.call(filters.querySelectorAll("button"), function (button) {
      var on = button.getAttribute("data-filter") === filter;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.classList.toggle("button--primary", on);
    });
    error.textContent = "";
    C.fetch("/app/api/orders?filter=" + encodeURIComponent(filter)).then(json).then(function (result) {
      if (!result.ok) { error.textContent = result.data.error || labels.failed; return; }
      render(result.data.orders || []);
    }, function () { error.textContent = labels.failed; });
  }
  function syncLine(sync) {
    var line = card.querySelector("[data-shipping-sync]");
    if (!sync || !sync.exists) { if (sync) { line.textContent = labels.neverSynced; } return; }
    var text = sync.last_finished_at ? fill(labels.lastSync, { date: C.formatDateTime(sync.last_finished_at) }) : labels.neverSynced;
    if (sync.message && !sync.ok) { text += " " + sync.message; }
    if (sync.next_at) { text += " " + fill(labels.nextSync, { date: C.formatDateTime(sync.next_at) }); }
    line.textContent = text;
  }
  function start() {
    C.fetch("/app/api/tracking").then(json).then(function (result) {
      if (!result.ok) { error.textContent = result.data.error || labels.failed; return; }
      syncLine(result.data.sync);
      filters.textContent = "";
      var first = "";
      (result.data.stages || []).forEach(function (stage) {
        var button = element("button", stage.label + " (" + stage.count + ")", "button");
        button.type = "button";
        button.setAttribute("data-filter", stage.filter);
        button.setAttribute("aria-pressed", "false");
        button.addEventListener("click", function () { load(stage.filter); });
        filters.appendChild(button);
        if (!first && stage.count) { first = stage.filter; }
      });
      load(selected || first || (result.data.stages || [{ filter: "stage_incident" }])[0].filter);
    }, function () { error.textContent = labels.failed; });
  }
  start();
}());
