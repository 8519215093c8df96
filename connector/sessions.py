"""Shopify sessions: the offline access token of every shop.

Owns: token exchange (a session token traded for an expiring offline token), the OAuth code
exchange of the fallback login, storing the tokens, refreshing them under a lease so that one
process spends a refresh token, re-authorization state, the Admin API client for a shop,
asking Shopify whether the app is still installed, and deleting a shop's sessions or updating
their scopes. No transaction is ever held open across
an HTTP call.
"""

from __future__ import annotations

import datetime
import logging
import random
import time
import uuid
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connector.models import ShopifySession
from connector.secrets import Secret
from connector.shopify.app_installation import app_installation_current
from connector.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyForbidden,
    ShopifyGraphQLError,
    ShopifyNotFound,
    ShopifyReauthorizationRequired,
    ShopifyUnavailable,
)
from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.oauth import ShopifyOAuthClient, TokenSet
from connector.shopify.session_tokens import SessionToken
from connector.signals import shop_authorized

logger = logging.getLogger(__name__)

# Refresh this long before the access token expires (Shopify issues them for one hour).
REFRESH_MARGIN = datetime.timedelta(minutes=5)
# The refresh lease is at least this long, and longer than the refresh call can take.
REFRESH_LEASE_MINIMUM = datetime.timedelta(seconds=30)
REFRESH_LEASE_MARGIN = datetime.timedelta(seconds=10)
# How long another process waits for that refresh to finish before giving up (retryable).
REFRESH_WAIT_SECONDS = 20.0


def _refresh_lease() -> datetime.timedelta:
    """How long one process may hold the refresh lease: longer than the refresh call can last
    (connecting and reading may each take HTTP_TIMEOUT_SECONDS), so that no other process
    takes the lease, and spends the same refresh token, while the call is still running."""
    call = datetime.timedelta(seconds=2 * float(settings.HTTP_TIMEOUT_SECONDS))
    return max(REFRESH_LEASE_MINIMUM, call + REFRESH_LEASE_MARGIN)


def _needs_refresh(session: ShopifySession, *, now: datetime.datetime) -> bool:
    return session.expires is not None and session.expires <= now + REFRESH_MARGIN


def shopify_session_store(*, shop: str, tokens: TokenSet) -> ShopifySession:
    """Save ``tokens`` as the shop's offline session (``offline_{shop}``), clearing any lease
    and re-authorization flag. Idempotent upsert; the tokens are encrypted by the model field."""
    session, _ = ShopifySession.objects.update_or_create(
        id=ShopifySession.offline_id(shop),
        defaults={
            "shop": shop,
            "is_online": False,
            "state": "",
            "scope": tokens.scope,
            "access_token": tokens.access_token,
            "expires": tokens.expires_at,
            "refresh_token": tokens.refresh_token,
            "refresh_token_expires": tokens.refresh_token_expires_at,
            "refresh_lock_until": None,
            "refresh_lock_owner": "",
            "reauthorization_required_at": None,
        },
    )
    return session


def shopify_session_exchange(*, session_token: SessionToken) -> ShopifySession:
    """Trade a verified session token for an expiring offline token, announce the grant
    (``shop_authorized``: the shops app installs the shop) and store the token.

    Calls Shopify (no transaction open meanwhile). Raises ShopifyAuthError when Shopify refuses
    the session token, ShopifyUnavailable when it cannot be reached; an exception of a
    receiver propagates and the token is not stored.
    """
    requested_at = timezone.now()
    tokens = ShopifyOAuthClient().exchange_session_token(shop=session_token.shop, session_token=session_token.raw)
    # Announce first: an uninstall event older than this grant then leaves the new token alone.
    shop_authorized.send(sender=ShopifySession, shop=session_token.shop, requested_at=requested_at)
    session = shopify_session_store(shop=session_token.shop, tokens=tokens)
    logger.info("Stored a new offline token by token exchange", extra={"shop": session_token.shop})
    return session


# shop -> (checked at, access-token expiry): shops whose offline token was usable a moment ago.
_usable_sessions: dict[str, tuple[float, datetime.datetime | None]] = {}


def _remember_usable(shop: str, expires: datetime.datetime | None) -> None:
    _usable_sessions[shop] = (time.monotonic(), expires)


def shopify_session_cache_clear() -> None:
    """Forget which shops had a usable token (tests; other processes expire on their own)."""
    _usable_sessions.clear()


def _replace_non_expiring_token(*, session: ShopifySession, session_token: SessionToken) -> ShopifySession:
    """Trade a stored non-expiring offline token (the old app's, or import_prisma's) for an
    expiring one. Shopify refuses non-expiring tokens for public apps from 2027-01-01
    (platforms.md › Expiring offline tokens), so any embedded request is the moment to swap.
    A failed exchange keeps the stored token, which still works for background work; the next
    request tries again."""
    try:
        return shopify_session_exchange(session_token=session_token)
    except ShopifyError as error:
        logger.warning(
            "Could not replace the non-expiring offline token (%s); the stored one stays in use",
            type(error).__name__,
            extra={"shop": session.shop},
        )
        return session


