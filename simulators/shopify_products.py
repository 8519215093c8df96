"""Products for the Shopify simulator: search with cursors, product detail (options, variants,
media, and which variants are stocked at a location) and the shop's locations. ``productSet``
is in ``simulators.shopify_product_set``.

Inventory, after Shopify's reference (``Location``): the ``LocationPrimary`` query needs
``read_locations`` (or an inventory scope). Every shop starts with one active primary
location, "Shop location". A product added here is stocked at the primary location unless its
variants say otherwise.
"""

from __future__ import annotations

import base64
import datetime
import itertools
from typing import Any

from simulators.shopify import GraphQLErrors, ShopifySimulator

# Each resource type numbers its ids from its own range, as Shopify's ids look.
_ids = {
    "Product": itertools.count(8_000_000_001),
    "ProductVariant": itertools.count(44_000_000_001),
    "MediaImage": itertools.count(30_000_000_001),
    "ProductOption": itertools.count(10_000_000_001),
    "ProductOptionValue": itertools.count(20_000_000_001),
    "Location": itertools.count(70_000_000_001),
}


def new_gid(resource: str) -> str:
    """A new id of ``resource`` (``gid://shopify/ProductVariant/44000000001``)."""
    return f"gid://shopify/{resource}/{next(_ids[resource])}"


def products_of(simulator: ShopifySimulator, shop: str) -> list[dict[str, Any]]:
    return simulator.shop_data.setdefault(shop, {}).setdefault("products", [])


# --------------------------------------------------------------------------- locations
def locations(simulator: ShopifySimulator, shop: str) -> list[dict[str, Any]]:
    """The shop's locations; a shop starts with one, its active primary "Shop location"."""
    data = simulator.shop_data.setdefault(shop, {})
    if "locations" not in data:
        data["locations"] = [_new_location("Shop location", primary=True)]
    return data["locations"]


def _new_location(name: str, *, active: bool = True, primary: bool = False, online: bool = True) -> dict[str, Any]:
    return {
        "id": new_gid("Location"),
        "name": name,
        "isActive": active,
        "isPrimary": primary,
        "fulfillsOnlineOrders": online,
    }


def add_location(simulator: ShopifySimulator, shop: str, name: str, *, online: bool = True) -> dict[str, Any]:
    """Add an active, non-primary location to the shop."""
    location = _new_location(name, active=True, primary=False, online=online)
    locations(simulator, shop).append(location)
    return location


def primary_location(simulator: ShopifySimulator, shop: str) -> dict[str, Any] | None:
    return next((location for location in locations(simulator, shop) if location["isPrimary"]), None)


def active_location(simulator: ShopifySimulator, shop: str, location_id: str) -> dict[str, Any] | None:
    return next(
        (location for location in locations(simulator, shop) if location["id"] == location_id and location["isActive"]),
        None,
    )


def default_inventory(simulator: ShopifySimulator, shop: str) -> dict[str, int]:
    primary = primary_location(simulator, shop)
    return {primary["id"]: 0} if primary else {}


def _location_node(location: dict[str, Any]) -> dict[str, Any]:
    return {key: location[key] for key in ("id", "name", "isActive", "fulfillsOnlineOrders")}


def location_primary(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    """``location`` without an id is the shop's primary location; ``locations`` lists the active
    ones (Shopify's default leaves deactivated locations out)."""
    simulator.require_scope(shop, "read_locations", "read_inventory", field_name="location")
    primary = primary_location(simulator, shop)
    active = [location for location in locations(simulator, shop) if location["isActive"]]
    return {
        "location": _location_node(primary) if primary else None,
        "locations": {"nodes": [_location_node(location) for location in active[:10]]},
    }


def now() -> str:
    return datetime.datetime.now(tz=datetime.UTC).isoformat()


def variant_title(selected: list[dict[str, str]]) -> str:
    values = [option["value"] for option in selected]
    return "Default Title" if values == ["Default Title"] else " / ".join(values)


def new_media(source: str, alt: str = "") -> dict[str, Any]:
    return {
        "id": new_gid("MediaImage"),
        "mediaContentType": "IMAGE",
        "alt": alt,
        "originalSource": source,
    }


def add_product(
    simulator: ShopifySimulator,
    shop: str,
    *,
    title: str,
    variants: list[dict[str, Any]] | None = None,
    media: int = 0,
    status: str = "ACTIVE",
) -> dict[str, Any]:
    """Store a product; ``variants`` items are ``{"options": {"Color": "Rojo"}, "price": "10.00", "sku": "…"}``,
    optionally with ``"inventory": {location id: available}`` (default: stocked at the primary
    location with 0) and ``"tracked"`` (default True).

    Without variants the product has Shopify's single default variant ("Title: Default Title").
    """
    variants = variants or [{"options": {"Title": "Default Title"}, "price": "0.00", "sku": ""}]
    names: list[str] = []
    values: dict[str, list[str]] = {}
    for variant in variants:
        for name, value in variant["options"].items():
            if name not in names:
                names.append(name)
            if value not in values.setdefault(name, []):
                values[name].append(value)
    product: dict[str, Any] = {
        "id": new_gid("Product"),
        "title": title,
        "handle": title.lower().replace(" ", "-"),
        "status": status,
        "descriptionHtml": "",
        "updatedAt": now(),
        "options": [
            {
                "id": new_gid("ProductOption"),
                "name": name,
                "position": position,
                "optionValues": [{"id": new_gid("ProductOptionValue"), "name": value} for value in values[name]],
            }
            for position, name in enumerate(names, start=1)
        ],
        "variants": [],
        "media": [new_media(f"https://cdn.shopify.test/{title}-{index}.jpg") for index in range(media)],
    }
    for variant in variants:
        selected = [{"name": name, "value": value} for name, value in variant["options"].items()]
        product["variants"].append(
            {
                "id": new_gid("ProductVariant"),
                "title": variant_title(selected),
                "sku": variant.get("sku", ""),
                "price": variant.get("price", "0.00"),
                "barcode": variant.get("barcode"),
                "selectedOptions": selected,
                "tracked": variant.get("tracked", True),
                "inventory": dict(variant.get("inventory", default_inventory(simulator, shop))),
            }
        )
    products_of(simulator, shop).insert(0, product)
    return product


def delete_product(simulator: ShopifySimulator, shop: str, product_id: str) -> None:
    """Remove a product, as a merchant deleting it in Shopify Admin."""
    products = products_of(simulator, shop)
    products[:] = [product for product in products if product["id"] != product_id]


def find_product(simulator: ShopifySimulator, shop: str, product_id: str) -> dict[str, Any] | None:
    return next((product for product in products_of(simulator, shop) if product["id"] == product_id), None)


# --------------------------------------------------------------------------- queries
def _cursor(index: int) -> str:
    return base64.b64encode(f"product:{index}".encode()).decode()


def _index(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor).decode().split(":", 1)[1])
    except (ValueError, IndexError) as error:
        raise GraphQLErrors([{"message": "Invalid cursor"}]) from error


