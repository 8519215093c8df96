"""Values shared by the typed Admin API operations, and the readers that build them.

Owns: ``Money`` (a ``Decimal`` amount and its currency code), ``PageInfo`` and the cursor
variables of a paged query, and the small readers the operation modules of this package use to
turn GraphQL answers into those values (connections, money bags, plain fields). The readers are
for this package only: callers outside it get dataclasses, never the dictionaries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

# Shopify answers at most 250 nodes per page of a connection.
MAX_PAGE_SIZE = 250


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency_code: str


@dataclass(frozen=True)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def page_variables(
    *, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
) -> dict[str, Any]:
    """The variables of one page: ``first`` (optionally ``after`` a cursor) or ``last`` (optionally
    ``before`` one). Raises ValueError for both or neither, or a size outside 1–250."""
    if (first is None) == (last is None):
        raise ValueError("ask for either the first or the last nodes of a page")
    size = first if first is not None else last
    if size is None or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"a page holds 1 to {MAX_PAGE_SIZE} nodes")
    if first is not None:
        return {"first": first, **({"after": after} if after else {})}
    return {"last": last, **({"before": before} if before else {})}


# --------------------------------------------------------------------------- readers
def read_object(raw: Any, key: str) -> dict[str, Any]:
    """``raw[key]`` when it is an object, else an empty one (Shopify answers null for absent data)."""
    value = raw.get(key) if isinstance(raw, dict) else None
    return value if isinstance(value, dict) else {}


def read_text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value)


def read_optional_text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return None if value is None else str(value)


def read_nodes(connection: Any) -> list[dict[str, Any]]:
    """The nodes of a connection (``{nodes: [...]}``), objects only."""
    nodes = connection.get("nodes") if isinstance(connection, dict) else None
    return [node for node in nodes or [] if isinstance(node, dict)]


def read_page_info(connection: Any) -> PageInfo:
    info = read_object(connection, "pageInfo")
    return PageInfo(
        has_next_page=bool(info.get("hasNextPage")),
        has_previous_page=bool(info.get("hasPreviousPage")),
        start_cursor=read_optional_text(info, "startCursor"),
        end_cursor=read_optional_text(info, "endCursor"),
    )


def read_has_next_page(connection: Any) -> bool:
    return bool(read_object(connection, "pageInfo").get("hasNextPage"))


def read_shop_money(money_bag: Any) -> Money | None:
    """The shop-currency amount of a ``MoneyBag`` (``{shopMoney: {amount, currencyCode}}``)."""
    money = read_object(money_bag, "shopMoney")
    try:
        amount = Decimal(str(money["amount"]))
    except (KeyError, InvalidOperation):
        return None
    return Money(amount=amount, currency_code=read_text(money, "currencyCode"))


def read_datetime(raw: dict[str, Any], key: str) -> datetime.datetime | None:
    """An ISO 8601 ``DateTime`` field (``2025-01-31T10:00:00Z``); None when absent or unreadable."""
    value = raw.get(key)
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def read_tags(raw: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(tag) for tag in raw.get("tags") or [])
