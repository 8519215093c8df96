/*
 * Productos page: the Dropi catalogue (search, private filter, pages), the import dialog
 * (create a new product or link an existing one, variant mapping, price rule with a server
 * preview), the blocking progress and success states, and Sincronizados.
 *
 * Every list comes from the page's JSON endpoints; a response that arrives after a newer
 * request was made is dropped, and badges describe what the server answered (never a
 * checkbox state that may have changed meanwhile).
 *
 * A Dropi product already in Shopify says so in its row; its import dialog opens on the
 * linked product with the options of its last import, and creating a second copy is asked
 * for first (the server refuses it otherwise: 409 already_imported).
 */
(function () {
  "use strict";
  var C = window.Connector;
  var root = document.querySelector("[data-products-page]");
  if (!C || !root) { return; }
  var L = JSON.parse(document.getElementById("products-labels").textContent);
  var locale = C.context.language === "en" ? "en-US" : "es-CO";
  var dropiConfigured = root.getAttribute("data-dropi-configured") === "1";

  // ------------------------------------------------------------------ helpers
  function format(template, values) {
    return String(template).replace(/%\((\w+)\)[sd]/g, function (match, key) {
      return values[key] == null ? "" : String(values[key]);
    });
  }
  function number(value) { return new Intl.NumberFormat(locale).format(value); }
  function plural(base, count) { return format(L[base + (count === 1 ? "_one" : "_other")], { count: number(count) }); }
  function money(amount, currency) {
    if (amount === null || amount === undefined || amount === "") { return null; }
    var value = Number(amount);
    var whole = Math.round(value) === value;
    try {
      return new Intl.NumberFormat(locale, {
        style: "currency", currency: currency || "USD", minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2
      }).format(value);
    } catch (error) {
      return amount + (currency ? " " + currency : "");
    }
  }
  function el(tag, className, text) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text !== undefined && text !== null) { element.textContent = text; }
    return element;
  }
  function cell(content, className) {
    var td = el("td", className);
    if (content instanceof Node) { td.appendChild(content); } else if (content !== undefined && content !== null) { td.textContent = content; }
    return td;
  }
  function answer(response) {
    return response.json().then(function (data) {
      return { ok: response.ok, status: response.status, data: data };
    }, function () {
      return { ok: false, status: response.status, data: {} };
    });
  }
  function get(url) { return C.fetch(url).then(answer); }
  function post(url, body) {
    return C.fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {})
    }).then(answer);
  }
  function query(params) {
    var search = new URLSearchParams();
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      if (value !== "" && value !== null && value !== undefined && value !== false) { search.set(key, value); }
    });
    var text = search.toString();
    return text ? "?" + text : "";
  }
  function thumbnail(url, name) {
    if (url) {
      var image = el("img", "thumbnail thumbnail--round");
      image.src = url;
      image.alt = "";
      image.loading = "lazy";
      image.width = 40;
      image.height = 40;
      image.addEventListener("error", function () {
        // A gallery image Dropi no longer serves: show the initial instead of a broken image.
        image.replaceWith(thumbnail(null, name));
      }, { once: true });
      return image;
    }
    return el("span", "thumbnail thumbnail--round", (name || "?").trim().charAt(0).toUpperCase() || "?");
  }
  function numericId(gid) { return String(gid || "").split("/").pop(); }

  // ------------------------------------------------------------------ tabs
  var tabs = Array.prototype.slice.call(document.querySelectorAll('[data-tabs] [role="tab"]'));
  var catalogueLoaded = false;
  function selectTab(tab) {
    tabs.forEach(function (other) {
      var selected = other === tab;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    });
    if (tab.id === "tab-synced") { loadSynced(); } else if (dropiConfigured && !catalogueLoaded) { loadCatalogue(); }
  }
  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function () { selectTab(tab); });
    tab.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") { return; }
      var next = tabs[(index + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      next.focus();
      selectTab(next);
    });
  });
  var syncedBadge = document.querySelector("[data-synced-count]");
  function setSyncedCount(count) {
    syncedBadge.textContent = number(count);
    syncedBadge.hidden = !count;
  }

  // ------------------------------------------------------------------ catalogue
  var catalogue = document.querySelector("[data-catalogue]");
  var catalogueBody = document.querySelector("[data-catalogue-body]");
  var searchForm = document.querySelector('[data-form="search"]');
  var state = { q: "", private: false, page: 1 };
  var catalogueRequest = 0;
  var currency = null;

  function setCatalogueBusy(busy) {
    catalogue.setAttribute("aria-busy", busy ? "true" : "false");
    var button = document.querySelector("[data-search-button]");
    button.disabled = busy;
    button.textContent = busy && state.q ? L.searching : L.search;
    if (busy) {
      document.querySelector('[data-page="previous"]').disabled = true;
      document.querySelector('[data-page="next"]').disabled = true;
    }
  }

  function showCatalogueError(data) {
    var banner = document.querySelector("[data-catalogue-error]");
    banner.hidden = false;
    document.querySelector("[data-catalogue-error-text]").textContent = data.error || L.failed;
    var code = data.code || "";
    document.querySelector("[data-error-configure]").hidden = code !== "dropi_auth" && code !== "dropi_not_configured";
    document.querySelector('[data-action="retry"]').hidden = code === "dropi_rate_limited" || code === "dropi_auth";
  }

  function productRow(product) {
    var row = el("tr");
    row.setAttribute("data-product-id", product.id);
    var id = el("div", "product-id");
    id.appendChild(thumbnail(product.image, product.name));
    var idText = el("div", "product-id__text");
    idText.appendChild(el("strong", null, product.id));
    idText.appendChild(el("span", "text-subdued", product.sku || L.not_available));
    id.appendChild(idText);
    row.appendChild(cell(id));

    var name = el("div");
    name.appendChild(el("span", "product-name", product.name));
    var badges = el("div", "badges");
    product.categories.slice(0, 2).forEach(function (category) { badges.appendChild(el("span", "badge", category)); });
    if (product.categories.length > 2) { badges.appendChild(el("span", "badge", format(L.more, { count: product.categories.length - 2 }))); }
    if (product.variations) { badges.appendChild(el("span", "badge badge--info", plural("variations", product.variations))); }
    if (product.private) { badges.appendChild(el("span", "badge badge--warning", L.private)); }
    if (product.imported) {
      var imported = el("span", "badge badge--success", L.imported);
      imported.title = format(L.imported_as, { title: product.imported.shopify_product_title || numericId(product.imported.shopify_product_id) });
      badges.appendChild(imported);
    }
    name.appendChild(badges);
    row.appendChild(cell(name));

    var price = el("div", "price");
    var sale = money(product.sale_price, currency);
    price.appendChild(el("span", sale ? "badge badge--success" : "badge", sale ? (product.price_from ? format(L.from, { price: sale }) : sale) : L.no_price));
    var suggested = money(product.suggested_price, currency);
    if (suggested) { price.appendChild(el("span", "badge badge--outline", format(L.suggested, { price: suggested }))); }
    row.appendChild(cell(price));
    row.appendChild(cell(number(product.stock || 0), "numeric"));
    row.appendChild(cell(product.warehouses.length ? product.warehouses.join(", ") : L.not_available));
    var button = el("button", "button", L.import);
    button.type = "button";
    button.setAttribute("data-action", "import");
    button.addEventListener("click", function () { openImport(product); });
    row.appendChild(cell(button));
    return row;
  }

  // The rounding choices fit the shop's currency (",99" for dollars, "…900" for pesos).
  function fillRoundings(choices) {
    if (!choices || !choices.length) { return; }
    var select = document.querySelector('select[name="rounding"]');
    var chosen = select.value;
    select.textContent = "";
    choices.forEach(function (choice, index) {
      var option = new Option(choice.label, choice.value, index === 0, choice.value === chosen);
      select.add(option);
    });
    if (select.value !== chosen) { select.value = choices[0].value; }
  }

  function renderCatalogue(data) {
    currency = data.currency || root.getAttribute("data-dropi-currency") || null;
    fillRoundings(data.roundings);
    catalogueBody.textContent = "";
    if (!data.products.length) {
      var row = el("tr");
      var empty = cell(null, "empty-state");
      empty.colSpan = 6;
      empty.appendChild(el("p", "product-name", L.empty_title));
      var hint = data.mode === "search" ? format(L.empty_search, { query: state.q }) : (data.mode === "private" ? L.empty_private : L.empty_favorites);
      empty.appendChild(el("p", null, hint));
      row.appendChild(empty);
      catalogueBody.appendChild(row);
    } else {
      data.products.forEach(function (product) { catalogueBody.appendChild(productRow(product)); });
    }
    // The badges say what the server answered for this very request.
    document.querySelector("[data-mode-badge]").textContent = L["mode_" + data.mode];
    var count = document.querySelector("[data-count-badge]");
    count.hidden = false;
    count.textContent = plural(data.mode === "search" ? "found" : "loaded", data.total);
    document.querySelector("[data-page-label]").textContent = format(L.page, { page: number(data.page), pages: number(data.pages) });
    document.querySelector("[data-range-label]").textContent = data.total
      ? format(L.range, { start: number(data.start), end: number(data.end), total: number(data.total) }) : "\u00a0";
    document.querySelector('[data-page="previous"]').disabled = data.page <= 1;
    document.querySelector('[data-page="next"]').disabled = data.page >= data.pages;
  }

  function loadCatalogue(changes) {
    Object.assign(state, changes || {});
    var mine = ++catalogueRequest;
    var wanted = { q: state.q, private: state.private ? "1" : "", page: state.page };
    document.querySelector("[data-catalogue-error]").hidden = true;
    setCatalogueBusy(true);
    get("/app/api/dropi/products" + query(wanted)).then(function (result) {
      if (mine !== catalogueRequest) { return; }
      setCatalogueBusy(false);
      catalogueLoaded = true;
      if (!result.ok) {
        showCatalogueError(result.data);
        catalogueBody.textContent = "";
        document.querySelector("[data-page-label]").textContent = "\u00a0";
        document.querySelector("[data-range-label]").textContent = "\u00a0";
        document.querySelector("[data-count-badge]").hidden = true;
        return;
      }
      state.page = result.data.page;
      renderCatalogue(result.data);
    }, function () {
      if (mine !== catalogueRequest) { return; }
      setCatalogueBusy(false);
      showCatalogueError({ error: L.failed });
    });
  }

  if (dropiConfigured) {
    var searchInput = searchForm.querySelector('input[name="q"]');
    var clearButton = document.querySelector('[data-action="clear-search"]');
    var privateToggle = document.querySelector("[data-private-toggle]");
    function syncSearchControls() {
      clearButton.hidden = !searchInput.value;
      privateToggle.disabled = Boolean(state.q);
    }
    searchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = searchInput.value.trim();
      state.q = text;
      syncSearchControls();
      loadCatalogue({ q: text, page: 1 });
    });
    searchInput.addEventListener("input", function () {
      clearButton.hidden = !searchInput.value;
      if (!searchInput.value && state.q) { state.q = ""; syncSearchControls(); loadCatalogue({ q: "", page: 1 }); }
    });
    clearButton.addEventListener("click", function () {
      searchInput.value = "";
      state.q = "";
      syncSearchControls();
      loadCatalogue({ q: "", page: 1 });
      searchInput.focus();
    });
    privateToggle.addEventListener("change", function () {
      // The value is read now and sent with the request (the old app reloaded with the previous one).
      loadCatalogue({ private: privateToggle.checked, page: 1 });
    });
    document.querySelector('[data-page="previous"]').addEventListener("click", function () { loadCatalogue({ page: Math.max(1, state.page - 1) }); });
    document.querySelector('[data-page="next"]').addEventListener("click", function () { loadCatalogue({ page: state.page + 1 }); });
    document.querySelector('[data-action="retry"]').addEventListener("click", function () { loadCatalogue(); });
  }

  // ------------------------------------------------------------------ import dialog
  var dialog = document.querySelector("[data-import-dialog]");
  var form = document.querySelector('[data-form="import"]');
  var progress = document.querySelector("[data-progress-dialog]");
  var success = document.querySelector("[data-success-dialog]");
  var current = null;
  var previewTimer = null;
  var previewRequest = 0;
  var pickerRequest = 0;

  function mode() { return form.querySelector('input[name="mode"]:checked').value; }

  function clearImportErrors() {
    document.querySelector("[data-import-error]").hidden = true;
    form.querySelectorAll("[data-error-for]").forEach(function (element) { element.textContent = ""; });
    form.querySelectorAll('[aria-invalid="true"]').forEach(function (element) { element.removeAttribute("aria-invalid"); });
  }

  function renderSummary(product) {
    var summary = document.querySelector("[data-dropi-summary]");
    summary.textContent = "";
    var image = thumbnail(product.image, product.name);
    image.className = product.image ? "" : "thumbnail";
    summary.appendChild(image);
    var text = el("div", "stack");
    text.style.gap = "4px";
    text.appendChild(el("span", "product-summary__name", product.name));
    var badges = el("div", "badges");
    badges.appendChild(el("span", "badge", "ID: " + product.id));
    badges.appendChild(el("span", "badge", "SKU: " + (product.sku || L.not_available)));
    var sale = money(product.sale_price, currency);
    if (sale) { badges.appendChild(el("span", "badge badge--success", sale)); }
    text.appendChild(badges);
    summary.appendChild(text);
  }

  function applyMode() {
    var linking = mode() === "link";
    form.querySelectorAll("[data-link-only]").forEach(function (element) {
      element.hidden = !linking;
      if (element.tagName === "OPTION") { element.disabled = !linking; }
    });
    form.querySelector("[data-link-section]").hidden = !linking;
    form.querySelector("[data-create-only]").hidden = linking;
    var priceMode = form.querySelector('select[name="price_mode"]');
    if (!linking && priceMode.value === "keep") { priceMode.value = "suggested"; }
    if (linking && !current.touchedPrice) { priceMode.value = "keep"; }
    document.querySelector("[data-import-submit]").textContent = linking ? L.link_submit : L.create_submit;
    document.querySelector("[data-images-help]").textContent = "";
    applyRuleFields();
    if (linking && !current.pickerLoaded) { loadPicker({}); }
    schedulePreview(0);
  }

  function applyRuleFields() {
    var value = form.querySelector('select[name="price_mode"]').value;
    form.querySelectorAll("[data-rule-field]").forEach(function (element) {
      var field = element.getAttribute("data-rule-field");
      element.hidden = field === "rounding" ? value === "keep" : field !== value;
    });
  }

  function priceRule() {
    var value = form.querySelector('select[name="price_mode"]').value;
    return {
      mode: value,
      multiplier: form.querySelector('input[name="multiplier"]').value,
      amount: form.querySelector('input[name="amount"]').value,
      fixed_price: form.querySelector('input[name="fixed_price"]').value,
      rounding: form.querySelector('select[name="rounding"]').value
    };
  }

  function schedulePreview(delay) {
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(loadPreview, delay === undefined ? 250 : delay);
  }

  function loadPreview() {
    var mine = ++previewRequest;
    var wrap = document.querySelector("[data-preview]");
    wrap.setAttribute("aria-busy", "true");
    var ruleError = form.querySelector('[data-error-for="price_rule"]');
    post("/app/api/dropi/products/" + encodeURIComponent(current.product.id) + "/preview", {
      mode: mode(), price_rule: priceRule()
    }).then(function (result) {
      if (mine !== previewRequest) { return; }
      wrap.setAttribute("aria-busy", "false");
      ruleError.textContent = "";
      if (!result.ok) {
        if (result.data.field && result.data.field.indexOf("price_rule") === 0) {
          ruleError.textContent = result.data.error;
        } else {
          showImportError(result.data);
        }
        return;
      }
      current.preview = result.data;
      renderPreview(result.data);
      if (current.shopify) { renderMapping(); }
    }, function () {
      if (mine !== previewRequest) { return; }
      wrap.setAttribute("aria-busy", "false");
      ruleError.textContent = L.failed;
    });
  }

  function renderPreview(data) {
    var shopCurrency = data.currency || currency;
    fillRoundings(data.roundings);
    var body = document.querySelector("[data-preview-body]");
    body.textContent = "";
    var rows = data.variations.length ? data.variations : [Object.assign({ label: L.product_row }, data.product)];
    rows.forEach(function (item) {
      var row = el("tr");
      var label = el("div");
      label.appendChild(el("span", null, item.label));
      if (item.sku) { label.appendChild(el("div", "text-subdued", "SKU: " + item.sku)); }
      row.appendChild(cell(label));
      row.appendChild(cell(money(item.sale_price, data.dropi_currency || shopCurrency) || "—", "numeric"));
      row.appendChild(cell(money(item.suggested_price, data.dropi_currency || shopCurrency) || "—", "numeric"));
      var price = item.price !== null && item.price !== undefined ? money(item.price, shopCurrency) : L.keep_price;
      row.appendChild(cell(el("strong", null, price), "numeric"));
      body.appendChild(row);
    });
    document.querySelector('[data-error-for="price_rule"]').textContent = data.price_error ? data.price_error.error : "";
    var note = document.querySelector("[data-preview-currency]");
    note.hidden = !data.currency_differs;
    note.textContent = data.currency_differs ? format(L.currency_note, { dropi: data.dropi_currency, shop: data.currency }) : "";
    var warnings = document.querySelector("[data-import-warnings]");
    warnings.hidden = !data.warnings.length;
    warnings.textContent = data.warnings.join(" ");
    var existing = document.querySelector("[data-existing]");
    existing.textContent = "";
    existing.hidden = !data.existing.length;
    if (data.existing.length) {
      existing.appendChild(el("p", "banner__title", L.existing));
      data.existing.forEach(function (item) {
        var link = el("a", null, item.shopify_title || item.shopify_product_id);
        link.href = item.admin_url;
        link.target = "_top";
        var line = el("p");
        line.appendChild(link);
        existing.appendChild(line);
      });
    }
    var images = data.product.images_total;
    document.querySelector("[data-images-help]").textContent = images
      ? (images > data.product.images.length ? format(L.images_more, { count: images - data.product.images.length }) : "")
      : data.warnings.join(" ");
  }

  // -- Shopify product picker
  var picker = document.querySelector("[data-picker]");
  function loadPicker(params) {
    var mine = ++pickerRequest;
    current.pickerLoaded = true;
    current.pickerQuery = params.q !== undefined ? params.q : (current.pickerQuery || "");
    picker.setAttribute("aria-busy", "true");
    document.querySelector("[data-picker-status]").textContent = L.picker_loading;
    get("/app/api/shopify/products" + query({ q: current.pickerQuery, after: params.after, before: params.before })).then(function (result) {
      if (mine !== pickerRequest) { return; }
      picker.setAttribute("aria-busy", "false");
      document.querySelector("[data-picker-status]").textContent = "";
      picker.textContent = "";
      if (!result.ok) {
        picker.appendChild(el("p", "field__error picker__empty", result.data.error || L.failed));
        return;
      }
      var products = result.data.products;
      if (!products.length) {
        picker.appendChild(el("p", "text-subdued picker__empty", current.pickerQuery ? L.picker_no_match : L.picker_empty));
      }
      products.forEach(function (product) {
        var item = el("label", "picker__item");
        var radio = el("input");
        radio.type = "radio";
        radio.name = "shopify_product";
        radio.value = product.id;
        radio.checked = Boolean(current.shopify && current.shopify.id === product.id);
        radio.addEventListener("change", function () { chooseShopifyProduct(product); });
        item.appendChild(radio);
        item.appendChild(thumbnail(product.image_url, product.title));
        var text = el("span", "picker__text");
        text.appendChild(el("strong", null, product.title));
        text.appendChild(el("span", "text-subdued", [L["status_" + product.status] || product.status, plural("variants", product.variants_count)].join(" · ")));
        item.appendChild(text);
        picker.appendChild(item);
      });
      var info = result.data.page_info || {};
      current.pickerPage = info;
      document.querySelector('[data-picker-page="previous"]').disabled = !info.hasPreviousPage;
      document.querySelector('[data-picker-page="next"]').disabled = !info.hasNextPage;
    }, function () {
      if (mine !== pickerRequest) { return; }
      picker.setAttribute("aria-busy", "false");
      document.querySelector("[data-picker-status]").textContent = L.failed;
    });
  }

  // The variant mappings of the product's stored association with ``shopifyId`` (when it has one).
  function storedMappings(shopifyId) {
    var existing = current.preview ? current.preview.existing : [];
    var match = existing.filter(function (item) { return item.shopify_product_id === shopifyId; })[0];
    return match ? match.mappings : {};
  }

  function chooseShopifyProduct(product) {
    current.shopify = { id: product.id, title: product.title, variants: null };
    var linked = current.product.imported;
    var note = form.querySelector("[data-linked-product]");
    note.hidden = !linked || linked.shopify_product_id !== product.id;
    if (linked) { note.textContent = format(L.linked_product, { title: linked.shopify_product_title || product.title }); }
    form.querySelector('[data-error-for="shopify_product_id"]').textContent = "";
    var section = document.querySelector("[data-mapping-section]");
    section.hidden = false;
    document.querySelector("[data-mapping-help]").textContent = L.variants_loading;
    document.querySelector("[data-mapping-body]").textContent = "";
    get("/app/api/shopify/products/" + encodeURIComponent(numericId(product.id))).then(function (result) {
      if (!current.shopify || current.shopify.id !== product.id) { return; }
      if (!result.ok) {
        document.querySelector("[data-mapping-help]").textContent = result.data.error || L.failed;
        return;
      }
      current.shopify.variants = result.data.product.variants;
      current.shopify.moreVariants = result.data.product.more_variants;
      renderMapping();
    });
  }

  function normalise(text) { return String(text || "").trim().toLowerCase(); }

  function renderMapping() {
    var help = document.querySelector("[data-mapping-help]");
    var body = document.querySelector("[data-mapping-body]");
    var variants = current.shopify.variants || [];
    var previous = Object.assign({}, storedMappings(current.shopify.id));
    body.querySelectorAll("select[data-variation]").forEach(function (select) { previous[select.getAttribute("data-variation")] = select.value; });
    body.textContent = "";
    var variations = current.preview ? current.preview.variations : [];
    if (!variations.length) {
      help.textContent = L.simple_note;
      document.querySelector(".mapping-wrap").hidden = true;
      return;
    }
    document.querySelector(".mapping-wrap").hidden = false;
    help.textContent = variants.length ? L.mapping_help + (current.shopify.moreVariants ? " " + L.more_variants : "") : L.no_variants;
    variations.forEach(function (variation) {
      var row = el("tr");
      var label = el("div");
      label.appendChild(el("span", null, variation.label));
      if (variation.sku) { label.appendChild(el("div", "text-subdued", "SKU: " + variation.sku)); }
      row.appendChild(cell(label));
      var select = el("select");
      select.setAttribute("data-variation", variation.id);
      select.setAttribute("aria-label", variation.label);
      select.disabled = !variants.length;
      var none = el("option", null, variants.length ? L.choose_variant : L.no_variants);
      none.value = "";
      select.appendChild(none);
      variants.forEach(function (variant) {
        var option = el("option", null, [variant.title, variant.sku ? "SKU " + variant.sku : "", money(variant.price, current.preview.currency || currency)].filter(Boolean).join(" · "));
        option.value = variant.id;
        select.appendChild(option);
      });
      if (previous[variation.id] !== undefined) {
        select.value = previous[variation.id];
      } else {
        // Pre-select the variant whose title or SKU is the Dropi variation's.
        var match = variants.filter(function (variant) {
          return normalise(variant.title) === normalise(variation.label) || (variation.sku && normalise(variant.sku) === normalise(variation.sku));
        })[0];
        if (match) { select.value = match.id; }
      }
      row.appendChild(cell(select));
      body.appendChild(row);
    });
  }

  function showImportError(data) {
    var banner = document.querySelector("[data-import-error]");
    banner.hidden = false;
    document.querySelector("[data-import-error-title]").textContent = data.error || L.failed;
    var list = document.querySelector("[data-user-errors]");
    list.textContent = "";
    (data.user_errors || []).forEach(function (item) {
      var line = el("li");
      line.appendChild(el("strong", null, item.label + ": "));
      line.appendChild(document.createTextNode(item.message));
      list.appendChild(line);
    });
    if (data.field) {
      var key = data.field.indexOf("price_rule") === 0 ? "price_rule" : (data.field.indexOf("variant_mappings") === 0 ? "variant_mappings" : data.field);
      var target = form.querySelector('[data-error-for="' + key + '"]');
      if (target) { target.textContent = data.error; }
      if (key === "variant_mappings") {
        var position = Number(data.field.split(".")[1]);
        var mapped = mappings();
        if (!isNaN(position) && mapped[position]) {
          var select = form.querySelector('select[data-variation="' + mapped[position].dropi_variation_id + '"]');
          if (select) { select.setAttribute("aria-invalid", "true"); }
        }
      }
    }
    banner.scrollIntoView({ block: "nearest" });
  }

  function mappings() {
    var list = [];
    form.querySelectorAll("select[data-variation]").forEach(function (select) {
      if (select.value) { list.push({ dropi_variation_id: select.getAttribute("data-variation"), shopify_variant_id: select.value }); }
    });
    return list;
  }

  function setChoice(name, value) {
    var select = form.querySelector('select[name="' + name + '"]');
    var known = Array.prototype.some.call(select.options, function (option) { return option.value === value && !option.disabled; });
    if (known) { select.value = value; }
  }

  // An imported product: the dialog updates its linked product, with its last import's options.
  function useLastImport(linked) {
    form.querySelector('input[name="mode"][value="link"]').checked = true;
    ["save_name", "save_description", "save_images", "replace_images", "use_suggested_barcode"].forEach(function (name) {
      form.querySelector('input[name="' + name + '"]').checked = Boolean(linked.options[name]);
    });
    var rule = linked.price_rule;
    if (!rule || !rule.mode) { return; }
    current.touchedPrice = true;
    form.querySelector('select[name="price_mode"]').value = rule.mode;
    form.querySelector('input[name="multiplier"]').value = rule.multiplier || "1";
    form.querySelector('input[name="amount"]').value = rule.amount || "0";
    form.querySelector('input[name="fixed_price"]').value = rule.fixed_price || "";
    setChoice("rounding", rule.rounding || "none");
  }

  // ---- sales channels of a new product (listed once per page load)
  var channels = null;
  function renderChannels() {
    var box = form.querySelector("[data-other-channels]");
    var message = form.querySelector("[data-channels-message]");
    box.textContent = "";
    message.hidden = !channels || !channels.message;
    message.textContent = channels && channels.message ? channels.message : "";
    if (!channels) { return; }
    channels.others.forEach(function (publication) {
      var label = el("label", "checkbox");
      var input = el("input");
      input.type = "checkbox";
      input.name = "publication_ids";
      input.value = publication.id;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" "));
      label.appendChild(el("span", null, format(L.publish_to, { channel: publication.name })));
      box.appendChild(label);
    });
  }
  function loadChannels() {
    if (channels) { renderChannels(); return; }
    get("/app/api/shopify/publications").then(function (result) {
      if (result.ok) { channels = result.data; }
      renderChannels();
    }, function () { renderChannels(); });
  }
  function publishChoice() {
    var ids = [];
    form.querySelectorAll('input[name="publication_ids"]:checked').forEach(function (input) { ids.push(input.value); });
    return { online_store: form.querySelector('input[name="publish_online_store"]').checked, publication_ids: ids };
  }

  function openImport(product) {
    current = { product: product, shopify: null, preview: null, pickerLoaded: false, touchedPrice: false };
    form.reset();
    form.querySelector("[data-linked-product]").hidden = true;
    clearImportErrors();
    picker.textContent = "";
    document.querySelector("[data-mapping-section]").hidden = true;
    document.querySelector("[data-mapping-body]").textContent = "";
    document.querySelector("[data-preview-body]").textContent = "";
    document.querySelector("[data-import-warnings]").hidden = true;
    document.querySelector("[data-existing]").hidden = true;
    document.querySelector("[data-preview-currency]").hidden = true;
    form.querySelector("[data-picker-query]").value = "";
    if (product.imported) { useLastImport(product.imported); }
    form.querySelector('input[name="replace_images"]').disabled = !form.querySelector('input[name="save_images"]').checked;
    renderSummary(product);
    loadChannels();
    applyMode();
    if (product.imported) {
      chooseShopifyProduct({ id: product.imported.shopify_product_id, title: product.imported.shopify_product_title });
    }
    dialog.showModal();
  }

  form.querySelectorAll('input[name="mode"]').forEach(function (radio) { radio.addEventListener("change", function () { clearImportErrors(); applyMode(); }); });
  form.querySelector('select[name="price_mode"]').addEventListener("change", function () { current.touchedPrice = true; applyRuleFields(); schedulePreview(0); });
  ["multiplier", "amount", "fixed_price"].forEach(function (name) {
    form.querySelector('input[name="' + name + '"]').addEventListener("input", function () { schedulePreview(); });
  });
  form.querySelector('select[name="rounding"]').addEventListener("change", function () { schedulePreview(0); });
  form.querySelector('input[name="save_images"]').addEventListener("change", function (event) {
    form.querySelector('input[name="replace_images"]').disabled = !event.target.checked;
  });
  document.querySelector('[data-action="picker-search"]').addEventListener("click", function () {
    loadPicker({ q: form.querySelector("[data-picker-query]").value.trim() });
  });
  form.querySelector("[data-picker-query]").addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); loadPicker({ q: event.target.value.trim() }); }
  });
  document.querySelector('[data-picker-page="previous"]').addEventListener("click", function () { loadPicker({ before: current.pickerPage.startCursor }); });
  document.querySelector('[data-picker-page="next"]').addEventListener("click", function () { loadPicker({ after: current.pickerPage.endCursor }); });
  document.querySelectorAll('[data-action="close-import"]').forEach(function (button) { button.addEventListener("click", function () { dialog.close(); }); });
  progress.addEventListener("cancel", function (event) { event.preventDefault(); });
  document.querySelector('[data-action="close-success"]').addEventListener("click", function () { success.close(); });

  // ---- a second copy of a product already in Shopify is created only when confirmed
  var duplicateDialog = document.querySelector("[data-duplicate-dialog]");
  function existingCopy() {
    var existing = current.preview ? current.preview.existing : [];
    if (existing.length) { return existing[0].shopify_title || numericId(existing[0].shopify_product_id); }
    var linked = current.product.imported;
    return linked ? (linked.shopify_product_title || numericId(linked.shopify_product_id)) : null;
  }
  function askForSecondCopy(title) {
    duplicateDialog.querySelector("[data-duplicate-text]").textContent = format(L.duplicate_text, {
      dropi: current.product.name, title: title || current.product.name
    });
    duplicateDialog.showModal();
  }
  document.querySelector('[data-action="cancel-duplicate"]').addEventListener("click", function () { duplicateDialog.close(); });
  document.querySelector('[data-action="confirm-duplicate"]').addEventListener("click", function () {
    duplicateDialog.close();
    submitImport(true);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submitImport(false);
  });

  function submitImport(allowDuplicate) {
    clearImportErrors();
    var linking = mode() === "link";
    if (!linking && !allowDuplicate && existingCopy()) {
      askForSecondCopy(existingCopy());
      return;
    }
    if (linking && !current.shopify) {
      form.querySelector('[data-error-for="shopify_product_id"]').textContent = L.choose_product;
      C.toast(L.choose_product, { isError: true });
      return;
    }
    var body = {
      mode: mode(),
      dropi_product_id: current.product.id,
      status: form.querySelector('input[name="status"]:checked').value,
      options: {
        save_name: linking ? form.querySelector('input[name="save_name"]').checked : true,
        save_description: form.querySelector('input[name="save_description"]').checked,
        save_images: form.querySelector('input[name="save_images"]').checked,
        replace_images: linking && form.querySelector('input[name="replace_images"]').checked,
        use_suggested_barcode: form.querySelector('input[name="use_suggested_barcode"]').checked
      },
      price_rule: priceRule()
    };
    if (linking) {
      body.shopify_product_id = current.shopify.id;
      body.variant_mappings = mappings();
    } else {
      body.publish = publishChoice();
      if (allowDuplicate) { body.allow_duplicate = true; }
    }
    dialog.close();
    progress.showModal();
    post("/app/api/products/import", body).then(function (result) {
      progress.close();
      if (!result.ok && result.data.code === "already_imported") {
        // Imported meanwhile (another tab, a stale page): ask, as for a known copy.
        dialog.showModal();
        askForSecondCopy(null);
        return;
      }
      if (!result.ok) {
        dialog.showModal();
        showImportError(result.data);
        C.toast(result.data.error || L.failed, { isError: true });
        return;
      }
      var data = result.data;
      document.querySelector("[data-success-message]").textContent = data.message;
      document.querySelector("[data-success-title]").textContent = data.shopify_title;
      var link = document.querySelector("[data-success-link]");
      link.href = data.admin_url;
      link.target = "_top";
      var warnings = document.querySelector("[data-success-warnings]");
      warnings.textContent = "";
      data.warnings.forEach(function (warning) { warnings.appendChild(el("li", null, warning)); });
      setSyncedCount(data.synced_count);
      syncedStale = true;
      if (dropiConfigured) { loadCatalogue(); }  // the row now says "already imported"
      success.showModal();
    }, function () {
      progress.close();
      dialog.showModal();
      showImportError({ error: L.failed });
    });
  }

  // ------------------------------------------------------------------ Sincronizados
  var syncedBody = document.querySelector("[data-synced-body]");
  var syncedState = { q: "", page: 1 };
  var syncedStale = true;
  var syncedRequest = 0;
  var deleteDialog = document.querySelector("[data-delete-dialog]");
  var pendingDelete = null;

  function ruleSummary(rule) {
    if (!rule) { return ""; }
    if (rule.mode === "formula") { return format(L.rule_formula, { multiplier: rule.multiplier, amount: rule.amount }); }
    if (rule.mode === "fixed") { return format(L.rule_fixed, { price: money(rule.fixed_price, currency) || rule.fixed_price }); }
    if (rule.mode === "keep") { return L.rule_keep; }
    return L.rule_suggested;
  }

  function associationRow(association) {
    var row = el("tr");
    row.setAttribute("data-association-id", association.id);
    var dropi = el("div");
    dropi.appendChild(el("span", "product-name", association.dropi_product_name || association.dropi_product_id));
    dropi.appendChild(el("span", "text-subdued", format(L.dropi_id, { id: association.dropi_product_id })));
    row.appendChild(cell(dropi));
    var shopify = el("div");
    shopify.appendChild(el("span", "product-name", association.shopify_product_title || association.shopify_product_id));
    shopify.appendChild(el("span", "text-subdued", format(L.shopify_id, { id: numericId(association.shopify_product_id) })));
    var type = el("div", "badges");
    type.appendChild(el("span", "badge" + (association.import_type === "create" ? " badge--success" : " badge--info"), association.import_type_label));
    shopify.appendChild(type);
    row.appendChild(cell(shopify));
    row.appendChild(cell(number(association.mapping_count || 0), "numeric"));
    var options = el("div", "synced-options");
    var flags = association.options;
    if (flags.save_name) { options.appendChild(el("span", "badge", L.opt_name)); }
    if (flags.save_description) { options.appendChild(el("span", "badge", L.opt_description)); }
    if (flags.save_images) { options.appendChild(el("span", "badge", L.opt_images + (flags.replace_images ? " (" + L.opt_replace + ")" : ""))); }
    if (flags.use_suggested_barcode) { options.appendChild(el("span", "badge", L.opt_barcode)); }
    var summary = ruleSummary(association.price_rule);
    if (summary) { options.appendChild(el("span", "badge badge--outline", summary)); }
    row.appendChild(cell(options));
    var actions = el("div", "row-actions");
    var view = el("a", "button", L.view);
    view.href = association.admin_url;
    view.target = "_top";
    actions.appendChild(view);
    var remove = el("button", "button button--critical", L.delete);
    remove.type = "button";
    remove.addEventListener("click", function () {
      pendingDelete = { association: association, button: remove };
      document.querySelector("[data-delete-name]").textContent = (association.dropi_product_name || association.dropi_product_id) + " → " + (association.shopify_product_title || association.shopify_product_id);
      deleteDialog.showModal();
    });
    actions.appendChild(remove);
    row.appendChild(cell(actions));
    return row;
  }

  function loadSynced(changes) {
    if (!changes && !syncedStale) { return; }
    Object.assign(syncedState, changes || {});
    syncedStale = false;
    var mine = ++syncedRequest;
    var wrap = document.querySelector("[data-synced]");
    wrap.setAttribute("aria-busy", "true");
    wrap.classList.add("table--busy");
    document.querySelector("[data-synced-error]").textContent = "";
    get("/app/api/associations" + query(syncedState)).then(function (result) {
      if (mine !== syncedRequest) { return; }
      wrap.setAttribute("aria-busy", "false");
      wrap.classList.remove("table--busy");
      if (!result.ok) { document.querySelector("[data-synced-error]").textContent = result.data.error || L.failed; syncedStale = true; return; }
      var data = result.data;
      syncedState.page = data.page;
      setSyncedCount(data.synced_count);
      syncedBody.textContent = "";
      if (!data.associations.length) {
        var row = el("tr");
        var empty = cell(null, "empty-state");
        empty.colSpan = 5;
        empty.appendChild(el("p", "product-name", syncedState.q ? L.synced_no_match : L.synced_empty));
        if (!syncedState.q) { empty.appendChild(el("p", null, L.synced_empty_hint)); }
        row.appendChild(empty);
        syncedBody.appendChild(row);
      }
      data.associations.forEach(function (association) { syncedBody.appendChild(associationRow(association)); });
      document.querySelector("[data-synced-page-label]").textContent = data.total ? format(L.page, { page: number(data.page), pages: number(data.pages) }) : "\u00a0";
      document.querySelector('[data-synced-page="previous"]').disabled = data.page <= 1;
      document.querySelector('[data-synced-page="next"]').disabled = data.page >= data.pages;
    }, function () {
      if (mine !== syncedRequest) { return; }
      wrap.classList.remove("table--busy");
      syncedStale = true;
      document.querySelector("[data-synced-error]").textContent = L.failed;
    });
  }

  document.querySelector('[data-form="synced-search"]').addEventListener("submit", function (event) {
    event.preventDefault();
    loadSynced({ q: event.target.q.value.trim(), page: 1 });
  });
  document.querySelector('[data-synced-page="previous"]').addEventListener("click", function () { loadSynced({ page: Math.max(1, syncedState.page - 1) }); });
  document.querySelector('[data-synced-page="next"]').addEventListener("click", function () { loadSynced({ page: syncedState.page + 1 }); });
  document.querySelector('[data-action="cancel-delete"]').addEventListener("click", function () { pendingDelete = null; deleteDialog.close(); });
  document.querySelector('[data-action="confirm-delete"]').addEventListener("click", function () {
    if (!pendingDelete) { return; }
    var target = pendingDelete;
    pendingDelete = null;
    deleteDialog.close();
    target.button.disabled = true;
    target.button.textContent = L.deleting;
    post("/app/api/associations/" + target.association.id + "/delete").then(function (result) {
      C.toast(result.ok ? result.data.message : (result.data.error || L.failed), { isError: !result.ok });
      if (result.ok) { setSyncedCount(result.data.synced_count); catalogueLoaded = false; }
      loadSynced({});
    }, function () {
      target.button.disabled = false;
      target.button.textContent = L.delete;
      C.toast(L.failed, { isError: true });
    });
  });

  // ------------------------------------------------------------------ start
  var selected = tabs.filter(function (tab) { return tab.getAttribute("aria-selected") === "true"; })[0] || tabs[0];
  selectTab(selected);
})();
