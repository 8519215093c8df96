"""``productSet`` for the Shopify simulator: create, or update by ``identifier``, with the checks
Shopify makes and answers as ``userErrors``: variants and options given together, known option
values, unique combinations, a variant limit, valid prices and image URLs, an existing product,
inventory quantities at an active location.

``productSet`` follows Shopify's rule for updates: a list given in the input replaces the
stored list (entries with an id are kept and updated, the others created, the missing ones
removed); anything left out of the input stays as it is.

Inventory, after Shopify's reference (``ProductVariantSetInput``, ``ProductSetInventoryInput``):
``inventoryItem`` / ``inventoryQuantities`` need ``write_inventory`` (else a top-level
``ACCESS_DENIED`` and nothing changes); a quantity is ``available`` or ``on_hand`` at an active
location; an existing variant can only get quantities at locations where it is already stocked
(the error code of that refusal is the simulator's choice). A new variant is stocked where its
quantities say, else at the primary location.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from simulators.shopify import ShopifySimulator
from simulators.shopify_products import (
    SET_VARIANT_FIELDS,
    active_location,
    default_inventory,
    find_product,
    new_gid,
    new_media,
    now,
    products_of,
    variant_node,
    variant_title,
)

DEFAULT_VARIANT_LIMIT = 2048
MAX_TITLE_LENGTH = 255
MAX_QUANTITY = 1_000_000_000
QUANTITY_NAMES = ("available", "on_hand")


def _empty_product() -> dict[str, Any]:
    """A new product as Shopify starts it: one option "Title" and the "Default Title" variant."""
    selected = [{"name": "Title", "value": "Default Title"}]
    option_value = {"id": new_gid("ProductOptionValue"), "name": "Default Title"}
    return {
        "id": new_gid("Product"),
        "title": "",
        "handle": "",
        "status": "ACTIVE",
        "descriptionHtml": "",
        "options": [
            {"id": new_gid("ProductOption"), "name": "Title", "position": 1, "optionValues": [option_value]}
        ],
        "variants": [
            {"id": new_gid("ProductVariant"), "title": "Default Title", "sku": "", "price": "0.00",
             "barcode": None, "selectedOptions": selected, "tracked": True, "inventory": {}}
        ],
        "media": [],
    }  # fmt: skip


class _Refused(Exception):
    def __init__(self, field: list[str], message: str, code: str) -> None:
        super().__init__(message)
        self.error = {"field": field, "message": message, "code": code}


def _money(value: Any, field: list[str]) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise _Refused(field, "Price is invalid", "INVALID_INPUT") from error
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1000000000000000000"):
        raise _Refused(field, "Price must be greater than or equal to 0", "INVALID_INPUT")
    return f"{amount:.2f}"


def _set_files(product: dict[str, Any] | None, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    existing = {item["id"]: item for item in (product or {}).get("media", [])}
    media = []
    for position, item in enumerate(files):
        if item.get("id"):
            if item["id"] not in existing:
                raise _Refused(["input", "files", str(position), "id"], "File does not exist", "FILE_DOES_NOT_EXIST")
            media.append(existing[item["id"]])
            continue
        source = str(item.get("originalSource") or "")
        if not source.startswith(("https://", "http://")):
            raise _Refused(["input", "files", str(position), "originalSource"], "Image URL is invalid", "INVALID_INPUT")
        if item.get("contentType") != "IMAGE":
            raise _Refused(
                ["input", "files", str(position), "contentType"], "Content type is required", "INVALID_INPUT"
            )
        media.append(new_media(source, str(item.get("alt") or "")))
    return media


def _set_inventory(
    simulator: ShopifySimulator,
    shop: str,
    stored: dict[str, Any],
    variant: dict[str, Any],
    field: list[str],
    *,
    existing: bool,
) -> None:
    if variant.get("inventoryItem") is not None:
        stored["tracked"] = bool(variant["inventoryItem"].get("tracked", stored.get("tracked", True)))
    quantities = variant.get("inventoryQuantities")
    if quantities is None:
        return
    inventory = dict(stored.get("inventory") or {}) if existing else {}
    for index, quantity in enumerate(quantities):
        quantity_field = [*field, "inventoryQuantities", str(index)]
        if quantity.get("name") not in QUANTITY_NAMES:
            raise _Refused([*quantity_field, "name"], "Name must be available or on_hand", "INVALID_INPUT")
        location_id = str(quantity.get("locationId") or "")
        if active_location(simulator, shop, location_id) is None:
            raise _Refused([*quantity_field, "locationId"], "Location not found", "NOT_FOUND")
        if existing and location_id not in (stored.get("inventory") or {}):
            raise _Refused(
                [*quantity_field, "locationId"], "The variant is not stocked at this location", "INVALID_VARIANT"
            )
        amount = quantity.get("quantity")
        if not isinstance(amount, int) or isinstance(amount, bool) or abs(amount) > MAX_QUANTITY:
            raise _Refused([*quantity_field, "quantity"], "Quantity is invalid", "INVALID_INPUT")
        inventory[location_id] = amount
    stored["inventory"] = inventory


def _set_options(
    product: dict[str, Any] | None, options: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The product's new options (known value ids kept) and the values each option allows."""
    if not 1 <= len(options) <= 3:
        raise _Refused(["input", "productOptions"], "A product has between 1 and 3 options", "INVALID_INPUT")
    stored_options = {option["id"]: option for option in (product or {}).get("options", [])}
    new_options = []
    allowed: dict[str, list[str]] = {}
    for position, option in enumerate(options, start=1):
        field = ["input", "productOptions", str(position - 1)]
        name = str(option.get("name") or "")
        if not name:
            raise _Refused([*field, "name"], "Option name is required", "INVALID_INPUT")
        known_values = {
            value["name"]: value for value in stored_options.get(option.get("id"), {}).get("optionValues", [])
        }
        values = [str(value.get("name") or "") for value in option.get("values") or []]
        if not values or "" in values or len(set(values)) != len(values):
            raise _Refused([*field, "values"], "Option values are invalid", "INVALID_INPUT")
        allowed[name] = values
        new_options.append(
            {
                "id": option.get("id") or new_gid("ProductOption"),
                "name": name,
                "position": position,
                "optionValues": [
                    known_values.get(value) or {"id": new_gid("ProductOptionValue"), "name": value} for value in values
                ],
            }
        )
    return new_options, allowed


