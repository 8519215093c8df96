"""Single-use nonces of the fallback OAuth flow (a login started outside Shopify Admin).

Owns: issuing a nonce for a shop's authorization redirect and spending it once on the way
back. Must not call Shopify.
"""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from connector.models import OAuthState

OAUTH_STATE_LIFETIME = datetime.timedelta(minutes=15)


def oauth_state_create(*, shop: str) -> str:
    """Store a single-use nonce for an OAuth redirect to ``shop`` and return it.

    Also drops nonces older than their lifetime (housekeeping; they can never be used).
    """
    state = uuid.uuid4().hex + uuid.uuid4().hex
    OAuthState.objects.filter(created_at__lt=timezone.now() - OAUTH_STATE_LIFETIME).delete()
    OAuthState.objects.create(state=state, shop=shop)
    return state


def oauth_state_consume(*, shop: str, state: str) -> bool:
    """Spend the nonce: True exactly once for a fresh nonce issued for ``shop``."""
    if not state:
        return False
    deleted, _ = OAuthState.objects.filter(
        state=state, shop=shop, created_at__gte=timezone.now() - OAUTH_STATE_LIFETIME
    ).delete()
    return deleted == 1
