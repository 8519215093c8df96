/*
 * Client side of the embedded pages (no build step).
 *
 * - Session tokens: from App Bridge (`shopify.idToken()`) when it is present, else the page's
 *   own verified `id_token` (pages still work when Shopify's CDN cannot load).
 * - `Connector.fetch()` sends `Authorization: Bearer` and retries once on a 401 that carries
 *   `X-Shopify-Retry-Invalid-Session-Request`.
 * - Links marked `data-app-link` (and the language switch) navigate with a fresh token.
 * - Dates are shown in the shop's time zone (`context.timeZone`, from Shopify), formatted for
 *   the page's language: `Connector.formatDateTime(iso)`, `Connector.formatDate(iso)`; every
 *   `<time datetime>` the server rendered is written again the same way.
 * - `Connector.toast()` uses App Bridge toasts, else an in-page toast. A toast handed to
 *   `Connector.navigate(href, { toast })` is shown by the next page (the reload would lose it).
 */
(function () {
  "use strict";

  var contextElement = document.getElementById("app-context");
  var context = contextElement ? JSON.parse(contextElement.textContent) : {};

  function appBridge() {
    return window.shopify && typeof window.shopify.idToken === "function" ? window.shopify : null;
  }

  function idToken() {
    var bridge = appBridge();
    if (bridge) {
      return bridge.idToken().catch(function () { return context.idToken; });
    }
    return Promise.resolve(context.idToken);
  }

  function authorisedFetch(url, options, retried) {
    options = options || {};
    return idToken().then(function (token) {
      var headers = new Headers(options.headers || {});
      headers.set("Authorization", "Bearer " + token);
      headers.set("Accept-Language", context.language || "es");
      if (!headers.has("Accept")) { headers.set("Accept", "application/json"); }
      var request = Object.assign({}, options, { headers: headers });
      return window.fetch(url, request).then(function (response) {
        if (response.status === 401 && !retried && response.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1") {
          return authorisedFetch(url, options, true);
        }
        return response;
      });
    });
  }

  function appUrl(href, extra) {
    var url = new URL(href, window.location.href);
    url.searchParams.set("shop", context.shop || "");
    if (context.host) { url.searchParams.set("host", context.host); }
    url.searchParams.set("embedded", "1");
    url.searchParams.set("locale", (extra && extra.locale) || context.language || "es");
    return url;
  }

  var PENDING_TOAST = "connector:toast";

  // sessionStorage (per tab, partitioned in third-party frames) may be refused: the toast is
  // then only lost, as before.
  function rememberToast(message) {
    try { window.sessionStorage.setItem(PENDING_TOAST, message); } catch (error) { /* storage refused */ }
  }
  function takeToast() {
    try {
      var message = window.sessionStorage.getItem(PENDING_TOAST);
      window.sessionStorage.removeItem(PENDING_TOAST);
      return message;
    } catch (error) { return null; }
  }

  function navigate(href, extra) {
    return idToken().then(function (token) {
      var url = appUrl(href, extra);
      url.searchParams.set("id_token", token);
      if (extra && extra.toast) { rememberToast(extra.toast); }
      window.location.assign(url.toString());
    });
  }

  function toast(message, options) {
    var isError = Boolean(options && options.isError);
    var bridge = appBridge();
    if (bridge && bridge.toast && typeof bridge.toast.show === "function") {
      bridge.toast.show(message, { isError: isError });
      return;
    }
    var region = document.querySelector("[data-toast-region]");
    if (!region) { return; }
    var element = document.createElement("div");
    element.className = "toast" + (isError ? " toast--error" : "");
    element.textContent = message;
    region.appendChild(element);
    window.setTimeout(function () { element.remove(); }, 5000);
  }

  var LOCALES = { es: "es", en: "en-US" };
  function dateFormat(options) {
    var locale = LOCALES[context.language] || "es";
    try {
      return new Intl.DateTimeFormat(locale, Object.assign({ timeZone: context.timeZone || "UTC" }, options));
    } catch (error) {  // a zone this browser does not know: its own zone, still per language
      return new Intl.DateTimeFormat(locale, options);
    }
  }
  function formatter(options) {
    var cached = null;
    return function (iso) {
      if (!iso) { return ""; }
      var date = new Date(iso);
      if (isNaN(date.getTime())) { return String(iso); }
      cached = cached || dateFormat(options);
      return cached.format(date);
    };
  }
  var formatDateTime = formatter({ dateStyle: "medium", timeStyle: "short" });
  var formatDate = formatter({ dateStyle: "long" });
  function formatTimes(root) {
    (root || document).querySelectorAll("time[datetime]").forEach(function (element) {
      element.textContent = formatDateTime(element.getAttribute("datetime"));
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-app-link], a[data-locale]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) { return; }
    event.preventDefault();
    if (link.hasAttribute("data-locale")) {
      navigate(window.location.pathname, { locale: link.getAttribute("data-locale") });
    } else {
      navigate(link.getAttribute("href"));
    }
  });

  if (appBridge()) { document.documentElement.classList.add("has-app-bridge"); }
  formatTimes(document);
  var pending = takeToast();
  if (pending) { toast(pending); }

  window.Connector = {
    context: context, idToken: idToken, fetch: authorisedFetch, navigate: navigate, toast: toast,
    formatDateTime: formatDateTime, formatDate: formatDate, formatTimes: formatTimes
  };
})();
