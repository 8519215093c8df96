"""Reads of the connector app used by other apps."""

from __future__ import annotations

from connector.models import ShopifySession


def shopify_session_has_scope(*, shop: str, scope: str) -> bool:
    """False only when the shop's stored offline token is known to lack ``scope`` (a token
    without a recorded scope, or no token yet, counts as having it: Shopify will say)."""
    granted = ShopifySession.objects.filter(id=ShopifySession.offline_id(shop)).values_list("scope", flat=True).first()
    if not granted:
        return True
    return scope in {part.strip() for part in granted.split(",")}


def shopify_session_granted_scopes(*, shop: str) -> frozenset[str]:
    """The scopes recorded on the shop's offline token (empty when none are recorded)."""
    granted = ShopifySession.objects.filter(id=ShopifySession.offline_id(shop)).values_list("scope", flat=True).first()
    return frozenset(part.strip() for part in (granted or "").split(",") if part.strip())