def shopify_session_for_request(*, session_token: SessionToken, is_document: bool = False) -> None:
    """Make sure the shop of an embedded request has a usable expiring offline token: exchange
    the session token when it has none, must re-authorize or only has a non-expiring token (no
    refresh token); refresh one about to expire.

    For its fetches, a shop seen usable less than EMBEDDED_SESSION_CACHE_SECONDS ago (per
    process) is trusted without a query; an uninstall is noticed within that time at the
    latest. A page load (``is_document``) always reads the stored session: a token Shopify
    refused meanwhile (re-authorization required) is exchanged again at once.
    """
    shop = session_token.shop
    now = timezone.now()
    remembered = None if is_document else _usable_sessions.get(shop)
    cache_seconds = getattr(settings, "EMBEDDED_SESSION_CACHE_SECONDS", 30)
    if remembered is not None and time.monotonic() - remembered[0] < cache_seconds:
        expires = remembered[1]
        if expires is None or expires > now + REFRESH_MARGIN:
            return
    session = ShopifySession.objects.filter(id=ShopifySession.offline_id(shop)).first()
    if session is None or session.reauthorization_required_at is not None or not session.access_token:
        session = shopify_session_exchange(session_token=session_token)
    elif not session.refresh_token:
        session = _replace_non_expiring_token(session=session, session_token=session_token)
    elif _needs_refresh(session, now=now):
        try:
            shopify_access_token_refresh(shop=shop, stale_token=session.access_token.reveal())
        except ShopifyAuthError:
            session = shopify_session_exchange(session_token=session_token)
        else:
            session.refresh_from_db()
    _remember_usable(shop, session.expires)


def shopify_access_token_get(*, shop: str) -> str:
    """The shop's current offline access token, refreshed first when it is about to expire.

    Raises ShopifyReauthorizationRequired when the shop has no usable token.
    """
    session = ShopifySession.objects.filter(id=ShopifySession.offline_id(shop)).first()
    if session is None or not session.access_token:
        raise ShopifyReauthorizationRequired(f"No offline token stored for {shop}")
    if session.reauthorization_required_at is not None:
        raise ShopifyReauthorizationRequired(f"{shop} must reopen the app from Shopify Admin")
    if _needs_refresh(session, now=timezone.now()):
        return shopify_access_token_refresh(shop=shop, stale_token=session.access_token.reveal())
    return session.access_token.reveal()


def _claim_refresh_lease(*, shop: str, stale_token: str | None, owner: str) -> tuple[str | None, str | None]:
    """Either return a fresher token someone else stored, or claim the lease and return the
    refresh token to spend. Returns (fresh_token, refresh_token); both None means: wait."""
    now = timezone.now()
    with transaction.atomic():
        session = ShopifySession.objects.select_for_update().filter(id=ShopifySession.offline_id(shop)).first()
        if session is None or not session.access_token:
            raise ShopifyReauthorizationRequired(f"No offline token stored for {shop}")
        if session.reauthorization_required_at is not None:
            raise ShopifyReauthorizationRequired(f"{shop} must reopen the app from Shopify Admin")
        current = session.access_token.reveal()
        if current != stale_token and not _needs_refresh(session, now=now):
            return current, None
        if session.refresh_lock_until is not None and session.refresh_lock_until > now:
            return None, None
        if not session.refresh_token:
            # A non-expiring (legacy) token that Shopify refused: only a new exchange helps.
            session.reauthorization_required_at = now
            session.save(update_fields=["reauthorization_required_at", "updated_at"])
            _usable_sessions.pop(shop, None)
            raise ShopifyReauthorizationRequired(f"{shop} has no refresh token; it must reopen the app")
        session.refresh_lock_until = now + _refresh_lease()
        session.refresh_lock_owner = owner
        session.save(update_fields=["refresh_lock_until", "refresh_lock_owner", "updated_at"])
        return None, session.refresh_token.reveal()


