"""The install lifecycle of a shop: install, uninstall, purge.

Owns: recording when Shopify granted the app a token (install) and when the merchant
uninstalled it (sessions deleted, automation stopped), ordering the two when their events
arrive late, and deleting every row of a shop in one transaction (``shop/redact``, operator
purges). Must not call vendors.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from connector.sessions import shopify_sessions_delete
from shops.models import ShopConfiguration
from shops.services.configuration import shop_configuration_get_or_create
from webhooks import privacy

logger = logging.getLogger(__name__)

# Clocks of Shopify and this server may differ this much: an uninstall triggered within it of
# a grant's request counts as after the grant.
INSTALL_CLOCK_MARGIN = datetime.timedelta(seconds=5)


def shop_install(*, shop: str, requested_at: datetime.datetime | None = None) -> ShopConfiguration:
    """Create or revive the shop's configuration because Shopify is granting us a token (token
    exchange or OAuth, asked for at ``requested_at``); call it before storing that token.

    ``installed_at`` becomes the time the grant was asked for, less a clock margin: an
    ``app/uninstalled`` event triggered before that is older than this installation and
    ``shop_uninstall`` ignores it, even when the worker only reaches it now; one triggered
    later (while the grant was in flight, or after) is a real uninstall. An uninstalled shop is
    marked installed again (its previous settings, if any survived, are kept); the shop's time
    zone is read again by the next page.
    """
    configuration, _created = shop_configuration_get_or_create(shop=shop)
    now = timezone.now()
    installed_at = min(requested_at or now, now) - INSTALL_CLOCK_MARGIN
    # Waits for an uninstall holding the row: whichever commits first, the other sees it.
    # The time zone is forgotten: the next page reads it with the new token (time_zone.py).
    ShopConfiguration.objects.filter(pk=configuration.pk).update(
        installed_at=installed_at, uninstalled_at=None, iana_timezone="", updated_at=now
    )
    configuration.refresh_from_db()
    return configuration


def shop_uninstall(*, shop: str, uninstalled_at: datetime.datetime) -> bool:
    """Record that the app was uninstalled from ``shop`` at ``uninstalled_at``: delete its
    Shopify sessions (Shopify has already revoked the token) and mark the configuration
    uninstalled, which stops its automation. Settings and data stay until ``shop/redact``.

    Idempotent (the first uninstall time is kept). Returns False, changing nothing, when the
    shop was installed again after ``uninstalled_at`` (a late or replayed event); a shop that
    never installed has only its sessions (if any) deleted.
    """
    with transaction.atomic():
        configuration = ShopConfiguration.objects.select_for_update().filter(shop=shop).first()
        if configuration is not None and configuration.installed_at and configuration.installed_at > uninstalled_at:
            logger.info("Ignored an uninstall older than the last install", extra={"shop": shop})
            return False
        sessions = shopify_sessions_delete(shop=shop)
        if configuration is not None and configuration.uninstalled_at is None:
            ShopConfiguration.objects.filter(pk=configuration.pk).update(
                uninstalled_at=uninstalled_at, updated_at=timezone.now()
            )
    logger.info("Shop uninstalled", extra={"shop": shop, "sessions_deleted": sessions})
    return True


def shop_purge(*, shop: str, unless_installed_after: datetime.datetime | None = None) -> dict[str, int] | None:
    """Delete every row of ``shop`` in every table (each app's registered shop eraser), in one
    transaction: ``shop/redact`` and operator purges. Returns rows deleted per eraser.

    The shop's own ``shop/redact`` webhook events are kept: they hold no personal data and are
    the record that the purge happened. With ``unless_installed_after``, a shop installed
    again after that moment is left untouched and None is returned (Shopify does not redact a
    reinstalled shop; a late event must not either).
    """
    with transaction.atomic():
        if unless_installed_after is not None:
            reinstalled = ShopConfiguration.objects.filter(
                shop=shop, uninstalled_at__isnull=True, installed_at__gt=unless_installed_after
            ).exists()
            if reinstalled:
                logger.info("Did not purge a shop installed again after the request", extra={"shop": shop})
                return None
        counts = {name: eraser(shop=shop) for name, eraser in privacy.shop_erasers()}
    logger.info("Purged a shop's data", extra={"shop": shop, "rows": sum(counts.values())})
    return counts
