/*
 * Configuración › Ecomdrop › Abandoned carts and order rules: loads the shop's rules (the
 * defaults until saved), fills the form, saves it; a refused value is shown at its field.
 */
(function () {
  "use strict";
  var C = window.Connector;
  var form = document.querySelector('[data-form="delivery-rules"]');
  if (!C || !form) { return; }
  var T = {
    es: { failed: "No se pudo guardar", network: "No hay conexión con la app. Inténtalo de nuevo.", saving: "Guardando…" },
    en: { failed: "Could not save", network: "The app could not be reached. Try again.", saving: "Saving…" }
  }[C.context.language === "en" ? "en" : "es"];
  var presets = [];

  function json(response) {
    return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
  }
  function tags(text) {
    return text.split(",").map(function (tag) { return tag.trim(); }).filter(Boolean);
  }
  function checkboxes(container, name, choices, checked) {
    container.textContent = "";
    choices.forEach(function (choice) {
      var label = document.createElement("label");
      label.className = "checkbox";
      var input = document.createElement("input");
      input.type = "checkbox";
      input.name = name;
      input.value = choice.value;
      input.checked = checked.some(function (value) { return value.toLowerCase() === choice.value.toLowerCase(); });
      var text = document.createElement("span");
      text.textContent = choice.label;
      label.appendChild(input);
      label.appendChild(text);
      container.appendChild(label);
    });
  }
  function checkedValues(name) {
    return Array.prototype.slice.call(form.querySelectorAll('input[name="' + name + '"]:checked')).map(function (input) { return input.value; });
  }
  function showDraftOptions() {
    form.querySelector("[data-draft-options]").hidden = form.cart_source.value === "checkouts";
  }
  function fill(rules) {
    presets = rules.choices.draft_tag_presets;
    var presetValues = presets.map(function (preset) { return preset.value.toLowerCase(); });
    form.cart_source.value = rules.cart_source;
    checkboxes(form.querySelector("[data-draft-presets]"), "draft_preset", presets, rules.draft_tags);
    form.draft_tags.value = rules.draft_tags.filter(function (tag) { return presetValues.indexOf(tag.toLowerCase()) < 0; }).join(", ");
    form.draft_any_open.checked = rules.draft_any_open;
    checkboxes(form.querySelector("[data-payment-methods]"), "payment_methods", rules.choices.payment_methods, rules.payment_methods);
    form.skip_tags.value = rules.skip_tags.join(", ");
    form.skip_channels.value = rules.skip_channels.join(", ");
    form.quiet_hours_enabled.checked = rules.quiet_hours_enabled;
    form.quiet_start.value = rules.quiet_start;
    form.quiet_end.value = rules.quiet_end;
    form.duplicate_window_minutes.value = rules.duplicate_window_minutes;
    showDraftOptions();
    form.querySelectorAll("[data-rules-fields]").forEach(function (fieldset) { fieldset.disabled = false; });
    form.querySelector("[data-rules-save]").disabled = false;
    form.querySelector("[data-rules-loading]").hidden = true;
  }
  function body() {
    var window_ = form.duplicate_window_minutes.value.trim();
    return {
      cart_source: form.cart_source.value,
      draft_tags: checkedValues("draft_preset").concat(tags(form.draft_tags.value)),
      draft_any_open: form.draft_any_open.checked,
      payment_methods: checkedValues("payment_methods"),
      skip_tags: tags(form.skip_tags.value),
      skip_channels: tags(form.skip_channels.value),
      quiet_hours_enabled: form.quiet_hours_enabled.checked,
      quiet_start: form.quiet_start.value,
      quiet_end: form.quiet_end.value,
      duplicate_window_minutes: /^\d+$/.test(window_) ? parseInt(window_, 10) : window_
    };
  }
  function clearErrors() {
    form.querySelectorAll("[data-error-for]").forEach(function (element) { element.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (element) { element.removeAttribute("aria-invalid"); });
    form.querySelector("[data-form-error]").textContent = "";
  }
  function showError(data) {
    var message = (data && data.error) || T.failed;
    var slot = data && data.field ? form.querySelector('[data-error-for="' + data.field + '"]') : null;
    (slot || form.querySelector("[data-form-error]")).textContent = message;
    var input = data && data.field ? form.querySelector('[name="' + data.field + '"]') : null;
    if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
    C.toast(message, { isError: true });
  }

  form.cart_source.addEventListener("change", showDraftOptions);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var button = form.querySelector("[data-rules-save]");
    var label = button.textContent;
    button.textContent = T.saving;
    button.disabled = true;
    var done = function () { button.textContent = label; button.disabled = false; };
    C.fetch("/app/api/delivery-rules", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body())
    }).then(json).then(function (result) {
      done();
      if (!result.ok) { showError(result.data); return; }
      fill(result.data.rules);
      C.toast(result.data.message);
    }, function () { done(); C.toast(T.network, { isError: true }); });
  });

  C.fetch("/app/api/delivery-rules").then(json).then(function (result) {
    if (result.ok) { fill(result.data.rules); return; }
    form.querySelector("[data-rules-loading]").textContent = (result.data && result.data.error) || T.failed;
  }, function () { form.querySelector("[data-rules-loading]").textContent = T.network; });
})();
