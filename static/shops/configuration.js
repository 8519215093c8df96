/*
 * Configuración page: tabs, Ecomdrop connection, flows and contact fields, callback secret,
 * Dropi settings and who places Dropi orders, and Estado, which follows every save made on the page (the server renders it
 * once; `state` is what the last save answered).
 */
(function () {
  "use strict";
  var C = window.Connector;
  var root = document.querySelector("[data-tabs]");
  if (!C || !root) { return; }
  var state = JSON.parse(document.getElementById("configuration-state").textContent);
  var T = {
    es: {
      saved: "Guardado", failed: "No se pudo guardar", network: "No hay conexión con la app. Inténtalo de nuevo.",
      disconnectTitle: "¿Quitar la conexión con Ecomdrop?", disconnectText: "Los pedidos y carritos dejarán de enviarse a Ecomdrop hasta que vuelvas a conectar la clave.", disconnect: "Quitar",
      rotateTitle: "¿Generar un secreto nuevo?", rotateText: "El secreto actual dejará de funcionar: actualízalo en tus flujos de Ecomdrop.", rotate: "Generar",
      copied: "Copiado al portapapeles", saving: "Guardando…", loading: "Cargando…", noFlows: "Tu cuenta de Ecomdrop no tiene flujos todavía.",
      fieldExists: "Existe", fieldMissing: "Falta"
    },
    en: {
      saved: "Saved", failed: "Could not save", network: "The app could not be reached. Try again.",
      disconnectTitle: "Remove the Ecomdrop connection?", disconnectText: "Orders and carts stop being sent to Ecomdrop until you connect the key again.", disconnect: "Remove",
      rotateTitle: "Generate a new secret?", rotateText: "The current secret stops working: update it in your Ecomdrop flows.", rotate: "Generate",
      copied: "Copied to the clipboard", saving: "Saving…", loading: "Loading…", noFlows: "Your Ecomdrop account has no flows yet.",
      fieldExists: "Exists", fieldMissing: "Missing"
    }
  }[C.context.language === "en" ? "en" : "es"];

  // ---------------------------------------------------------------- tabs (keyboard: arrows, Home, End)
  var tabs = Array.prototype.slice.call(root.querySelectorAll('[role="tab"]'));
  function select(tab, focus) {
    tabs.forEach(function (other) {
      var selected = other === tab;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    });
    if (focus) { tab.focus(); }
    if (tab.id === "tab-status" || tab.id === "tab-ecomdrop") { loadFlows(false); }
    if (tab.id === "tab-ecomdrop") { loadContactFields(false); }
  }
  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function () { select(tab, false); });
    tab.addEventListener("keydown", function (event) {
      var next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) { return; }
      event.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length], true);
    });
  });
  document.addEventListener("click", function (event) {
    var go = event.target.closest("[data-go-tab]");
    if (go) { select(document.getElementById("tab-" + go.getAttribute("data-go-tab")), true); }
  });

  // ---------------------------------------------------------------- helpers
  function post(url, body) {
    return C.fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
      });
  }
  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (element) { element.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (element) { element.removeAttribute("aria-invalid"); });
    var general = form.querySelector("[data-form-error]");
    if (general) { general.textContent = ""; }
  }
  function showError(form, data) {
    var message = (data && data.error) || T.failed;
    var slot = data && data.field ? form.querySelector('[data-error-for="' + data.field + '"]') : null;
    if (slot) {
      slot.textContent = message;
      var input = form.querySelector('[name="' + data.field + '"]');
      if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
    } else {
      var general = form.querySelector("[data-form-error]");
      if (general) { general.textContent = message; }
    }
    C.toast(message, { isError: true });
  }
  function busy(form, on) {
    var button = form.querySelector('button[type="submit"]');
    if (!button) { return; }
    if (on) { button.dataset.label = button.textContent; button.textContent = T.saving; button.disabled = true; }
    else { button.textContent = button.dataset.label || button.textContent; button.disabled = false; }
  }
  function submit(form, url, body, onSuccess, options) {
    clearErrors(form);
    busy(form, true);
    return post(url, body).then(function (result) {
      busy(form, false);
      if (!result.ok) { showError(form, result.data); return; }
      // A quiet submit reloads the page, which shows the message instead.
      if (result.data.message && !(options && options.quiet)) { C.toast(result.data.message); }
      if (onSuccess) { onSuccess(result.data); }
    }, function () { busy(form, false); C.toast(T.network, { isError: true }); });
  }
  function confirmDialog(title, text, label) {
    var dialog = document.querySelector("[data-confirm-dialog]");
    dialog.querySelector("[data-confirm-title]").textContent = title;
    dialog.querySelector("[data-confirm-text]").textContent = text;
    dialog.querySelector("[data-confirm-button]").textContent = label;
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function handler() {
        dialog.removeEventListener("close", handler);
        resolve(dialog.returnValue === "confirm");
      });
      dialog.showModal();
    });
  }
  function copy(text) {
    var done = function () { C.toast(T.copied); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, done);
    } else { done(); }
  }
  function reloadOn(tab, message) {
    C.navigate(window.location.pathname + "?tab=" + tab, { toast: message });
  }

  // ---------------------------------------------------------------- Ecomdrop connection
  var connectForm = document.querySelector('[data-form="connect"]');
  connectForm.addEventListener("submit", function (event) {
    event.preventDefault();
    submit(connectForm, "/app/api/ecomdrop/connect", { api_key: connectForm.api_key.value }, function (data) {
      connectForm.api_key.value = "";
      reloadOn("ecomdrop", data.message);
    }, { quiet: true });
  });
  document.addEventListener("click", function (event) {
    var action = event.target.closest("[data-action]");
    if (!action) { return; }
    var name = action.getAttribute("data-action");
    if (name === "replace-key") {
      connectForm.hidden = false;
      connectForm.api_key.focus();
    } else if (name === "cancel-replace") {
      connectForm.hidden = true;
    } else if (name === "refresh-flows") {
      loadFlows(true);
      loadContactFields(true);
    } else if (name === "refresh-contact-fields") {
      loadContactFields(true);
    } else if (name === "disconnect") {
      confirmDialog(T.disconnectTitle, T.disconnectText, T.disconnect).then(function (yes) {
        if (yes) { post("/app/api/ecomdrop/disconnect").then(function (result) { reloadOn("ecomdrop", result.data.message); }); }
      });
    } else if (name === "reveal-secret") {
      post("/app/api/callback-secret/reveal").then(function (result) {
        if (!result.ok) { C.toast(result.data.error || T.failed, { isError: true }); return; }
        document.querySelector("[data-callback-secret]").textContent = result.data.secret;
        copy(result.data.secret);
      });
    } else if (name === "rotate-secret") {
      confirmDialog(T.rotateTitle, T.rotateText, T.rotate).then(function (yes) {
        if (!yes) { return; }
        post("/app/api/callback-secret/rotate").then(function (result) {
          if (!result.ok) { C.toast(result.data.error || T.failed, { isError: true }); return; }
          document.querySelector("[data-callback-secret]").textContent = result.data.secret;
          C.toast(result.data.message);
        });
      });
    } else if (name === "edit-token") {
      var token = document.getElementById("token");
      token.hidden = false;
      token.focus();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) { copy(button.getAttribute("data-copy")); }
  });

  // ---------------------------------------------------------------- flows
  var flowsLoaded = false;
  var flowNames = {};
  function renderActiveFlows() {
    var any = false;
    ["nuevo_pedido_flow_id", "carrito_abandonado_flow_id"].forEach(function (field) {
      var item = document.querySelector('[data-active-flow="' + field + '"]');
      var id = state.ecomdrop[field];
      item.hidden = !id;
      if (id) {
        any = true;
        var name = item.querySelector("[data-flow-name]");
        name.setAttribute("data-flow-name", id);
        name.textContent = flowNames[id] || id;
      }
    });
    document.querySelector("[data-delay]").textContent = state.ecomdrop.abandoned_cart_delay_minutes;
    document.querySelector("[data-no-flows]").hidden = any;
    document.querySelector("[data-flows-cleared]").hidden = !state.ecomdrop.flows_cleared;
  }
  function loadFlows(refresh) {
    if (!state.ecomdrop.connected || (flowsLoaded && !refresh)) { return; }
    var loading = document.querySelector("[data-flows-loading]");
    var problem = document.querySelector("[data-flows-error]");
    loading.hidden = false;
    problem.textContent = "";
    C.fetch("/app/api/ecomdrop/flows" + (refresh ? "?refresh=1" : "")).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      loading.hidden = true;
      if (!result.ok) { problem.textContent = result.data.error || T.failed; return; }
      flowsLoaded = true;
      var flows = result.data.flows;
      if (!flows.length) { problem.textContent = T.noFlows; }
      document.querySelectorAll("[data-flow-select]").forEach(function (select) {
        var selected = select.value || select.getAttribute("data-selected");
        while (select.options.length > 1) { select.remove(1); }
        flows.forEach(function (flow) {
          var option = new Option(flow.name, flow.id, false, flow.id === selected);
          select.add(option);
        });
      });
      flows.forEach(function (flow) { flowNames[flow.id] = flow.name; });
      renderActiveFlows();
    }, function () { loading.hidden = true; problem.textContent = T.network; });
  }
  // ---------------------------------------------------------------- contact fields
  var contactFieldsLoaded = false;
  function loadContactFields(refresh) {
    if (!state.ecomdrop.connected || (contactFieldsLoaded && !refresh)) { return; }
    var card = document.querySelector("[data-contact-fields-card]");
    var loading = card.querySelector("[data-contact-fields-loading]");
    var problem = card.querySelector("[data-contact-fields-error]");
    loading.hidden = false;
    problem.textContent = "";
    C.fetch("/app/api/ecomdrop/contact-fields" + (refresh ? "?refresh=1" : "")).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      loading.hidden = true;
      if (!result.ok) { problem.textContent = result.data.error || T.failed; return; }
      contactFieldsLoaded = true;
      result.data.fields.forEach(function (field) {
        var row = card.querySelector('[data-contact-field="' + CSS.escape(field.name) + '"]');
        if (!row) { return; }
        var badge = document.createElement("span");
        badge.className = "badge " + (field.exists ? "badge--success" : "badge--critical");
        badge.textContent = field.exists ? T.fieldExists : T.fieldMissing;
        var cell = row.querySelector("[data-contact-field-status]");
        cell.textContent = "";
        cell.appendChild(badge);
      });
      var missing = result.data.missing;
      card.querySelector("[data-missing-names]").textContent = missing.join(", ");
      card.querySelector("[data-contact-fields-missing]").hidden = !missing.length;
      card.querySelector("[data-contact-fields-ok]").hidden = Boolean(missing.length);
    }, function () { loading.hidden = true; problem.textContent = T.network; });
  }

  // ---------------------------------------------------------------- Estado
  var assistantSaved = document.querySelector('[data-next-step="assistant"] [data-step-done]').textContent.trim() !== "";
  function tick(step, done) {
    document.querySelector('[data-next-step="' + step + '"] [data-step-done]').textContent = done ? "✓ " : "";
  }
  function renderStatus() {
    var ecomdrop = state.ecomdrop;
    var dropi = state.dropi;
    [["ecomdrop", ecomdrop.connected], ["dropi", dropi.configured]].forEach(function (item) {
      document.querySelector('[data-status-done="' + item[0] + '"]').hidden = !item[1];
      document.querySelector('[data-status-todo="' + item[0] + '"]').hidden = Boolean(item[1]);
    });
    document.querySelector("[data-status-account]").textContent = ecomdrop.account_name;
    document.querySelector("[data-status-dropi]").textContent = dropi.store_name + " (" + dropi.country + ")";
    tick("ecomdrop", ecomdrop.connected);
    tick("flows", Boolean(ecomdrop.nuevo_pedido_flow_id || ecomdrop.carrito_abandonado_flow_id));
    tick("dropi", dropi.configured);
    tick("assistant", assistantSaved);
  }
  // The Asistente IA tab (assistant.js) announces its saves.
  document.addEventListener("assistant:saved", function () { assistantSaved = true; renderStatus(); });

  var flowsForm = document.querySelector('[data-form="flows"]');
  flowsForm.addEventListener("submit", function (event) {
    event.preventDefault();
    submit(flowsForm, "/app/api/ecomdrop/flows", {
      nuevo_pedido_flow_id: flowsForm.nuevo_pedido_flow_id.value,
      carrito_abandonado_flow_id: flowsForm.carrito_abandonado_flow_id.value,
      abandoned_cart_delay_minutes: flowsForm.abandoned_cart_delay_minutes.value
    }, function (data) { state = data.state; renderActiveFlows(); renderStatus(); });
  });

  // ---------------------------------------------------------------- Dropi
  var dropiForm = document.querySelector('[data-form="dropi"]');
  dropiForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = dropiForm.token;
    submit(dropiForm, "/app/api/dropi", {
      store_name: dropiForm.store_name.value,
      country: dropiForm.country.value,
      token: token.hidden ? "" : token.value
    }, function (data) {
      state = data.state;
      renderStatus();
      token.value = "";
      token.hidden = true;
      var stored = document.querySelector("[data-token-stored]");
      stored.hidden = false;
      stored.querySelector("[data-token-status]").textContent = data.state.dropi.token_status;
    });
  });

  // ---------------------------------------------------------------- Dropi orders (who places them)
  var modeForm = document.querySelector('[data-form="order-mode"]');
  modeForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var mode = modeForm.querySelector('input[name="mode"]:checked');
    submit(modeForm, "/app/api/dropi/orders", {
      mode: mode ? mode.value : "",
      cancel_shopify_order: modeForm.cancel_shopify_order.checked
    }, function (data) { state = data.state; });
  });

  var selected = tabs.filter(function (tab) { return tab.getAttribute("aria-selected") === "true"; })[0];
  if (selected) { select(selected, false); }
})();
