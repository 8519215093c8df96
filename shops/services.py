"""Use cases for a shop's configuration.

Owns: creating the configuration row (with its callback secret), rotating that secret, the
install lifecycle (install, uninstall) and purging every row of a shop. Must not call vendors.
"""

from __future__ import annotations

import datetime
import logging
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from connector import crypto, privacy
from connector.validators import validate_shop_domain
from shops.models import ShopConfiguration

logger = logging.getLogger(__name__)

CALLBACK_SECRET_BYTES = 32  # 43 url-safe characters
CALLBACK_HASH_PURPOSE = "shops.callback-secret"


def callback_secret_hash(secret: str) -> str:
    """The keyed hash stored next to the encrypted secret for look-ups."""
    return crypto.keyed_hashes(secret, purpose=CALLBACK_HASH_PURPOSE)[0]


def callback_secret_hash_candidates(secret: str) -> list[str]:
    """Every hash ``secret`` may be stored under (current and fallback SECRET_KEYs)."""
    return crypto.keyed_hashes(secret, purpose=CALLBACK_HASH_PURPOSE)


def _assign_new_callback_secret(configuration: ShopConfiguration) -> None:
    secret = secrets.token_urlsafe(CALLBACK_SECRET_BYTES)
    configuration.callback_secret = secret
    configuration.callback_secret_hash = callback_secret_hash(secret)


def shop_configuration_get_or_create(*, shop: str) -> tuple[ShopConfiguration, bool]:
    """Return the shop's configuration, creating it (with a fresh callback secret) if missing.

    Idempotent and safe under concurrency: a racing insert is answered with the existing row.
    Raises ValidationError for an invalid shop domain.
    """
    validate_shop_domain(shop)
    existing = ShopConfiguration.objects.filter(shop=shop).first()
    if existing is not None:
        return existing, False
    configuration = ShopConfiguration(shop=shop)
    _assign_new_callback_secret(configuration)
    try:
        with transaction.atomic():
            configuration.save(force_insert=True)
    except IntegrityError:
        return ShopConfiguration.objects.get(shop=shop), False
    return configuration, True


def shop_configuration_ensure_callback_secret(*, configuration: ShopConfiguration) -> None:
    """Give ``configuration`` a callback secret if it has none (unsaved; the caller saves)."""
    if not configuration.callback_secret:
        _assign_new_callback_secret(configuration)


def shop_configuration_rotate_callback_secret(*, configuration: ShopConfiguration) -> None:
    """Replace the shop's callback secret; the old one stops working at once."""
    _assign_new_callback_secret(configuration)
    configuration.save(update_fields=["callback_secret", "callback_secret_hash", "updated_at"])


def shop_install(*, shop: str) -> ShopConfiguration:
    """Create or revive the shop's configuration after Shopify granted us a token.

    Idempotent: an installed shop is left as it is; an uninstalled one is marked installed
    again (its previous settings, if any survived, are kept).
    """
    configuration, created = shop_configuration_get_or_create(shop=shop)
    if created or configuration.installed_at is None or configuration.uninstalled_at is not None:
        now = timezone.now()
        ShopConfiguration.objects.filter(pk=configuration.pk).update(
            installed_at=now, uninstalled_at=None, updated_at=now
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
    from connector.services import shopify_sessions_delete

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
