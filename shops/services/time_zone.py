"""The shop's time zone, in which every page shows its dates.

Owns: reading the shop's IANA time zone from Shopify (``shop_info``) and keeping it on the
shop's configuration: forgotten at every install (token exchange), so that the next page reads
it again, and read when it is missing. Must not hold a transaction across the Shopify call;
while Shopify cannot say, the pages use the server's zone and ask again after a pause.
"""

from __future__ import annotations

import logging
import zoneinfo

from django.core.cache import cache

from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError
from connector.shopify.shop import shop_info
from shops.models import ShopConfiguration

logger = logging.getLogger(__name__)

# After a failed read, page loads use the server's zone this long before Shopify is asked again.
RETRY_AFTER_FAILURE_SECONDS = 5 * 60


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def shop_time_zone_refresh(*, shop: str) -> str:
    """Read the shop's time zone from Shopify and store it; return it ("" when Shopify fails
    or names a zone this server does not know: nothing is stored then)."""
    try:
        name = shop_info(shopify_admin_client(shop=shop)).iana_timezone
    except ShopifyError as error:
        logger.info("Shop time zone unavailable (%s)", type(error).__name__, extra={"shop": shop})
        return ""
    if not _known_zone(name):
        logger.warning("Shopify named an unknown time zone", extra={"shop": shop, "time_zone": name[:64]})
        return ""
    ShopConfiguration.objects.filter(shop=shop).update(iana_timezone=name)
    return name


def shop_time_zone_get(*, shop: str) -> str:
    """The shop's IANA time zone; read from Shopify when it is not stored yet (at most once
    every RETRY_AFTER_FAILURE_SECONDS while Shopify fails). "" when unknown, and for a shop
    without a configuration (not installed: there is nowhere to keep it)."""
    stored = ShopConfiguration.objects.filter(shop=shop).values_list("iana_timezone", flat=True).first()
    if stored is None or stored:
        return stored or ""
    if not cache.add(f"shops:time-zone-read:{shop}", 1, RETRY_AFTER_FAILURE_SECONDS):
        return ""
    name = shop_time_zone_refresh(shop=shop)
    if name:  # stored now: the next read must not be held back
        cache.delete(f"shops:time-zone-read:{shop}")
    return name
