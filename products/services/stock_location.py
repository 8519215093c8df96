"""Where an import writes Dropi's stock: the shop's stock location.

Owns: choosing the location (the primary one when it is active, else the first active one
that fulfils online orders, else the first active one), caching the choice per shop, forgetting
it when Shopify refuses it, and what an import does without one (no stock, and a warning
saying why). Reads Shopify through ``connector.shopify.locations``. Must not write stock
(``imports`` does) nor trust a location Shopify refused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext as _

from connector.selectors import shopify_session_has_scope
from connector.shopify.errors import ShopifyError, ShopifyForbidden
from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.locations import Location, ShopLocations, location_primary
from products.services.shopify_errors import permission_warning, shopify_error_as_product_error

logger = logging.getLogger(__name__)

# A shop's locations rarely change; an import that finds the cached one gone forgets it.
LOCATION_CACHE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class StockLocation:
    id: str
    name: str


def stock_location_choose(locations: ShopLocations) -> Location | None:
    """The primary location when it is active, else the first active one that fulfils online
    orders, else the first active one; None when the shop has no active location."""
    if locations.primary is not None and locations.primary.is_active:
        return locations.primary
    online = [location for location in locations.active if location.fulfills_online_orders]
    return next(iter(online or locations.active), None)


def _location_key(shop: str) -> str:
    return f"shopify:stock-location:{shop}"


def stock_location_get(*, shop: str, client: ShopifyAdminClient) -> StockLocation | None:
    """The shop's stock location, cached per shop for ``LOCATION_CACHE_SECONDS``; one
    ``LocationPrimary`` call otherwise.

    Returns None when the shop has no active location. Raises ShopifyForbidden when the token
    lacks ``read_locations`` (and every inventory scope), other ShopifyErrors as the client does.
    """
    cached = cache.get(_location_key(shop))
    if cached:
        return StockLocation(id=cached["id"], name=cached["name"])
    chosen = stock_location_choose(location_primary(client))
    if chosen is None:
        return None
    location = StockLocation(id=chosen.id, name=chosen.name)
    cache.set(_location_key(shop), {"id": location.id, "name": location.name}, LOCATION_CACHE_SECONDS)
    return location


def stock_location_forget(*, shop: str) -> None:
    """Drop the cached stock location (Shopify refused it: deactivated or deleted meanwhile)."""
    cache.delete(_location_key(shop))


def stock_location_for_import(*, shop: str, client: ShopifyAdminClient) -> tuple[StockLocation | None, list[str]]:
    """Where an import writes Dropi's stock, or None and a warning saying why it cannot: the
    import goes on without stock when the permission is missing or the shop has no active
    location. Raises ApplicationError when Shopify fails otherwise."""
    if not shopify_session_has_scope(shop=shop, scope="write_inventory"):
        return None, [permission_warning()]
    try:
        location = stock_location_get(shop=shop, client=client)
    except ShopifyForbidden:
        logger.info("No permission to read the shop's locations", extra={"shop": shop})
        return None, [permission_warning()]
    except ShopifyError as error:
        raise shopify_error_as_product_error(error) from error
    if location is None:
        return None, [_("The stock was not written to Shopify: the shop has no active location.")]
    return location, []
