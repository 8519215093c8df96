"""Reads of the shops app that other feature apps use (the contract in pyproject.toml lets them
import this module, not shops.models).

Owns: finding a shop's configuration row, the staff-editable Ecomdrop bot field ids, and the
departments the Pedidos address form suggests. Must not write.
"""

from __future__ import annotations

from connector.db_rows import row_instance
from shops.models import DropiDepartment, EcomdropBotField, ShopConfiguration


def shop_configuration_get(*, shop: str) -> ShopConfiguration | None:
    """The shop's configuration, or None before the shop has one. Read for every batch of
    orders a worker claims: the statement is written once (``connector.db_rows``)."""
    return row_instance(ShopConfiguration, {"shop": shop})


def ecomdrop_bot_fields_list(*, key_prefix: str) -> dict[str, EcomdropBotField]:
    """The bot field rows whose key starts with ``key_prefix`` (``ai:``…), by key."""
    return {row.key: row for row in EcomdropBotField.objects.filter(key__startswith=key_prefix)}


def dropi_departments_by_country() -> dict[str, list[dict[str, str]]]:
    """Each country's provinces as the address form suggests them: Shopify's code and name, and
    the Dropi department the code stands for (the staff-editable table)."""
    departments: dict[str, list[dict[str, str]]] = {}
    for row in DropiDepartment.objects.order_by("country", "province_name"):
        departments.setdefault(row.country, []).append(
            {"code": row.province_code, "name": row.province_name, "dropi_name": row.dropi_name}
        )
    return departments