def _selected_options(variant: dict[str, Any], allowed: dict[str, list[str]], field: list[str]) -> list[dict[str, str]]:
    selected = [
        {"name": str(value.get("optionName") or ""), "value": str(value.get("name") or "")}
        for value in variant.get("optionValues") or []
    ]
    if [option["name"] for option in selected] != list(allowed) or any(
        option["value"] not in allowed[option["name"]] for option in selected
    ):
        raise _Refused([*field, "optionValues"], "Option values do not match the product options", "INVALID_INPUT")
    return selected


def _stored_variant(
    simulator: ShopifySimulator, shop: str, variant: dict[str, Any], stored_variants: dict[str, Any], field: list[str]
) -> dict[str, Any]:
    """A copy of the existing variant the input names by id, or a new variant."""
    if variant.get("id"):
        if variant["id"] not in stored_variants:
            raise _Refused([*field, "id"], "Product variant does not exist", "PRODUCT_VARIANT_DOES_NOT_EXIST")
        return dict(stored_variants[variant["id"]])
    return {
        "id": new_gid("ProductVariant"),
        "sku": "",
        "price": "0.00",
        "barcode": None,
        "tracked": True,
        "inventory": default_inventory(simulator, shop),
    }


def _set_fields(stored: dict[str, Any], variant: dict[str, Any], field: list[str]) -> None:
    if "price" in variant:
        stored["price"] = _money(variant["price"], [*field, "price"])
    if "sku" in variant:
        stored["sku"] = str(variant["sku"] or "")
    if variant.get("barcodes") is not None:
        barcodes = [str(item.get("value") or "") for item in variant["barcodes"]]
        if any(len(code) > 255 or not code for code in barcodes):
            raise _Refused([*field, "barcodes"], "Barcode is invalid", "INVALID_INPUT")
        stored["barcode"] = barcodes[0] if barcodes else None


