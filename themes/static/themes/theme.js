/*
 * Tema page: confirm and start the install, follow its progress, list the shop's themes.
 *
 * Nothing here sends a theme URL: the server decides the source. Every call goes through
 * Connector.fetch (session token as a bearer header). The install status is read from the app's
 * database every couple of seconds while an install runs; the themes come from Shopify through
 * the app once the page is shown (never while it renders).
 *
 * A theme the app installed before is shown as "Instalado el …" with its links (unless the
 * shop's theme list no longer has it); installing again is secondary and its confirmation says
 * that a second copy is added (the server refuses a second copy that was not confirmed).
 */
(function () {
  "use strict";

  var dataElement = document.getElementById("theme-page");
  if (!dataElement || !window.Connector) { return; }
  var data = JSON.parse(dataElement.textContent);
  var text = data.text;
  var Connector = window.Connector;

  function $(selector) { return document.querySelector(selector); }

  var button = $("[data-install-button]");
  var dialog = $("[data-install-dialog]");
  var progress = $("[data-install-progress]");
  var bar = $("[data-install-bar]");
  var success = $("[data-install-success]");
  var failure = $("[data-install-error]");
  var hint = $("[data-install-hint]");
  var pollTimer = null;
  var failedPolls = 0;
  var lastInstall = null;
  // The newest install that put the theme in the library, as the database knows it, and as
  // shown (null once the shop's theme list proves it was deleted).
  var knownInstall = data.installed;
  var shownInstall = data.installed;
  var finishedHere = false;  // an install finished while this page was open: its banner shows it

  function show(element, visible) { if (element) { element.hidden = !visible; } }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) { return values[key] === undefined ? match : values[key]; });
  }
  function installedDate(install) { return Connector.formatDate(install.finished_at || install.created_at); }

  function renderInstalled() {
    var line = $("[data-installed]");
    if (!line) { return; }
    show(line, Boolean(shownInstall) && success.hidden);
    if (shownInstall) {
      $("[data-installed-text]").textContent = fill(text.installedOn, { date: installedDate(shownInstall) });
      $("[data-installed-editor]").href = shownInstall.editor_url;
      $("[data-installed-preview]").href = shownInstall.preview_url;
    }
  }

  function renderInstall(install) {
    lastInstall = install;
    if (!progress) { return; }
    if (!install) {
      show(progress, false); show(success, false); show(failure, false);
      setButton(false);
      return;
    }
    if (install.active) {
      show(progress, true); show(success, false); show(failure, false);
      $("[data-install-message]").textContent = install.message;
      var percent = Math.round((install.step / install.steps) * 100);
      bar.setAttribute("aria-valuenow", String(install.step));
      bar.querySelector(".progress__bar").style.width = Math.max(percent, 5) + "%";
      document.querySelectorAll("[data-install-steps] li").forEach(function (item) {
        var step = Number(item.getAttribute("data-step"));
        item.classList.toggle("is-done", step < install.step || (step === install.step && step === install.steps));
        item.classList.toggle("is-current", step === install.step && step !== install.steps);
      });
      var waited = (Date.now() - Date.parse(install.created_at)) / 1000;
      hint.textContent = text.slowStart;
      show(hint, install.state === "queued" && waited > 60);
      setButton(true);
      return;
    }
    show(progress, false);
    if (install.state === "ready") {
      knownInstall = install;
      shownInstall = install;
      $("[data-success-message]").textContent = install.message;
      $("[data-customise-link]").href = install.editor_url;
      $("[data-preview-link]").href = install.preview_url;
      show(success, finishedHere); show(failure, false);
    } else {
      $("[data-error-message]").textContent = install.message;
      show(failure, true); show(success, false);
    }
    setButton(false);
  }

  function setButton(busy) {
    renderInstalled();
    if (!button) { return; }
    button.disabled = busy;
    button.setAttribute("aria-busy", busy ? "true" : "false");
    var label = shownInstall ? text.installAgain : text.install;
    if (lastInstall && lastInstall.state === "failed") { label = text.retry; }
    button.textContent = busy ? text.installing : label;
    // Installed already: installing again is not the page's main action any more.
    button.classList.toggle("button--primary", busy || !shownInstall);
  }

  function schedulePoll() {
    window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(pollStatus, data.pollMilliseconds * Math.min(1 + failedPolls, 5));
  }

  function pollStatus() {
    Connector.fetch(data.urls.status)
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (body) {
        failedPolls = 0;
        var wasActive = lastInstall && lastInstall.active;
        finishedHere = finishedHere || Boolean(wasActive);
        renderInstall(body.install);
        if (body.install && body.install.active) {
          schedulePoll();
        } else if (wasActive) {
          if (body.install && body.install.state === "ready") { Connector.toast(text.installed); }
          loadThemes();
        }
      })
      .catch(function () {
        failedPolls += 1;
        if (failedPolls === 3) { Connector.toast(text.networkError, { isError: true }); }
        schedulePoll();
      });
  }

  function startInstall() {
    setButton(true);
    finishedHere = true;
    Connector.fetch(data.urls.install, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ again: Boolean(knownInstall) })
    })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (result) {
        var install = result.body.install;
        if (result.status === 202 || (install && install.active)) {
          if (result.status !== 202) { Connector.toast(result.body.error, { isError: true }); }
          renderInstall(install);
          if (install.active) { schedulePoll(); } else { loadThemes(); }
          return;
        }
        if (result.body.code === "already_installed" && result.body.installed) {
          // Installed meanwhile (another tab): ask again, now knowing about that copy.
          knownInstall = result.body.installed;
          shownInstall = result.body.installed;
          setButton(false);
          askToInstall();
          return;
        }
        // Refused before starting (not configured, permission): say why, keep the page as it was.
        setButton(false);
        Connector.toast(result.body.error || text.themesError, { isError: true });
        show(progress, false);
        show(success, false);
        $("[data-error-message]").textContent = result.body.error || text.themesError;
        show(failure, true);
      })
      .catch(function () {
        setButton(false);
        Connector.toast(text.networkError, { isError: true });
      });
  }

  function roleBadge(theme) {
    var badge = document.createElement("span");
    badge.className = "badge" + (theme.role === "MAIN" ? " badge--success" : "");
    badge.textContent = theme.role_label;
    return badge;
  }

  function link(label, href) {
    var anchor = document.createElement("a");
    anchor.className = "button button--plain";
    anchor.href = href;
    anchor.target = "_blank";
    anchor.rel = "noopener";
    anchor.textContent = label;
    return anchor;
  }

  function renderThemes(body) {
    var rows = $("[data-themes-rows]");
    rows.textContent = "";
    body.themes.forEach(function (theme) {
      var row = document.createElement("tr");
      row.setAttribute("data-theme-id", theme.id);
      var name = document.createElement("td");
      var title = document.createElement("strong");
      title.textContent = theme.name;
      name.appendChild(title);
      if (theme.installed_by_app) {
        var mine = document.createElement("span");
        mine.className = "badge badge--info theme-mine";
        mine.textContent = text.installedByApp;
        name.appendChild(document.createTextNode(" "));
        name.appendChild(mine);
      }
      var role = document.createElement("td");
      role.appendChild(roleBadge(theme));
      if (theme.processing || theme.processing_failed) {
        var state = document.createElement("span");
        state.className = "badge " + (theme.processing_failed ? "badge--critical" : "badge--warning");
        state.textContent = theme.processing_failed ? text.processingFailed : text.processing;
        role.appendChild(document.createTextNode(" "));
        role.appendChild(state);
      }
      var actions = document.createElement("td");
      actions.className = "theme-actions";
      if (theme.editor_url) { actions.appendChild(link(text.customise, theme.editor_url)); }
      if (theme.preview_url && theme.role !== "MAIN") { actions.appendChild(link(text.preview, theme.preview_url)); }
      row.appendChild(name); row.appendChild(role); row.appendChild(actions);
      rows.appendChild(row);
    });
    if (!body.themes.length) {
      var empty = document.createElement("tr");
      var cell = document.createElement("td");
      cell.colSpan = 3;
      cell.className = "empty-state";
      cell.textContent = text.noThemes;
      empty.appendChild(cell);
      rows.appendChild(empty);
    }
    var limit = $("[data-themes-limit]");
    limit.textContent = text.libraryFull.replace("%(count)s", body.count).replace("%(limit)s", body.limit);
    show(limit, body.count >= body.limit);
    show($("[data-themes-wrap]"), true);
    var stillThere = shownInstall && body.themes.some(function (theme) { return theme.id === shownInstall.theme_id; });
    if (shownInstall && !stillThere) {
      shownInstall = null;  // deleted from the theme library: nothing to install "again"
      setButton(Boolean(lastInstall && lastInstall.active));
    }
  }

  function loadThemes() {
    show($("[data-themes-loading]"), true);
    Connector.fetch(data.urls.themes)
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        show($("[data-themes-loading]"), false);
        var error = $("[data-themes-error]");
        if (!result.ok) {
          error.textContent = result.body.error || text.themesError;
          show(error, true);
          return;
        }
        show(error, false);
        renderThemes(result.body);
      })
      .catch(function () {
        show($("[data-themes-loading]"), false);
        var error = $("[data-themes-error]");
        error.textContent = text.themesError;
        show(error, true);
      });
  }

  function askToInstall() {
    var note = dialog ? dialog.querySelector("[data-install-again]") : null;
    if (note) {
      note.textContent = shownInstall ? fill(text.againNote, { name: shownInstall.theme_name, date: installedDate(shownInstall) }) : "";
      show(note, Boolean(shownInstall));
      $("[data-install-confirm]").textContent = shownInstall ? text.installCopy : text.confirmInstall;
    }
    if (dialog && typeof dialog.showModal === "function") {
      dialog.returnValue = "";
      dialog.showModal();
    } else if (window.confirm(dialog ? dialog.querySelector("h2").textContent : text.install)) {
      startInstall();
    }
  }

  if (button) {
    button.addEventListener("click", function () {
      if (!button.disabled) { askToInstall(); }
    });
  }
  if (dialog) {
    dialog.addEventListener("close", function () {
      if (dialog.returnValue === "confirm") { startInstall(); }
    });
  }

  renderInstall(data.install);
  if (data.install && data.install.active) { schedulePoll(); }
  loadThemes();
})();
