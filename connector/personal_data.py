"""What the connector app holds per shop (listed in settings.PERSONAL_DATA, run by the privacy
topics of the webhooks app): Shopify sessions (tokens; staff names and e-mails of online
sessions) and OAuth nonces. No customer data.
"""

from __future__ import annotations

from connector.models import OAuthState, ShopifySession


def erase_shop_sessions(*, shop: str) -> int:
    deleted = 0
    for queryset in (ShopifySession.objects.filter(shop=shop), OAuthState.objects.filter(shop=shop)):
        count, _ = queryset.delete()
        deleted += count
    return deleted
