"""Shopify access tokens: token exchange, refresh of expiring tokens, and the OAuth fallback.

Owns: the HTTP calls to ``/admin/oauth/access_token`` (through connector/http.py) and the
verification of OAuth callback queries. Takes primitives, returns ``TokenSet``; never imports
models and never logs tokens.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from connector import http
from connector.shopify.errors import ShopifyAuthError, ShopifyError, ShopifyUnavailable
from connector.validators import parse_ascii_int

logger = logging.getLogger(__name__)

# OAuth 2.0 token-exchange URNs (RFC 8693 and Shopify's token types), not credentials.
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105
ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token"  # noqa: S105
CALLBACK_MAX_AGE = datetime.timedelta(hours=24)
# A callback may carry a timestamp this far ahead of this server's clock.
CALLBACK_CLOCK_SKEW = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class AssociatedUser:
    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    email_verified: bool | None
    account_owner: bool
    locale: str | None
    collaborator: bool | None


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    scope: str
    expires_at: datetime.datetime | None
    refresh_token: str | None
    refresh_token_expires_at: datetime.datetime | None
    associated_user: AssociatedUser | None = None

    def __repr__(self) -> str:  # tokens never appear in logs or tracebacks
        return f"TokenSet(scope={self.scope!r}, expires_at={self.expires_at!r})"


def admin_origin(shop: str) -> str:
    """Base URL of ``shop``'s Admin (``SHOPIFY_ADMIN_ORIGIN``, normally ``https://{shop}``)."""
    return settings.SHOPIFY_ADMIN_ORIGIN.format(shop=shop).rstrip("/")


class ShopifyOAuthClient:
    """Calls Shopify's token endpoint for one app (client id and secret from settings)."""

    def __init__(self, *, session: http.Session | None = None) -> None:
        self.api_key = settings.SHOPIFY_API_KEY
        self.api_secret = settings.SHOPIFY_API_SECRET
        self.timeout = settings.HTTP_TIMEOUT_SECONDS
        self.session = session  # None: the process's shared pools (connector/http.py)

    def exchange_session_token(self, *, shop: str, session_token: str, online: bool = False) -> TokenSet:
        """Trade an App Bridge session token for an access token (expiring when offline)."""
        data = {
            "client_id": self.api_key,
            "client_secret": self.api_secret,
            "grant_type": TOKEN_EXCHANGE_GRANT,
            "subject_token": session_token,
            "subject_token_type": ID_TOKEN_TYPE,
            "requested_token_type": ONLINE_TOKEN_TYPE if online else OFFLINE_TOKEN_TYPE,
        }
        if not online:
            data["expiring"] = "1"
        return self._token_request(shop=shop, data=data, operation="token exchange")

    def refresh(self, *, shop: str, refresh_token: str) -> TokenSet:
        """Spend ``refresh_token`` for a new access/refresh pair (the refresh token rotates)."""
        data = {
            "client_id": self.api_key,
            "client_secret": self.api_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        return self._token_request(shop=shop, data=data, operation="token refresh")

    def exchange_code(self, *, shop: str, code: str) -> TokenSet:
        """Trade an OAuth authorization code (fallback install flow) for an expiring offline token."""
        data = {"client_id": self.api_key, "client_secret": self.api_secret, "code": code, "expiring": "1"}
        return self._token_request(shop=shop, data=data, operation="code exchange")

    def authorize_url(self, *, shop: str, scopes: str, redirect_uri: str, state: str) -> str:
        query = urlencode({"client_id": self.api_key, "scope": scopes, "redirect_uri": redirect_uri, "state": state})
        return f"https://{shop}/admin/oauth/authorize?{query}"

    def _token_request(self, *, shop: str, data: dict[str, str], operation: str) -> TokenSet:
        url = f"{admin_origin(shop)}/admin/oauth/access_token"
        headers = {"Accept": "application/json"}
        try:
            response = http.request("POST", url, data=data, headers=headers, timeout=self.timeout, session=self.session)
        except http.HttpError as failure:
            logger.warning("Shopify %s failed: %s", operation, failure.reason.value, extra={"shop": shop})
            error_class = ShopifyError if failure.kind is http.Kind.FINAL else ShopifyUnavailable
            raise error_class(f"Shopify {operation} failed: {failure.reason.value}") from failure
        status = response.status_code
        if status >= 500 or status == 429:
            raise ShopifyUnavailable(f"Shopify {operation} answered {status}", status=status)
        if status in (400, 401, 403):
            logger.warning("Shopify %s refused (%s)", operation, status, extra={"shop": shop})
            raise ShopifyAuthError(f"Shopify refused the {operation} ({status})", status=status)
        if status != 200:
            raise ShopifyError(f"Shopify {operation} answered {status}", status=status)
        try:
            body = http.read_json(response)
            access_token = body["access_token"]
        except (http.HttpError, KeyError, TypeError) as error:
            raise ShopifyError(f"Shopify {operation} answered an unreadable body", status=status) from error
        return _token_set(body, access_token)


def _in(seconds: object) -> datetime.datetime | None:
    if not isinstance(seconds, (int, float)) or seconds <= 0:
        return None
    return datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=seconds)


def _token_set(body: Mapping[str, Any], access_token: str) -> TokenSet:
    user = body.get("associated_user")
    associated_user = None
    if isinstance(user, Mapping) and user.get("id") is not None:
        associated_user = AssociatedUser(
            id=int(user["id"]),
            first_name=user.get("first_name"),
            last_name=user.get("last_name"),
            email=user.get("email"),
            email_verified=user.get("email_verified"),
            account_owner=bool(user.get("account_owner")),
            locale=user.get("locale"),
            collaborator=user.get("collaborator"),
        )
    return TokenSet(
        access_token=str(access_token),
        scope=str(body.get("scope", "")),
        expires_at=_in(body.get("expires_in")),
        refresh_token=body.get("refresh_token"),
        refresh_token_expires_at=_in(body.get("refresh_token_expires_in")),
        associated_user=associated_user,
    )


def query_hmac(params: Mapping[str, str], *, secret: str) -> str:
    """Hex HMAC-SHA256 of the sorted ``k=v&…`` query without ``hmac`` (and ``signature``)."""
    message = "&".join(f"{key}={value}" for key, value in sorted(params.items()) if key not in ("hmac", "signature"))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_query_hmac(params: Mapping[str, str], *, secret: str) -> bool:
    """Constant-time check of an OAuth callback's ``hmac`` parameter."""
    received = params.get("hmac", "")
    if not received:
        return False
    # Bytes, not text: compare_digest refuses non-ASCII text with a TypeError, and the value
    # comes straight from the query string.
    expected = query_hmac(params, secret=secret).encode("ascii")
    return hmac.compare_digest(expected, received.encode("utf-8", "replace"))


def callback_timestamp_is_fresh(timestamp: str, *, now: datetime.datetime | None = None) -> bool:
    """Tell whether an OAuth callback's ``timestamp`` is within the last 24 hours (and not future)."""
    # Compared as numbers: a datetime of a huge value would not exist (year out of range).
    seconds = parse_ascii_int(timestamp, maximum=2**40)
    if seconds is None:
        return False
    now_seconds = (now or datetime.datetime.now(tz=datetime.UTC)).timestamp()
    return (
        now_seconds - CALLBACK_MAX_AGE.total_seconds() <= seconds <= now_seconds + CALLBACK_CLOCK_SKEW.total_seconds()
    )
