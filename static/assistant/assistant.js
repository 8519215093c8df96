/*
 * Asistente IA tab of Configuración (no build step).
 *
 * - The profile lives in `state`; inputs write into it, lists are drawn from it (add, edit,
 *   remove, move up/down — every control is a native button or input, so the keyboard alone
 *   works; focus follows the row that moved or the neighbour of the removed one).
 * - "Tienes cambios sin guardar" compares the state with what was loaded; App Bridge's save
 *   bar (`shopify.saveBar`) is shown too when it is present, and leaving the page warns.
 * - A save sends the whole profile with the revision it started from (last save wins; the
 *   page says when it replaced someone else's save). The server's per-field errors
 *   (`faq.2.answer`) are shown next to that field of that item.
 * - The sync status is polled while a sync is pending; "Sincronizar ahora" asks for one. A sync
 *   that waits while no task worker runs says so (the server decides: `sync.worker_missing`).
 */
(function () {
  "use strict";
  var C = window.Connector;
  var form = document.querySelector("[data-assistant-form]");
  if (!C || !form) { return; }

  var T = {
    es: {
      dirty: "Tienes cambios sin guardar", clean: "No hay cambios pendientes",
      saved: "✅ Configuración del Asistente IA guardada exitosamente", error: "❌ Error: ",
      fix: "Revisa los campos marcados", fixCount: "Hay {n} campos por revisar", failed: "No se pudo guardar",
      network: "No hay conexión con la app. Inténtalo de nuevo.", required: "Este campo es obligatorio.",
      allRequired: "❌ Por favor completa todos los campos",
      duplicate: "Ya existe una notificación configurada para el tipo \"{type}\"", already: "(Ya configurado)",
      phoneShort: "Escribe el número completo, sin el indicativo del país.",
      phoneCountry: "El número debe ser de uno de los 8 países de Dropi: elige el país en la lista.",
      removed: "{item} eliminado", moved: "{item} movido a la posición {n}", added: "{item} agregado",
      never: "Sin sincronizar", neverText: "Aún no se ha enviado a Ecomdrop: se envía al guardar.",
      pending: "Sincronizando…", pendingText: "Enviando el perfil a Ecomdrop…",
      waiting: "En espera", workerMissing: "El proceso en segundo plano de la app no está en marcha, así que el perfil aún no se ha enviado: se enviará en cuanto arranque. Si sigue así, contacta con soporte.",
      workerSeen: "Estuvo en marcha por última vez el {date}.", workerNever: "No se ha visto en marcha todavía.",
      retrying: "Reintentando", retryText: "Nuevo intento {when}.",
      synced: "Sincronizado", syncedNow: "Sincronizado hace un momento", syncedMin: "Sincronizado hace {n} min",
      syncedHours: "Sincronizado hace {n} h", syncedOn: "Sincronizado el {date}",
      failedBadge: "Error", failedText: "No se pudo sincronizar con Ecomdrop.",
      inMoment: "en un momento", inMinutes: "en {n} min", keys: { type: "Tipo", phone: "Teléfono", name: "Nombre", country: "País", id: "Id" }
    },
    en: {
      dirty: "You have unsaved changes", clean: "No pending changes",
      saved: "✅ AI assistant configuration saved", error: "❌ Error: ",
      fix: "Check the highlighted fields", fixCount: "{n} fields need your attention", failed: "Could not save",
      network: "The app could not be reached. Try again.", required: "This field is required.",
      allRequired: "❌ Please fill in every field",
      duplicate: "There is already a notification for the type \"{type}\"", already: "(already configured)",
      phoneShort: "Type the whole number, without the country code.",
      phoneCountry: "The number must be from one of the 8 Dropi countries: choose the country in the list.",
      removed: "{item} deleted", moved: "{item} moved to position {n}", added: "{item} added",
      never: "Not synced", neverText: "Not sent to Ecomdrop yet: it is sent when you save.",
      pending: "Syncing…", pendingText: "Sending the profile to Ecomdrop…",
      waiting: "Waiting", workerMissing: "The app's background worker is not running, so the profile has not been sent yet: it is sent as soon as the worker starts. If this goes on, contact support.",
      workerSeen: "It last ran on {date}.", workerNever: "It has not been seen running yet.",
      retrying: "Retrying", retryText: "Next attempt {when}.",
      synced: "Synced", syncedNow: "Synced a moment ago", syncedMin: "Synced {n} min ago",
      syncedHours: "Synced {n} h ago", syncedOn: "Synced on {date}",
      failedBadge: "Error", failedText: "Could not sync with Ecomdrop.",
      inMoment: "in a moment", inMinutes: "in {n} min", keys: { type: "Type", phone: "Phone", name: "Name", country: "Country", id: "Id" }
    }
  }[C.context.language === "en" ? "en" : "es"];

  var TEXTS = ["agent_name", "company_name", "company_description", "company_policies"];
  var LISTS = {
    payment_methods: function () { return { name: "", enabled: true }; },
    faq: function () { return { question: "", answer: "" }; },
    post_sale_faq: function () { return { question: "", answer: "" }; },
    rules: function () { return { text: "" }; },
    notifications: null
  };
  var fields = form.querySelector("[data-assistant-fields]");
  var saveButton = form.querySelector("[data-save]");
  var discardButton = form.querySelector('[data-action="discard"]');
  var dirtyState = form.querySelector("[data-dirty-state]");
  var live = document.querySelector("[data-assistant-live]");
  var nextKey = 0;
  var state, baseline, revision, sync;
  var errors = {};
  var saving = false;
  var wasDirty = null;

  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (match, name) { return values[name] !== undefined ? values[name] : match; });
  }
  // Live regions re-announce a rewritten text: write only what changed.
  function setText(element, text) { if (element.textContent !== text) { element.textContent = text; } }
  function announce(text) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }

  // ---------------------------------------------------------------- state
  function withKeys(profile) {
    var copy = {};
    TEXTS.forEach(function (part) { copy[part] = profile[part] || ""; });
    Object.keys(LISTS).forEach(function (part) {
      copy[part] = (profile[part] || []).map(function (item) {
        return Object.assign({}, item, { _key: "k" + (nextKey += 1) });
      });
    });
    return copy;
  }
  function payload(profile) {
    var body = {};
    TEXTS.forEach(function (part) { body[part] = profile[part]; });
    Object.keys(LISTS).forEach(function (part) {
      body[part] = profile[part].map(function (item) {
        var clean = {};
        Object.keys(item).forEach(function (key) { if (key !== "_key") { clean[key] = item[key]; } });
        return clean;
      });
    });
    return body;
  }
  function snapshot(profile) { return JSON.stringify(payload(profile)); }
  function isDirty() { return snapshot(state) !== baseline; }
  function load(data) {
    revision = data.revision;
    state = withKeys(data.profile);
    baseline = snapshot(state);
    errors = {};
    renderAll();
    renderSync(data.sync);
  }
  function itemOf(part, key) { return state[part].filter(function (item) { return item._key === key; })[0]; }
  function indexOf(part, key) {
    for (var index = 0; index < state[part].length; index += 1) { if (state[part][index]._key === key) { return index; } }
    return -1;
  }

  // ---------------------------------------------------------------- drawing
  function setError(element, slot, message) {
    if (slot) { slot.textContent = message || ""; }
    if (element) {
      if (message) { element.setAttribute("aria-invalid", "true"); } else { element.removeAttribute("aria-invalid"); }
    }
  }
  function itemTitle(part, index) {
    var template = document.querySelector('[data-row-template="' + part + '"]');
    return format(template.content.querySelector("[data-title]").getAttribute("data-format"), { n: index + 1 });
  }
  function typeLabel(value) {
    var option = document.querySelector('#notification-type option[value="' + CSS.escape(value || "") + '"]');
    return option && value ? option.getAttribute("data-label") : value;
  }
  function renderList(part) {
    var container = form.querySelector('[data-list="' + part + '"]');
    var template = document.querySelector('[data-row-template="' + part + '"]');
    container.textContent = "";
    var count = state[part].length;
    state[part].forEach(function (item, index) {
      var row = template.content.firstElementChild.cloneNode(true);
      var title = itemTitle(part, index);
      row.setAttribute("data-item-key", item._key);
      row.querySelectorAll("[data-title]").forEach(function (element) { element.textContent = title; });
      row.querySelectorAll("[data-key]").forEach(function (input) {
        var key = input.getAttribute("data-key");
        if (input.type === "checkbox") { input.checked = item[key] !== false; } else { input.value = item[key] || ""; }
        var slot = row.querySelector('[data-error-key="' + key + '"]');
        setError(input, slot, errors[part + ":" + item._key + ":" + key]);
      });
      row.querySelectorAll("[data-show]").forEach(function (element) {
        var key = element.getAttribute("data-show");
        var value = key === "type" ? typeLabel(item.type) : item[key];
        element.textContent = value || "—";
      });
      // Errors without their own slot (every error of a notification, an item-level error).
      var general = [];
      Object.keys(errors).forEach(function (name) {
        var parts = name.split(":");
        if (parts[0] !== part || parts[1] !== item._key) { return; }
        if (parts[2] && row.querySelector('[data-error-key="' + parts[2] + '"]')) { return; }
        general.push((parts[2] ? (T.keys[parts[2]] || parts[2]) + ": " : "") + errors[name]);
      });
      row.querySelector('[data-error-key=""]').textContent = general.join(" ");
      row.querySelectorAll("[data-label-format]").forEach(function (button) {
        button.setAttribute("aria-label", format(button.getAttribute("data-label-format"), { item: title }));
      });
      var up = row.querySelector('[data-move="-1"]');
      var down = row.querySelector('[data-move="1"]');
      if (up) { up.setAttribute("aria-disabled", index === 0 ? "true" : "false"); }
      if (down) { down.setAttribute("aria-disabled", index === count - 1 ? "true" : "false"); }
      container.appendChild(row);
    });
    form.querySelector('[data-empty-for="' + part + '"]').hidden = count > 0;
    setError(null, form.querySelector('[data-error-for="' + part + '"]'), errors[part]);
  }
  function renderTexts() {
    TEXTS.forEach(function (part) {
      var input = form.querySelector('[data-part="' + part + '"]');
      input.value = state[part] || "";
      setError(input, form.querySelector('[data-error-for="' + part + '"]'), errors[part]);
    });
  }
  function renderSummary() {
    var summary = form.querySelector("[data-error-summary]");
    var count = Object.keys(errors).length;
    summary.hidden = count === 0;
    form.querySelector("[data-error-summary-title]").textContent = count > 1 ? format(T.fixCount, { n: count }) : T.fix;
    form.querySelector('[data-error-for="profile"]').textContent = errors.profile || "";
  }
  function renderAll() {
    renderTexts();
    Object.keys(LISTS).forEach(renderList);
    renderSummary();
    updateDirty();
  }

  // ---------------------------------------------------------------- unsaved changes
  function saveBar() {
    return window.shopify && window.shopify.saveBar && typeof window.shopify.saveBar.show === "function" ? window.shopify.saveBar : null;
  }
  function updateDirty() {
    var dirty = isDirty();
    setText(dirtyState, dirty ? T.dirty : T.clean);
    dirtyState.classList.toggle("assistant-footer__state--dirty", dirty);
    form.querySelector("[data-assistant-footer]").classList.toggle("assistant-footer--dirty", dirty);
    if (!saving) {
      saveButton.textContent = saveButton.getAttribute(dirty ? "data-label-dirty" : "data-label-clean");
      saveButton.disabled = !dirty;
    }
    discardButton.hidden = !dirty;
    var bar = saveBar();
    if (bar && dirty !== wasDirty) {
      (dirty ? bar.show("assistant-save-bar") : bar.hide("assistant-save-bar"));
    }
    wasDirty = dirty;
  }
  window.addEventListener("beforeunload", function (event) {
    if (state && isDirty()) { event.preventDefault(); event.returnValue = ""; }
  });

  // ---------------------------------------------------------------- editing
  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target.hasAttribute("data-part")) {
      var part = target.getAttribute("data-part");
      state[part] = target.value;
      if (errors[part]) { delete errors[part]; setError(target, form.querySelector('[data-error-for="' + part + '"]'), ""); renderSummary(); }
    } else if (target.hasAttribute("data-key")) {
      var row = target.closest("[data-item-key]");
      var list = row.parentElement.getAttribute("data-list");
      var key = target.getAttribute("data-key");
      var item = itemOf(list, row.getAttribute("data-item-key"));
      item[key] = target.type === "checkbox" ? target.checked : target.value;
      var name = list + ":" + item._key + ":" + key;
      if (errors[name]) { delete errors[name]; setError(target, row.querySelector('[data-error-key="' + key + '"]'), ""); renderSummary(); }
    }
    updateDirty();
  });
  function focusRow(part, index, selector) {
    var rows = form.querySelectorAll('[data-list="' + part + '"] > [data-item-key]');
    if (!rows.length) { form.querySelector('[data-add="' + part + '"]').focus(); return; }
    var row = rows[Math.max(0, Math.min(index, rows.length - 1))];
    (row.querySelector(selector) || row.querySelector("input, textarea, button")).focus();
  }
  function dropErrors(part, key) {
    Object.keys(errors).forEach(function (name) { if (name.indexOf(part + ":" + key + ":") === 0) { delete errors[name]; } });
  }
  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add]");
    if (add) {
      var part = add.getAttribute("data-add");
      if (part === "notifications") { openDialog(null, add); return; }
      state[part].push(Object.assign(LISTS[part](), { _key: "k" + (nextKey += 1) }));
      delete errors[part];
      renderList(part);
      updateDirty();
      focusRow(part, state[part].length - 1, "input, textarea");
      announce(format(T.added, { item: itemTitle(part, state[part].length - 1) }));
      return;
    }
    var row = event.target.closest("[data-item-key]");
    if (!row) { return; }
    var list = row.parentElement.getAttribute("data-list");
    var key = row.getAttribute("data-item-key");
    var index = indexOf(list, key);
    var move = event.target.closest("[data-move]");
    if (move) {
      var delta = Number(move.getAttribute("data-move"));
      var target = index + delta;
      if (move.getAttribute("aria-disabled") === "true" || target < 0 || target >= state[list].length) { return; }
      var moved = state[list].splice(index, 1)[0];
      state[list].splice(target, 0, moved);
      renderList(list);
      updateDirty();
      var movedRow = form.querySelector('[data-list="' + list + '"] > [data-item-key="' + key + '"]');
      var same = movedRow.querySelector('[data-move="' + delta + '"]');
      (same.getAttribute("aria-disabled") === "true" ? movedRow.querySelector('[data-move="' + -delta + '"]') : same).focus();
      announce(format(T.moved, { item: itemTitle(list, target), n: target + 1 }));
      return;
    }
    if (event.target.closest("[data-remove]")) {
      var title = itemTitle(list, index);
      state[list].splice(index, 1);
      dropErrors(list, key);
      renderList(list);
      renderSummary();
      updateDirty();
      focusRow(list, index, list === "notifications" ? "[data-edit]" : "input, textarea");
      announce(format(T.removed, { item: title }));
      return;
    }
    if (event.target.closest("[data-edit]")) { openDialog(itemOf(list, key), event.target.closest("[data-edit]")); }
  });

  // ---------------------------------------------------------------- notification dialog
  var dialog = document.querySelector("[data-notification-dialog]");
  var dialogForm = dialog.querySelector("[data-notification-form]");
  var typeSelect = dialog.querySelector("#notification-type");
  var countrySelect = dialog.querySelector("#notification-country");
  var phoneInput = dialog.querySelector("#notification-phone");
  var nameInput = dialog.querySelector("#notification-name");
  var editingKey = null;
  var returnFocus = null;
  var callingCodes = Array.prototype.map.call(countrySelect.options, function (option) {
    return { country: option.value, code: option.getAttribute("data-calling-code") };
  }).sort(function (first, second) { return second.code.length - first.code.length; });

  function splitPhone(phone) {
    var digits = (phone || "").replace(/[^\d]/g, "");
    for (var index = 0; index < callingCodes.length; index += 1) {
      if (digits.indexOf(callingCodes[index].code) === 0) {
        return { country: callingCodes[index].country, national: digits.slice(callingCodes[index].code.length) };
      }
    }
    return { country: "CO", national: phone ? "+" + digits : "" };
  }
  function dialogError(key, message) {
    var input = dialog.querySelector('[data-dialog-key="' + key + '"]');
    setError(input, dialog.querySelector('[data-dialog-error="' + key + '"]'), message);
  }
  function openDialog(item, trigger) {
    editingKey = item ? item._key : null;
    returnFocus = trigger;
    var title = dialog.querySelector("[data-dialog-title]");
    title.textContent = title.getAttribute(item ? "data-title-edit" : "data-title-add");
    Array.prototype.forEach.call(typeSelect.options, function (option) {
      if (!option.value) { return; }
      var used = state.notifications.some(function (other) { return other.type === option.value && other._key !== editingKey; });
      option.disabled = used;
      option.textContent = option.getAttribute("data-label") + (used ? " " + T.already : "");
    });
    typeSelect.value = item ? item.type : "";
    var phone = splitPhone(item ? item.phone : "");
    countrySelect.value = phone.country;
    phoneInput.value = phone.national;
    nameInput.value = item ? item.name : "";
    ["type", "phone", "name", "country"].forEach(function (key) {
      dialogError(key, item ? errors["notifications:" + item._key + ":" + key] : "");
    });
    if (item && errors["notifications:" + item._key + ":country"]) {
      dialogError("phone", errors["notifications:" + item._key + ":country"]);
    }
    dialog.showModal();
    typeSelect.focus();
  }
  function composePhone() {
    var raw = phoneInput.value.trim();
    var digits = raw.replace(/[^\d]/g, "");
    if (raw.charAt(0) === "+") {
      var match = callingCodes.filter(function (entry) { return digits.indexOf(entry.code) === 0; })[0];
      if (!match) { return { error: T.phoneCountry }; }
      if (digits.length - match.code.length < 6) { return { error: T.phoneShort }; }
      return { phone: "+" + digits, country: match.country };
    }
    digits = digits.replace(/^0+/, "");
    if (digits.length < 6 || digits.length > 12) { return { error: T.phoneShort }; }
    var code = countrySelect.options[countrySelect.selectedIndex].getAttribute("data-calling-code");
    return { phone: "+" + code + digits, country: countrySelect.value };
  }
  dialogForm.addEventListener("submit", function (event) {
    event.preventDefault();
    ["type", "phone", "name", "country"].forEach(function (key) { dialogError(key, ""); });
    var type = typeSelect.value;
    var name = nameInput.value.trim();
    var phone = phoneInput.value.trim() ? composePhone() : null;
    var problems = [];
    if (!type) { dialogError("type", T.required); problems.push(typeSelect); }
    if (!phone) { dialogError("phone", T.required); problems.push(phoneInput); }
    if (!name) { dialogError("name", T.required); problems.push(nameInput); }
    if (problems.length) { C.toast(T.allRequired, { isError: true }); problems[0].focus(); return; }
    var duplicate = state.notifications.some(function (other) { return other.type === type && other._key !== editingKey; });
    if (duplicate) {
      var message = format(T.duplicate, { type: typeLabel(type) });
      dialogError("type", message);
      C.toast("❌ " + message, { isError: true });
      typeSelect.focus();
      return;
    }
    if (phone.error) { dialogError("phone", phone.error); phoneInput.focus(); return; }
    var item = editingKey ? itemOf("notifications", editingKey) : null;
    if (!item) {
      item = { _key: "k" + (nextKey += 1) };
      state.notifications.push(item);
    }
    item.type = type;
    item.phone = phone.phone;
    item.country = phone.country;
    item.name = name;
    dropErrors("notifications", item._key);
    delete errors.notifications;
    var added = !editingKey;
    editingKey = item._key;
    returnFocus = null;
    dialog.close();
    renderList("notifications");
    renderSummary();
    updateDirty();
    var row = form.querySelector('[data-list="notifications"] > [data-item-key="' + item._key + '"]');
    row.querySelector("[data-edit]").focus();
    if (added) { announce(format(T.added, { item: typeLabel(type) })); }
  });
  dialog.querySelector("[data-dialog-cancel]").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () {
    if (returnFocus) { returnFocus.focus(); returnFocus = null; }
  });

  // ---------------------------------------------------------------- saving
  function mapErrors(serverErrors, sent) {
    errors = {};
    Object.keys(serverErrors).forEach(function (path) {
      var parts = path.split(".");
      var part = parts[0];
      if (parts.length === 1 || !sent[part]) { errors[part] = serverErrors[path]; return; }
      var key = sent[part][Number(parts[1])];
      if (key === undefined) { errors[part] = serverErrors[path]; return; }
      errors[part + ":" + key + ":" + (parts[2] || "")] = serverErrors[path];
    });
  }
  function focusFirstError() {
    // The first problem in the order of the page: an invalid input, or an error slot of a row or list.
    var first = Array.prototype.filter.call(
      form.querySelectorAll('[aria-invalid="true"], [data-error-key=""], [data-error-for]'),
      function (element) { return element.getAttribute("aria-invalid") === "true" || element.textContent; }
    )[0];
    if (!first) { return; }
    if (first.getAttribute("aria-invalid") === "true") { first.focus(); return; }
    var row = first.closest("[data-item-key]");
    var section = first.closest("section");
    var target = row ? row.querySelector("button, input, textarea") : section && section.querySelector("[data-add]");
    (target || form.querySelector("[data-error-summary]")).focus();
  }
  function busy(on) {
    saving = on;
    fields.disabled = on;
    saveButton.disabled = on;
    if (on) { saveButton.textContent = saveButton.getAttribute("data-label-busy"); }
    var barSave = document.getElementById("assistant-save-bar-save");
    if (on) { barSave.setAttribute("loading", ""); } else { barSave.removeAttribute("loading"); }
    if (!on) { updateDirty(); }
  }
  function save() {
    if (saving || !isDirty()) { return; }
    var sent = {};
    Object.keys(LISTS).forEach(function (part) { sent[part] = state[part].map(function (item) { return item._key; }); });
    busy(true);
    C.fetch("/app/api/assistant", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ profile: payload(state), revision: revision })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      busy(false);
      if (result.ok) {
        load(result.data);
        document.querySelector("[data-replaced-notice]").hidden = !result.data.replaced_newer;
        C.toast(T.saved);
        document.dispatchEvent(new CustomEvent("assistant:saved", { detail: { revision: result.data.revision } }));
        return;
      }
      if (result.data.errors) {
        mapErrors(result.data.errors, sent);
        renderAll();
        focusFirstError();
        C.toast(T.error + T.fix, { isError: true });
        return;
      }
      C.toast(T.error + (result.data.error || T.failed), { isError: true });
    }, function () { busy(false); C.toast(T.network, { isError: true }); });
  }
  function discard() {
    state = withKeys(JSON.parse(baseline));
    errors = {};
    renderAll();
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); save(); });
  discardButton.addEventListener("click", discard);
  document.getElementById("assistant-save-bar-save").addEventListener("click", save);
  document.getElementById("assistant-save-bar-discard").addEventListener("click", discard);

  // ---------------------------------------------------------------- sync status
  var badge = document.querySelector("[data-sync-badge]");
  var syncText = document.querySelector("[data-sync-text]");
  var syncProblem = document.querySelector("[data-sync-problem]");
  var clockSkew = 0;
  var pollTimer = null;
  var polls = 0;

  function minutesSince(iso) { return Math.max(0, Math.floor((Date.now() + clockSkew - Date.parse(iso)) / 60000)); }
  function syncedText(iso) {
    var minutes = minutesSince(iso);
    if (minutes < 1) { return T.syncedNow; }
    if (minutes < 60) { return format(T.syncedMin, { n: minutes }); }
    if (minutes < 24 * 60) { return format(T.syncedHours, { n: Math.floor(minutes / 60) }); }
    return format(T.syncedOn, { date: C.formatDateTime(iso) });
  }
  function whenText(iso) {
    var minutes = Math.ceil((Date.parse(iso) - Date.now() - clockSkew) / 60000);
    return minutes <= 1 ? T.inMoment : format(T.inMinutes, { n: minutes });
  }
  function renderSync(next) {
    if (next) { sync = next; clockSkew = Date.parse(next.now) - Date.now(); }
    var view = { never: ["", T.never, T.neverText], failed: ["badge--critical", T.failedBadge, T.failedText] };
    var status = sync.status === "synced" && !sync.current ? "pending" : sync.status;
    var shown = view[status];
    if (status === "synced") { shown = ["badge--success", T.synced, syncedText(sync.synced_at)]; }
    if (status === "pending") {
      shown = sync.retrying
        ? ["badge--warning", T.retrying, sync.next_attempt_at ? format(T.retryText, { when: whenText(sync.next_attempt_at) }) : ""]
        : ["badge--info", T.pending, T.pendingText];
      if (sync.worker_missing) {
        var seen = sync.worker_seen_at ? format(T.workerSeen, { date: C.formatDateTime(sync.worker_seen_at) }) : T.workerNever;
        shown = ["badge--warning", T.waiting, T.workerMissing + " " + seen];
      }
    }
    badge.className = "badge " + shown[0];
    setText(badge, shown[1]);
    setText(syncText, shown[2]);
    setText(syncProblem, sync.problem || "");
    syncProblem.hidden = !sync.problem;
    document.querySelector("[data-sync-account]").hidden = !sync.account_changed;
    window.clearTimeout(pollTimer);
    if (status === "pending") {
      polls += 1;
      pollTimer = window.setTimeout(poll, sync.retrying || polls > 40 ? 30000 : 3000);
    } else {
      polls = 0;
    }
  }
  function poll() {
    C.fetch("/app/api/assistant").then(function (response) { return response.ok ? response.json() : null; }).then(function (data) {
      if (!data) { return; }
      if (data.revision !== revision && !isDirty() && !saving) { load(data); return; }
      renderSync(data.sync);
    }, function () { pollTimer = window.setTimeout(poll, 30000); });
  }
  document.querySelector('[data-action="sync-now"]').addEventListener("click", function (event) {
    var button = event.currentTarget;
    button.disabled = true;
    C.fetch("/app/api/assistant/sync", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        button.disabled = false;
        if (!result.ok) { C.toast(T.error + (result.data.error || T.failed), { isError: true }); return; }
        polls = 0;
        renderSync(result.data.sync);
        if (result.data.message) { C.toast(result.data.message); }
      }, function () { button.disabled = false; C.toast(T.network, { isError: true }); });
  });
  window.setInterval(function () { if (sync && sync.status === "synced") { renderSync(); } }, 30000);

  load(JSON.parse(document.getElementById("assistant-state").textContent));
})();
