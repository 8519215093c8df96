/*
 * Configuración › shipping updates: the WhatsApp flow of each shipping stage (Ecomdrop tab; the
 * selects are filled with the account's flows by configuration.js, like the other flow selects)
 * and the Shopify write-back options (Dropi tab). Both save to /app/api/shipping.
 */
(function () {
  "use strict";
  var C = window.Connector;
  var flowsForm = document.querySelector('[data-form="shipping-flows"]');
  var shopifyForm = document.querySelector('[data-form="shipping-shopify"]');
  if (!C || !flowsForm || !shopifyForm) { return; }
  var T = {
    es: { failed: "No se pudo guardar", network: "No hay conexión con la app. Inténtalo de nuevo.", saving: "Guardando…" },
    en: { failed: "Could not save", network: "The app could not be reached. Try again.", saving: "Saving…" }
  }[C.context.language === "en" ? "en" : "es"];

  function save(form, body, onSuccess) {
    form.querySelectorAll("[data-error-for]").forEach(function (element) { element.textContent = ""; });
    form.querySelector("[data-form-error]").textContent = "";
    var button = form.querySelector('button[type="submit"]');
    var label = button.textContent;
    button.textContent = T.saving;
    button.disabled = true;
    var done = function () { button.textContent = label; button.disabled = false; };
    C.fetch("/app/api/shipping", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        done();
        if (!result.ok) {
          var message = result.data.error || T.failed;
          var slot = result.data.field ? form.querySelector('[data-error-for="' + result.data.field + '"]') : null;
          (slot || form.querySelector("[data-form-error]")).textContent = message;
          C.toast(message, { isError: true });
          return;
        }
        C.toast(result.data.message);
        onSuccess(result.data.state.shipping);
      }, function () { done(); C.toast(T.network, { isError: true }); });
  }

  flowsForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var flows = {};
    flowsForm.querySelectorAll("select[data-stage]").forEach(function (select) { flows[select.getAttribute("data-stage")] = select.value; });
    save(flowsForm, { flows: flows }, function (shipping) {
      Object.keys(shipping.flows).forEach(function (stage) {
        var since = flowsForm.querySelector('[data-enabled-since="' + stage + '"]');
        var enabledAt = shipping.flows[stage].enabled_at;
        since.hidden = !enabledAt;
        if (enabledAt) {
          var time = since.querySelector("time");
          time.setAttribute("datetime", enabledAt);
          time.textContent = C.formatDateTime(enabledAt);
        }
      });
    });
  });

  shopifyForm.addEventListener("submit", function (event) {
    event.preventDefault();
    save(shopifyForm, {
      notify_customer: shopifyForm.notify_customer.checked,
      cancel_shopify_order: shopifyForm.cancel_shopify_order.checked
    }, function () {});
  });
})();
