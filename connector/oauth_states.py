"""Single-use nonces of the fallback OAuth flow (a login started outside Shopify Admin).

Owns: issuing a nonce for a shop's authorization redirect and spending it once on the way
back, and keeping the table small whatever unauthenticated clients do: expired nonces go
whenever one is issued, and a shop or a client address keeps only its newest few
(OAUTH_STATES_PER_SHOP, OAUTH_STATES_PER_ADDRESS). Must not call Shopify.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from connector.models import OAuthState

OAUTH_STATE_LIFETIME = datetime.timedelta(minutes=15)


def oauth_state_create(*, shop: str, client_address: str | None = None) -> str:
    """Store a single-use nonce for an OAuth redirect to ``shop`` and return it.

    Also drops nonces older than their lifetime (they can never be used) and the oldest ones
    of the shop and of the client address beyond their caps (only the newest log-ins of a
    merchant who clicked several times can finish).
    """
    state = uuid.uuid4().hex + uuid.uuid4().hex
    OAuthState.objects.filter(created_at__lt=timezone.now() - OAUTH_STATE_LIFETIME).delete()
    OAuthState.objects.create(state=state, shop=shop, client_address=client_address)
    _keep_newest(OAuthState.objects.filter(shop=shop), settings.OAUTH_STATES_PER_SHOP)
    if client_address:
        _keep_newest(OAuthState.objects.filter(client_address=client_address), settings.OAUTH_STATES_PER_ADDRESS)
    return state


def _keep_newest(states: QuerySet[OAuthState], count: int) -> None:
    # MySQL refuses LIMIT inside IN (subquery): the ids to drop are read first.
    older = list(states.order_by("-created_at", "-id").values_list("id", flat=True)[count:])
    if older:
        OAuthState.objects.filter(id__in=older).delete()


def oauth_state_consume(*, shop: str, state: str) -> bool:
    """Spend the nonce: True exactly once for a fresh nonce issued for ``shop``."""
    if not state:
        return False
    deleted, _ = OAuthState.objects.filter(
        state=state, shop=shop, created_at__gte=timezone.now() - OAUTH_STATE_LIFETIME
    ).delete()
    return deleted == 1
