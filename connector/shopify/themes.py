"""Theme operations of the Admin GraphQL API, on top of ``ShopifyAdminClient``.

Owns: ``themeCreate``, ``theme(id)`` and ``themes`` (documents ``theme_create``, ``theme_get``,
``themes_list`` in ``queries/``) and the small ``ShopifyTheme`` value they return. Kept apart
from the client so each feature's operations live in their own module. Never imports models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.shopify.errors import ShopifyNoResult
from connector.shopify.graphql import ShopifyAdminClient
from connector.validators import is_ascii_digits

THEME_GID_PREFIX = "gid://shopify/OnlineStoreTheme/"
# Shopify lists at most this many themes per page; a store holds at most 20 (100 development).
THEMES_PAGE_SIZE = 50


@dataclass(frozen=True)
class ShopifyTheme:
    id: str
    name: str
    role: str
    processing: bool
    processing_failed: bool
    created_at: str = ""
    updated_at: str = ""

    @property
    def numeric_id(self) -> str:
        """``123`` of ``gid://shopify/OnlineStoreTheme/123``."""
        tail = self.id.rsplit("/", 1)[-1]
        return tail if is_ascii_digits(tail) else ""


def _theme(raw: Any) -> ShopifyTheme | None:
    if not isinstance(raw, dict) or not raw.get("id"):
        return None
    return ShopifyTheme(
        id=str(raw["id"]),
        name=str(raw.get("name") or ""),
        role=str(raw.get("role") or ""),
        processing=bool(raw.get("processing")),
        processing_failed=bool(raw.get("processingFailed")),
        created_at=str(raw.get("createdAt") or ""),
        updated_at=str(raw.get("updatedAt") or ""),
    )


def theme_create(client: ShopifyAdminClient, *, source: str, name: str, role: str = "UNPUBLISHED") -> ShopifyTheme:
    """Ask Shopify to create a theme from the zip at ``source`` (it fetches it asynchronously).

    Raises ShopifyUserErrors (``code`` e.g. INVALID_ZIP, ZIP_TOO_LARGE,
    THEME_CREATION_NOT_ALLOWED_FOR_THEME_LIMITED_PLAN), ShopifyForbidden (no ``write_themes``),
    and the client's other errors.
    """
    result = client.execute(
        "theme_create", {"source": source, "name": name, "role": role}, user_errors_at="themeCreate"
    )
    theme = _theme((result.data.get("themeCreate") or {}).get("theme"))
    if theme is None:
        raise ShopifyNoResult("themeCreate answered neither a theme nor userErrors")
    return theme


def theme_get(client: ShopifyAdminClient, *, theme_id: str) -> ShopifyTheme | None:
    """The theme with ``theme_id`` (its processing state included), or None when it is gone."""
    result = client.execute("theme_get", {"id": theme_id})
    return _theme(result.data.get("theme"))


def themes_list(client: ShopifyAdminClient) -> list[ShopifyTheme]:
    """The shop's themes (every role), as Shopify orders them."""
    result = client.execute("themes_list", {"first": THEMES_PAGE_SIZE})
    nodes = (result.data.get("themes") or {}).get("nodes") or []
    return [theme for theme in (_theme(node) for node in nodes) if theme is not None]
