"""Publications (sales channels) for the Shopify simulator: ``publications`` and
``publishablePublish``, with Shopify's scope checks (``read_publications`` /
``write_publications``, else a top-level ``ACCESS_DENIED``) and its ``userErrors`` for an
unknown product or publication.

A shop starts with the Online Store and Point of Sale; ``add_publication`` adds others. Each
product remembers the publications it is on (``product["publications"]``). Take a scope away
with ``grant_scopes`` of the tests (the missing-scope switch) to see the refusal.
"""

from __future__ import annotations

import itertools
from typing import Any

from simulators.shopify import ShopifySimulator
from simulators.shopify_products import find_product

DEFAULT_PUBLICATIONS = ("Online Store", "Point of Sale")
_ids = itertools.count(120_000_000_001)


def _new_gid() -> str:
    return f"gid://shopify/Publication/{next(_ids)}"


def publications(simulator: ShopifySimulator, shop: str) -> list[dict[str, Any]]:
    """The shop's publications (created with the defaults on first use)."""
    data = simulator.shop_data.setdefault(shop, {})
    if "publications" not in data:
        data["publications"] = [{"id": _new_gid(), "title": title} for title in DEFAULT_PUBLICATIONS]
    return data["publications"]


def add_publication(simulator: ShopifySimulator, shop: str, title: str) -> dict[str, Any]:
    """Another sales channel of the shop (Shop, Facebook & Instagram, Google…)."""
    publication = {"id": _new_gid(), "title": title}
    publications(simulator, shop).append(publication)
    return publication


def publication_named(simulator: ShopifySimulator, shop: str, title: str) -> dict[str, Any]:
    return next(publication for publication in publications(simulator, shop) if publication["title"] == title)


def publications_list(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    simulator.require_scope(shop, "read_publications", field_name="publications")
    first = int(variables.get("first") or 0)
    nodes = [{"id": item["id"], "catalog": {"title": item["title"]}} for item in publications(simulator, shop)]
    return {"publications": {"nodes": nodes[:first]}}


def publishable_publish(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    simulator.require_scope(shop, "write_publications", field_name="publishablePublish")
    product = find_product(simulator, shop, str(variables.get("id", "")))
    if product is None:
        return _refused(["id"], "Product does not exist")
    known = {item["id"] for item in publications(simulator, shop)}
    wanted = [str(entry.get("publicationId", "")) for entry in variables.get("input") or []]
    for index, publication_id in enumerate(wanted):
        if publication_id not in known:
            return _refused(["input", str(index), "publicationId"], "Publication does not exist")
    on = product.setdefault("publications", [])
    on.extend(publication_id for publication_id in wanted if publication_id not in on)
    return {"publishablePublish": {"publishable": {"id": product["id"]}, "userErrors": []}}


def _refused(field: list[str], message: str) -> dict[str, Any]:
    return {"publishablePublish": {"publishable": None, "userErrors": [{"field": field, "message": message}]}}


def register(simulator: ShopifySimulator) -> None:
    simulator.graphql_handlers.update(
        {"PublicationsList": publications_list, "PublishablePublish": publishable_publish}
    )
