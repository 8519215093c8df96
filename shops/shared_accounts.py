"""Shops that share one Ecomdrop account.

Owns: finding the other installed shops connected to the Ecomdrop account a shop is connected
to (``ShopConfiguration.ecomdrop_account_id``, recorded at every connect), and which account
ids more than one shop uses (the admin's groups). What such shops share is account-level in
Ecomdrop: the Dropi token's bot field and the AI profile's bot fields, so the last shop to save
them overwrites the others'. Computed on every read, so a connect, a key of another account, a
disconnect or an uninstall of any of the shops shows at once. Read-only.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery

from shops.models import ShopConfiguration


def _connected() -> QuerySet[ShopConfiguration]:
    """Installed shops with an Ecomdrop key and a known account."""
    return ShopConfiguration.objects.filter(uninstalled_at__isnull=True, ecomdrop_api_key__isnull=False).exclude(
        ecomdrop_account_id=""
    )


def shops_sharing_ecomdrop_account(*, configuration: ShopConfiguration) -> list[str]:
    """The other installed shops connected to the same Ecomdrop account as ``configuration``,
    by domain (none when the shop is not connected or its account is unknown)."""
    if not configuration.ecomdrop_api_key or not configuration.ecomdrop_account_id or not configuration.is_installed:
        return []
    others = _connected().filter(ecomdrop_account_id=configuration.ecomdrop_account_id).exclude(pk=configuration.pk)
    return list(others.order_by("shop").values_list("shop", flat=True))


def shared_ecomdrop_account_ids() -> QuerySet:
    """The Ecomdrop account ids that more than one installed, connected shop uses."""
    return (
        _connected()
        .values("ecomdrop_account_id")
        .annotate(shops=Count("id"))
        .filter(shops__gt=1)
        .values_list("ecomdrop_account_id", flat=True)
    )


def with_account_shop_count(queryset: QuerySet[ShopConfiguration]) -> QuerySet[ShopConfiguration]:
    """``queryset`` with ``account_shop_count``: how many installed, connected shops use each
    row's Ecomdrop account (None when the account is unknown or no such shop uses it)."""
    same_account = (
        _connected()
        .filter(ecomdrop_account_id=OuterRef("ecomdrop_account_id"))
        .order_by()
        .values("ecomdrop_account_id")
        .annotate(count=Count("id"))
        .values("count")
    )
    return queryset.annotate(account_shop_count=Subquery(same_account, output_field=IntegerField()))