def _set_variants(
    simulator: ShopifySimulator,
    shop: str,
    product: dict[str, Any] | None,
    variants: list[dict[str, Any]],
    allowed: dict[str, list[str]],
) -> list[dict[str, Any]]:
    stored_variants = {variant["id"]: variant for variant in (product or {}).get("variants", [])}
    seen: set[tuple[str, ...]] = set()
    new_variants = []
    for position, variant in enumerate(variants):
        field = ["input", "variants", str(position)]
        selected = _selected_options(variant, allowed, field)
        combination = tuple(option["value"] for option in selected)
        if combination in seen:
            raise _Refused(
                [*field, "optionValues"], f"The variant '{' / '.join(combination)}' already exists.", "DUPLICATE_INPUT"
            )
        seen.add(combination)
        stored = _stored_variant(simulator, shop, variant, stored_variants, field)
        _set_fields(stored, variant, field)
        _set_inventory(simulator, shop, stored, variant, field, existing=bool(variant.get("id")))
        stored["selectedOptions"] = selected
        stored["title"] = variant_title(selected)
        new_variants.append(stored)
    return new_variants


def _checked(
    simulator: ShopifySimulator, shop: str, data: dict[str, Any], identifier: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The product the input updates (None: a new one) and its new media, options and variants
    (only the lists the input gives). Raises _Refused before anything changes."""
    product = None
    if identifier.get("id"):
        product = find_product(simulator, shop, identifier["id"])
        if product is None:
            raise _Refused(["identifier", "id"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")
    elif not data.get("title"):
        raise _Refused(["input", "title"], "Title can't be blank", "BLANK")
    if "title" in data and (not str(data["title"]).strip() or len(str(data["title"])) > MAX_TITLE_LENGTH):
        raise _Refused(["input", "title"], "Title is invalid", "INVALID_INPUT")
    if ("variants" in data) != ("productOptions" in data):
        raise _Refused(["input"], "variants and productOptions must be given together", "INVALID_INPUT")
    lists: dict[str, Any] = {}
    if "files" in data:
        lists["media"] = _set_files(product, data["files"])
    if "variants" in data:
        limit = simulator.product_variant_limit
        if len(data["variants"]) > limit:
            raise _Refused(["input", "variants"], f"Input must have {limit} variants or fewer", "VARIANTS_OVER_LIMIT")
        lists["options"], allowed = _set_options(product, data["productOptions"])
        lists["variants"] = _set_variants(simulator, shop, product, data["variants"], allowed)
    return product, lists


def product_set(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    data = variables.get("input") or {}
    if any("inventoryQuantities" in variant or "inventoryItem" in variant for variant in data.get("variants") or []):
        simulator.require_scope(shop, "write_inventory", field_name="inventoryQuantities")
    try:
        product, lists = _checked(simulator, shop, data, variables.get("identifier") or {})
    except _Refused as refused:
        return {"productSet": {"product": None, "userErrors": [refused.error]}}
    # Everything was checked first: a refused input leaves the product untouched.
    if product is None:
        product = _empty_product()
        products_of(simulator, shop).insert(0, product)
    for key in ("title", "descriptionHtml", "status", "vendor", "productType"):
        if key in data:
            product[key] = data[key]
    if "title" in data and not product["handle"]:
        product["handle"] = str(data["title"]).lower().replace(" ", "-")
    product.update(lists)
    product["updatedAt"] = now()
    return {
        "productSet": {
            "product": {
                "id": product["id"],
                "title": product["title"],
                "handle": product["handle"],
                "status": product["status"],
                "variants": {
                    "nodes": [variant_node(variant, SET_VARIANT_FIELDS) for variant in product["variants"][:250]]
                },
            },
            "userErrors": [],
        }
    }


def register(simulator: ShopifySimulator) -> None:
    # Shopify's per-product variant limit (tests lower it to provoke the userError).
    simulator.product_variant_limit = DEFAULT_VARIANT_LIMIT
    simulator.graphql_handlers["ProductSet"] = product_set
