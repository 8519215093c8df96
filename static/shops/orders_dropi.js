/*
 * Pedidos › the Dropi column: each order's Dropi state (badge, Dropi order id), what stopped it
 * and its fix, the lines without a Dropi link (with a link to Productos), the history, and the
 * actions: "Crear en Dropi" (after a confirmation), "Reintentar" and the address form.
 *
 * orders.js owns the list; this module builds one cell per order (`cell(order)`) and tells the
 * list when an action answered with the order's new Dropi side (`onChange(callback)`).
 */
(function () {
  "use strict";
  var C = window.Connector;
  var source = document.getElementById("orders-dropi-labels");
  if (!C || !source) { return; }
  var labels = JSON.parse(source.textContent);
  var BADGE = {
    placed: "badge--success", tagging: "badge--success", bot: "badge--info",
    queued: "badge--info", placing: "badge--info", sending: "badge--info",
    needs_link: "badge--warning", address: "badge--warning", failed: "badge--critical"
  };
  // States a worker is moving on from by itself: the list reads them again until they settle.
  var TRANSIENT = { queued: true, placing: true, sending: true, tagging: true };
  var ADDRESS_FIELDS = ["first_name", "last_name", "address1", "address2", "city", "province", "province_code", "zip", "country_code"];
  var changed = function () {};

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text != null) { node.textContent = String(text); }
    return node;
  }
  function post(url, body) {
    return C.fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
      });
  }
  function orderUrl(order, suffix) {
    return "/app/api/orders/" + encodeURIComponent(order.id) + suffix;
  }

  // ---------------------------------------------------------------- actions
  function busy(button, label) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = "";
    button.appendChild(element("span", "spinner"));
    button.appendChild(document.createTextNode(" " + label));
  }
  function run(order, button, busyLabel, url, body) {
    busy(button, busyLabel);
    return post(url, body).then(function (result) {
      C.toast(result.data.message || result.data.error || labels.failed, { isError: !result.ok });
      if (result.data.dropi) { changed(order, result.data.dropi); } else { changed(order, null); }
      return result;
    }, function () {
      C.toast(labels.network, { isError: true });
      changed(order, null);
    });
  }
  function confirmPlace(order) {
    var dialog = document.querySelector("[data-place-dialog]");
    dialog.querySelector("[data-place-name]").textContent = order.name;
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function handler() {
        dialog.removeEventListener("close", handler);
        resolve(dialog.returnValue === "confirm");
      });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }
  function place(order, button) {
    confirmPlace(order).then(function (yes) {
      if (yes) { run(order, button, labels.placing, orderUrl(order, "/dropi")); }
    });
  }
  function retry(order, button) {
    run(order, button, labels.retrying, orderUrl(order, "/dropi/retry"));
  }

  // ---------------------------------------------------------------- address form
  var addressDialog = document.querySelector("[data-address-dialog]");
  var addressForm = document.querySelector('[data-form="address"]');
  var editing = null;

  function clearAddressErrors() {
    addressForm.querySelectorAll("[data-error-for]").forEach(function (slot) { slot.textContent = ""; });
    addressForm.querySelectorAll("[aria-invalid]").forEach(function (input) { input.removeAttribute("aria-invalid"); });
    addressForm.querySelector("[data-form-error]").textContent = "";
  }
  function addressError(field, message) {
    var slot = field ? addressForm.querySelector('[data-error-for="' + field + '"]') : null;
    if (!slot) { addressForm.querySelector("[data-form-error]").textContent = message; return; }
    slot.textContent = message;
    var input = addressForm.elements[field];
    if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
  }
  // The provinces of the chosen country (the staff-editable department table): suggested for
  // the department, and choosing one fills its Shopify code, which decides the Dropi department.
  var departments = JSON.parse(document.getElementById("orders-departments").textContent);
  function plain(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toUpperCase().replace(/\s+/g, " ").trim();
  }
  function suggestDepartments() {
    var list = document.getElementById("address-departments");
    list.textContent = "";
    (departments[addressForm.elements.country_code.value] || []).forEach(function (department) {
      list.appendChild(new Option(department.name, department.name));
    });
  }
  function departmentChosen() {
    var wanted = plain(addressForm.elements.province.value);
    var found = (departments[addressForm.elements.country_code.value] || []).filter(function (department) {
      return plain(department.name) === wanted || plain(department.dropi_name) === wanted;
    })[0];
    addressForm.elements.province_code.value = found ? found.code : "";
  }
  addressForm.elements.country_code.addEventListener("change", function () { suggestDepartments(); departmentChosen(); });
  addressForm.elements.province.addEventListener("input", departmentChosen);

  function openAddress(order) {
    var address = order.dropi.address || {};
    editing = order;
    clearAddressErrors();
    addressForm.querySelector("[data-address-order]").textContent = order.name;
    var problem = addressForm.querySelector("[data-address-problem]");
    problem.hidden = !order.dropi.problem;
    addressForm.querySelector("[data-address-problem-text]").textContent = order.dropi.problem || "";
    ADDRESS_FIELDS.forEach(function (name) { addressForm.elements[name].value = address[name] || ""; });
    addressForm.elements.phone.value = "";
    suggestDepartments();
    addressDialog.showModal();
    addressForm.elements.address1.focus();
  }
  function addressBody() {
    var fields = {};
    ADDRESS_FIELDS.forEach(function (name) { fields[name] = addressForm.elements[name].value.trim(); });
    var phone = addressForm.elements.phone.value.trim();
    if (phone) { fields.phone = phone; }
    return fields;
  }
  addressForm.addEventListener("submit", function (event) {
    event.preventDefault();
    clearAddressErrors();
    var missing = ["address1", "city", "country_code"].filter(function (name) { return !addressForm.elements[name].value.trim(); });
    if (missing.length) { addressError(missing[0], labels.required); return; }
    var order = editing;
    var button = addressForm.querySelector('button[type="submit"]');
    var label = button.textContent;
    busy(button, labels.saving);
    post(orderUrl(order, "/address"), { address: addressBody() }).then(function (result) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = label;
      if (!result.ok) {
        addressError(result.data.field, result.data.error || labels.failed);
        C.toast(result.data.error || labels.failed, { isError: true });
        return;
      }
      addressDialog.close();
      C.toast(result.data.message);
      changed(order, result.data.dropi);
    }, function () {
      button.disabled = false;
      button.textContent = label;
      C.toast(labels.network, { isError: true });
    });
  });
  document.querySelector('[data-action="close-address"]').addEventListener("click", function () { addressDialog.close(); });

  // ---------------------------------------------------------------- the cell
  function button(label, className, handler, order) {
    var node = element("button", "button" + (className ? " " + className : ""), label);
    node.type = "button";
    node.addEventListener("click", function () { handler(order, node); });
    return node;
  }
  function unresolvedList(dropi) {
    var wrap = element("div", "dropi-unresolved-block");
    // The problem line already names them when they stopped the order.
    if (dropi.state !== "needs_link") { wrap.appendChild(element("strong", "dropi-problem", labels.unresolved)); }
    var list = element("ul", "dropi-unresolved");
    dropi.unresolved_lines.forEach(function (line) {
      var item = element("li", null, line.title + (line.variant_title ? " (" + line.variant_title + ")" : "") + " ×" + line.quantity);
      if (line.reason_label) { item.appendChild(element("span", "text-subdued", " — " + line.reason_label)); }
      list.appendChild(item);
    });
    wrap.appendChild(list);
    var link = element("a", null, labels.link);
    link.href = dropi.unresolved_lines[0].link_url || "/app/";
    link.setAttribute("data-app-link", "");
    wrap.appendChild(link);
    return wrap;
  }
  // The few details worth a line under a history entry (ids, Dropi's words, what changed).
  function historyDetail(entry) {
    var detail = entry.detail || {};
    if (detail.dropi_order_id) { return labels.dropiId + " #" + detail.dropi_order_id; }
    if (entry.kind === "attempt" && detail.attempt) { return labels.attempt + " " + detail.attempt; }
    if (entry.kind === "paused" && detail.until) { return labels.until + " " + C.formatDateTime(detail.until); }
    if (entry.kind === "address_refused" && detail.message) { return detail.message; }
    if (detail.fields && detail.fields.length) { return detail.fields.join(", "); }
    if (detail.refused) { return detail.refused; }
    return "";
  }
  function history(dropi) {
    var details = element("details", "disclosure");
    details.setAttribute("data-history", "");
    details.appendChild(element("summary", null, labels.history + " (" + dropi.history.length + ")"));
    var list = element("ol", "timeline");
    dropi.history.forEach(function (entry) {
      var item = element("li");
      item.setAttribute("data-history-kind", entry.kind);
      var time = element("time", null, C.formatDateTime(entry.at));
      time.setAttribute("datetime", entry.at);
      item.appendChild(time);
      item.appendChild(element("span", null, entry.label + " · " + entry.actor_label));
      var more = historyDetail(entry);
      if (more) { item.appendChild(element("span", "timeline__detail", more)); }
      list.appendChild(item);
    });
    details.appendChild(list);
    return details;
  }
  function actions(order) {
    var dropi = order.dropi;
    var bar = element("div", "dropi-actions");
    if (dropi.can_place) { bar.appendChild(button(labels.place, "button--primary", place, order)); }
    if (dropi.state === "address" && dropi.can_edit_address) { bar.appendChild(button(labels.editAddress, "button--primary", openAddress, order)); }
    if (dropi.can_retry) { bar.appendChild(button(labels.retry, "", retry, order)); }
    return bar.childNodes.length ? bar : null;
  }
  function cell(order) {
    var td = element("td", "dropi-cell");
    td.setAttribute("data-dropi-cell", "");
    var dropi = order.dropi;
    if (!dropi) { td.appendChild(element("span", "text-subdued", labels.none)); return td; }
    var state = element("div");
    var badge = element("span", "badge " + (BADGE[dropi.state] || ""), dropi.state_label);
    badge.setAttribute("data-dropi-state", dropi.state);
    state.appendChild(badge);
    if (TRANSIENT[dropi.state]) { state.appendChild(document.createTextNode(" ")); state.appendChild(element("span", "spinner")); }
    td.appendChild(state);
    if (dropi.dropi_order_id) {
      var id = element("div", "dropi-id", labels.dropiId + " #" + dropi.dropi_order_id);
      if (dropi.dropi_status) { id.appendChild(element("span", "text-subdued", " · " + dropi.dropi_status)); }
      td.appendChild(id);
    }
    if (dropi.must_cancel_in_dropi) { td.appendChild(element("div", "badge badge--critical", labels.mustCancel)); }
    if (dropi.problem) {
      td.appendChild(element("p", "dropi-problem" + (dropi.state === "failed" || dropi.must_cancel_in_dropi ? " text-critical" : ""), dropi.problem));
      if (dropi.fix) { td.appendChild(element("p", "dropi-fix", dropi.fix)); }
    }
    if (dropi.unresolved_lines && dropi.unresolved_lines.length) { td.appendChild(unresolvedList(dropi)); }
    var bar = actions(order);
    if (bar) { td.appendChild(bar); }
    if (dropi.history && dropi.history.length) { td.appendChild(history(dropi)); }
    return td;
  }

  window.ConnectorOrdersDropi = {
    cell: cell,
    isTransient: function (dropi) { return Boolean(dropi && TRANSIENT[dropi.state]); },
    onChange: function (callback) { changed = callback; }
  };
})();
