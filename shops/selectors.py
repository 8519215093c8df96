"""Reads of the shops app that other feature apps use (the contract in pyproject.toml lets them
import this module, not shops.models).

Owns: finding a shop's configuration row and the staff-editable Ecomdrop bot field ids.
Must not write.
"""

from __future__ import annotations

from shops.models import EcomdropBotField, ShopConfiguration


def shop_configuration_get(*, shop: str) -> ShopConfiguration | None:
    """The shop's configuration, or None before the shop has one."""
    return ShopConfiguration.objects.filter(shop=shop).first()


def ecomdrop_bot_fields_list(*, key_prefix: str) -> dict[str, EcomdropBotField]:
    """The bot field rows whose key starts with ``key_prefix`` (``ai:``…), by key."""
    return {row.key: row for row in EcomdropBotField.objects.filter(key__startswith=key_prefix)}
