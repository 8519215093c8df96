"""Location operations of the Admin GraphQL API, on top of ``ShopifyAdminClient``.

Owns: the ``location`` / ``locations`` query (document ``location_primary`` in ``queries/``)
and the ``Location`` values it returns. Which location an app writes stock to is the app's
choice; this module only reads. Must not import models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.values import read_nodes, read_object, read_text


@dataclass(frozen=True)
class Location:
    id: str
    name: str
    is_active: bool
    fulfills_online_orders: bool


@dataclass(frozen=True)
class ShopLocations:
    primary: Location | None
    # The first active locations (10), as Shopify lists them; deactivated ones are left out.
    active: tuple[Location, ...]


def _location(node: dict[str, Any]) -> Location | None:
    if not node.get("id"):
        return None
    return Location(
        id=read_text(node, "id"),
        name=read_text(node, "name"),
        is_active=bool(node.get("isActive", True)),
        fulfills_online_orders=bool(node.get("fulfillsOnlineOrders")),
    )


def location_primary(client: ShopifyAdminClient) -> ShopLocations:
    """The shop's primary location (``location`` without an id) and its first active ones.

    Needs ``read_locations`` (or an inventory scope): raises ShopifyForbidden without it, and
    the client's other errors.
    """
    data = client.execute("location_primary").data
    active = (_location(node) for node in read_nodes(data.get("locations")))
    return ShopLocations(
        primary=_location(read_object(data, "location")),
        active=tuple(location for location in active if location is not None and location.is_active),
    )
