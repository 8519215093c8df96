"""Verification of App Bridge session tokens (the ``id_token`` JWT).

Owns: the checks Shopify requires (HS256 with the app secret, ``aud`` = API key, ``exp``/``nbf``
with at most 10 s leeway, ``iss`` and ``dest`` on the same valid ``*.myshopify.com`` host).
ShopifyAPI's decoder does the signature and claim checks; the host rules here come on top.
Must not touch the database.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from urllib.parse import urlsplit

import jwt
from shopify import session_token as shopify_session_token

from connector.validators import is_valid_shop_domain, parse_ascii_int

LEEWAY_SECONDS = 10
# User ids are stored in a signed 64-bit column; a larger ``sub`` names no user.
MAX_USER_ID = 2**63 - 1


class InvalidSessionToken(Exception):
    """The token cannot be trusted; ``expired`` says whether a fresh one would fix it."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired


@dataclass(frozen=True)
class SessionToken:
    shop: str
    user_id: int | None
    session_id: str
    expires_at: datetime.datetime
    raw: str


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def decode_session_token(token: str, *, api_key: str, secret: str) -> SessionToken:
    """Verify ``token`` and return its shop and user; raise InvalidSessionToken otherwise.

    App Bridge reuses one token for many requests, so verified tokens are remembered (keyed by
    the whole signed token, so a cache hit is as good as a verification) until they expire.
    """
    verified = _verify_cached(token, api_key, secret)
    now = datetime.datetime.now(tz=datetime.UTC)
    if verified.expires_at + datetime.timedelta(seconds=LEEWAY_SECONDS) < now:
        raise InvalidSessionToken("token expired", expired=True)
    return verified


@functools.lru_cache(maxsize=4096)
def _verify_cached(token: str, api_key: str, secret: str) -> SessionToken:
    return _verify(token, api_key=api_key, secret=secret)


def _verify(token: str, *, api_key: str, secret: str) -> SessionToken:
    if not token or token.count(".") != 2:
        raise InvalidSessionToken("not a JWT")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.exceptions.PyJWTError as error:
        raise InvalidSessionToken("malformed token") from error
    if header.get("alg") != "HS256":
        # The header is unverified input: at most a short excerpt of it reaches the logs.
        raise InvalidSessionToken(f"algorithm {str(header.get('alg'))[:16]!r} is not accepted")
    try:
        claims = shopify_session_token.decode_from_header(f"Bearer {token}", api_key, secret)
    except shopify_session_token.MismatchedHostsError as error:
        raise InvalidSessionToken("iss and dest hosts differ") from error
    except shopify_session_token.InvalidIssuerError as error:
        raise InvalidSessionToken("issuer is not a shop") from error
    except shopify_session_token.SessionTokenError as error:
        cause = error.__cause__
        if isinstance(cause, jwt.exceptions.ExpiredSignatureError):
            raise InvalidSessionToken("token expired", expired=True) from error
        if isinstance(cause, jwt.exceptions.ImmatureSignatureError):
            raise InvalidSessionToken("token not yet valid") from error
        raise InvalidSessionToken(f"token rejected: {type(cause or error).__name__}") from error
    except (ValueError, TypeError, KeyError) as error:
        raise InvalidSessionToken("malformed token") from error
    for claim in ("exp", "nbf"):
        if not isinstance(claims.get(claim), (int, float)):
            raise InvalidSessionToken(f"claim {claim!r} missing")
    issuer_host = _host(str(claims.get("iss", "")))
    dest_host = _host(str(claims.get("dest", "")))
    if issuer_host != dest_host:
        raise InvalidSessionToken("iss and dest hosts differ")
    if not is_valid_shop_domain(dest_host):
        raise InvalidSessionToken("dest is not a *.myshopify.com shop")
    try:
        expires_at = datetime.datetime.fromtimestamp(claims["exp"], tz=datetime.UTC)
    except (OverflowError, ValueError, OSError) as error:
        # Validly signed but beyond any date Python can represent (``exp: 1e13``).
        raise InvalidSessionToken("claim 'exp' is not a representable time") from error
    return SessionToken(
        shop=dest_host,
        user_id=parse_ascii_int(str(claims.get("sub", "")), maximum=MAX_USER_ID),
        session_id=str(claims.get("sid", "")),
        expires_at=expires_at,
        raw=token,
    )


def encode_session_token(
    *,
    shop: str,
    api_key: str,
    secret: str,
    user_id: int = 1,
    lifetime: datetime.timedelta = datetime.timedelta(minutes=1),
    now: datetime.datetime | None = None,
    **overrides: object,
) -> str:
    """Sign a session token the way Shopify does (local development links and tests)."""
    now = now or datetime.datetime.now(tz=datetime.UTC)
    claims: dict[str, object] = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": api_key,
        "sub": str(user_id),
        "exp": int((now + lifetime).timestamp()),
        "nbf": int(now.timestamp()),
        "iat": int(now.timestamp()),
        "jti": f"jti-{now.timestamp()}-{user_id}",
        "sid": f"sid-{shop}-{user_id}",
    }
    claims.update(overrides)
    return jwt.encode({key: value for key, value in claims.items() if value is not None}, secret, algorithm="HS256")
