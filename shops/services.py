"""Use cases for a shop's configuration.

Owns: creating the configuration row (with its callback secret), rotating that secret and the
install lifecycle. Must not call vendors.
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from connector import crypto
from connector.validators import validate_shop_domain
from shops.models import ShopConfiguration

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