def shopify_access_token_refresh(*, shop: str, stale_token: str | None) -> str:
    """Return an access token newer than ``stale_token``, refreshing it when nobody else has.

    One process at a time holds a lease on the session row (claimed and released in short
    transactions; the HTTP call runs outside them), so a refresh token is spent once; the
    others wait and read the rotated pair. The rotated pair is stored only while the lease is
    still ours: a call that outlived it leaves the next owner's tokens alone (and returns its
    own access token, which Shopify issued and accepts). A refused refresh token marks the shop
    as needing re-authorization (no retry loop) and raises ShopifyReauthorizationRequired.
    """
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + REFRESH_WAIT_SECONDS
    while True:
        fresh, refresh_token = _claim_refresh_lease(shop=shop, stale_token=stale_token, owner=owner)
        if fresh is not None:
            return fresh
        if refresh_token is not None:
            break
        if time.monotonic() > deadline:
            raise ShopifyUnavailable(f"Another process is still refreshing the token of {shop}")
        time.sleep(0.05 + random.random() * 0.1)  # noqa: S311 (jitter, not security)

    try:
        tokens = ShopifyOAuthClient().refresh(shop=shop, refresh_token=refresh_token)
    except ShopifyAuthError as error:
        ShopifySession.objects.filter(id=ShopifySession.offline_id(shop), refresh_lock_owner=owner).update(
            reauthorization_required_at=timezone.now(), refresh_lock_until=None, refresh_lock_owner=""
        )
        _usable_sessions.pop(shop, None)  # this process's next request exchanges again at once
        logger.warning("Shopify refused the refresh token; re-authorization required", extra={"shop": shop})
        raise ShopifyReauthorizationRequired(f"Shopify refused the refresh token of {shop}") from error
    except Exception:
        ShopifySession.objects.filter(id=ShopifySession.offline_id(shop), refresh_lock_owner=owner).update(
            refresh_lock_until=None, refresh_lock_owner=""
        )
        raise
    updates = {
        "access_token": Secret(tokens.access_token),
        "expires": tokens.expires_at,
        "refresh_token": Secret(tokens.refresh_token) if tokens.refresh_token else None,
        "refresh_token_expires": tokens.refresh_token_expires_at,
        "refresh_lock_until": None,
        "refresh_lock_owner": "",
        "updated_at": timezone.now(),
    }
    if tokens.scope:
        updates["scope"] = tokens.scope
    stored = ShopifySession.objects.filter(id=ShopifySession.offline_id(shop), refresh_lock_owner=owner).update(
        **updates
    )
    if not stored:
        logger.warning("A token refresh outlived its lease; the newer tokens were kept", extra={"shop": shop})
        return tokens.access_token
    logger.info("Refreshed the offline access token", extra={"shop": shop})
    return tokens.access_token


class ShopTokenProvider:
    """Token source of the GraphQL client, backed by the shop's offline session."""

    def __init__(self, shop: str) -> None:
        self.shop = shop

    def access_token(self) -> str:
        return shopify_access_token_get(shop=self.shop)

    def refreshed_access_token(self, stale_token: str) -> str:
        return shopify_access_token_refresh(shop=self.shop, stale_token=stale_token)


def shopify_admin_client(*, shop: str) -> ShopifyAdminClient:
    """The Admin GraphQL client for ``shop`` with its stored (and refreshed) offline token."""
    return ShopifyAdminClient(shop=shop, tokens=ShopTokenProvider(shop))


def shopify_app_installed(*, shop: str) -> bool:
    """Ask Shopify whether the app is still installed on ``shop``, by using its offline token:
    an uninstall revokes the token, a reinstall gives the app a new one that is stored here.

    False when the shop has no usable token, Shopify refuses it (refreshing it first when it
    has expired) or the shop is gone. True for any answer given to an accepted token, even a
    refusal of something else (a frozen shop's 402). Raises the client's retryable errors
    (ShopifyUnavailable, ShopifyThrottled) when Shopify cannot tell right now, and its other
    errors when the answer says nothing about the token. Calls Shopify; no transaction open.
    """
    try:
        app_installation_current(shopify_admin_client(shop=shop))
    except (ShopifyAuthError, ShopifyNotFound):
        return False
    except (ShopifyForbidden, ShopifyGraphQLError):
        return True
    return True


def shopify_session_from_code(*, shop: str, code: str) -> ShopifySession:
    """Finish the fallback OAuth install: trade the code for a token, announce the grant
    (``shop_authorized``) and store the token; as ``shopify_session_exchange`` otherwise."""
    requested_at = timezone.now()
    tokens = ShopifyOAuthClient().exchange_code(shop=shop, code=code)
    # Announce first: an uninstall event older than this grant then leaves the new token alone.
    shop_authorized.send(sender=ShopifySession, shop=shop, requested_at=requested_at)
    session = shopify_session_store(shop=shop, tokens=tokens)
    logger.info("Stored a new offline token by OAuth", extra={"shop": shop})
    return session


def shopify_sessions_delete(*, shop: str) -> int:
    """Delete every Shopify session (offline and online) of ``shop``; returns how many."""
    deleted, _ = ShopifySession.objects.filter(shop=shop).delete()
    return deleted


def shopify_session_scopes_update(*, shop: str, scopes: Sequence[str]) -> bool:
    """Store the scopes Shopify granted on the shop's offline session (comma-separated, as
    Shopify writes them). Idempotent; returns False when the shop has no offline session."""
    updated = ShopifySession.objects.filter(id=ShopifySession.offline_id(shop)).update(
        scope=",".join(scope.strip() for scope in scopes if scope.strip()), updated_at=timezone.now()
    )
    return updated == 1