def _featured(product: dict[str, Any]) -> dict[str, Any] | None:
    if not product["media"]:
        return None
    return {"preview": {"image": {"url": product["media"][0]["originalSource"]}}}


def products_search(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    products = list(products_of(simulator, shop))
    query = str(variables.get("query") or "").strip().lower()
    if query:
        words = [word.rstrip("*") for word in query.split()]  # "word*" is a prefix search
        products = [product for product in products if all(word in product["title"].lower() for word in words)]
    if variables.get("sortKey") == "TITLE":
        products.sort(key=lambda product: product["title"].lower(), reverse=bool(variables.get("reverse")))
    if variables.get("before"):
        end = _index(variables["before"])
        start = max(0, end - int(variables.get("last") or 10))
    else:
        start = _index(variables["after"]) + 1 if variables.get("after") else 0
        end = start + int(variables.get("first") or 10)
    window = products[start:end]
    return {
        "products": {
            "pageInfo": {
                "hasNextPage": end < len(products),
                "hasPreviousPage": start > 0,
                "startCursor": _cursor(start) if window else None,
                "endCursor": _cursor(start + len(window) - 1) if window else None,
            },
            "nodes": [
                {
                    "id": product["id"],
                    "title": product["title"],
                    "handle": product["handle"],
                    "status": product["status"],
                    "featuredMedia": _featured(product),
                    "variantsCount": {"count": len(product["variants"])},
                }
                for product in window
            ],
        }
    }


DETAIL_VARIANT_FIELDS = ("id", "title", "sku", "price", "barcode", "selectedOptions")
SET_VARIANT_FIELDS = ("id", "title", "sku", "price", "selectedOptions")


def variant_node(variant: dict[str, Any], fields: tuple[str, ...] = DETAIL_VARIANT_FIELDS) -> dict[str, Any]:
    return {key: variant.get(key) for key in fields}


def _stocked_variants(simulator: ShopifySimulator, shop: str, query: str) -> dict[str, Any]:
    """``productVariants(query: "product_id:… location_id:…")``: the variants stocked there."""
    terms = dict(term.split(":", 1) for term in query.split() if ":" in term)
    product_number, location_number = terms.get("product_id"), terms.get("location_id")
    nodes = [
        {"id": variant["id"]}
        for product in products_of(simulator, shop)
        if product_number is None or product["id"].rsplit("/", 1)[-1] == product_number
        for variant in product["variants"]
        if location_number is None
        or any(location_id.rsplit("/", 1)[-1] == location_number for location_id in variant.get("inventory", {}))
    ]
    return {"nodes": nodes[:250]}


def product_get(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    if variables.get("withStocked"):
        answer["stockedVariants"] = _stocked_variants(simulator, shop, str(variables.get("stockedQuery") or ""))
    product = find_product(simulator, shop, str(variables.get("id") or ""))
    if product is None:
        return {"product": None, **answer}
    return {
        **answer,
        "product": {
            "id": product["id"],
            "title": product["title"],
            "handle": product["handle"],
            "status": product["status"],
            "featuredMedia": _featured(product),
            "options": product["options"],
            "variants": {
                "pageInfo": {"hasNextPage": len(product["variants"]) > 250},
                "nodes": [variant_node(variant) for variant in product["variants"][:250]],
            },
            "media": {
                "pageInfo": {"hasNextPage": len(product["media"]) > 100},
                "nodes": [
                    {"id": item["id"], "mediaContentType": item["mediaContentType"]} for item in product["media"][:100]
                ],
            },
        },
    }


def register(simulator: ShopifySimulator) -> None:
    simulator.graphql_handlers.update(
        {
            "ProductsSearch": products_search,
            "ProductGet": product_get,
            "LocationPrimary": location_primary,
        }
    )
