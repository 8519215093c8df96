"""A local Shopify for tests and demos: token exchange, expiring-token refresh, OAuth code
exchange, and an Admin GraphQL subset with query costs and a leaky-bucket throttle.

URLs mirror Shopify's under a per-shop prefix: ``{base}/{shop}/admin/oauth/access_token`` and
``{base}/{shop}/admin/api/{version}/graphql.json``; point ``SHOPIFY_ADMIN_ORIGIN`` at
``{base}/{shop}``. GraphQL operations are answered by handlers registered by operation name.

Run it by hand: ``python -m simulators.shopify --port 9100`` (without the theme operations;
``make shopify-simulator`` runs ``simulators.shopify_themes``, which serves every page).
"""

from __future__ import annotations

import argparse
import importlib
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt

from simulators.base import Request, Response, SimulatorServer, serve_until_interrupted

# Modules with a ``register(simulator)`` function adding GraphQL handlers for a feature.
HANDLER_MODULES = [
    "simulators.shopify_orders",
    "simulators.shopify_fulfillments",
    "simulators.shopify_products",
    "simulators.shopify_product_set",
    "simulators.shopify_publications",
]
OPERATION_RE = re.compile(r"^\s*(?:query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
PATH_RE = re.compile(r"^/(?P<shop>[a-z0-9.-]+)/admin/(?P<rest>.*)$")
GraphQLHandler = Callable[["ShopifySimulator", str, dict[str, Any]], dict[str, Any]]


class GraphQLErrors(Exception):
    """Raise from a handler to answer top-level ``errors``."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


@dataclass
class IssuedToken:
    shop: str
    expires_at: float | None
    scope: str
    online: bool = False


@dataclass
class IssuedRefreshToken:
    shop: str
    expires_at: float
    rotated_at: float | None = None


@dataclass
class Bucket:
    maximum: float = 1000.0
    restore_rate: float = 50.0
    available: float = 1000.0
    updated: float = field(default_factory=time.monotonic)

    def empty(self) -> None:
        """No points left from now on (setting ``available`` alone would count the time since the
        last refill as restored)."""
        self.available = 0.0
        self.updated = time.monotonic()

    def refill(self) -> None:
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self.updated) * self.restore_rate)
        self.updated = now

    def status(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": round(self.available, 2),
            "restoreRate": self.restore_rate,
        }


class ShopifySimulator(SimulatorServer):
    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        scope: str = (
            "read_products,write_products,read_orders,write_orders,read_locations,write_inventory,write_publications,"
            "read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders"
        ),
        access_token_lifetime: int = 3600,
        refresh_token_lifetime: int = 90 * 24 * 3600,
        rotation_grace_seconds: float = 60.0,
        latency: float = 0.0,
    ) -> None:
        super().__init__(latency=latency)
        self.api_key = api_key
        self.api_secret = api_secret
        self.scope = scope
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self.rotation_grace_seconds = rotation_grace_seconds
        self.tokens: dict[str, IssuedToken] = {}
        self.refresh_tokens: dict[str, IssuedRefreshToken] = {}
        self.codes: dict[str, str] = {}
        self.buckets: dict[str, Bucket] = {}
        self.default_cost = 10.0
        self.costs: dict[str, float] = {}
        self.graphql_handlers: dict[str, GraphQLHandler] = {
            "ShopInfo": _shop_info,
            "AppInstallationCurrent": _app_installation_current,
        }
        self.shop_data: dict[str, dict[str, Any]] = {}
        self.refresh_delay = 0.0
        self.product_variant_limit = 0
        self._state = threading.RLock()
        for module in HANDLER_MODULES:
            importlib.import_module(module).register(self)

    def origin_template(self) -> str:
        """The value for ``SHOPIFY_ADMIN_ORIGIN``."""
        return f"{self.base_url}/{{shop}}"

    # -- helpers for tests
    def issue_token(self, shop: str, *, expires_in: int | None = None) -> str:
        token = f"shpat_{secrets.token_hex(16)}"
        with self._state:
            expires_at = time.time() + expires_in if expires_in else None
            self.tokens[token] = IssuedToken(shop=shop, expires_at=expires_at, scope=self.scope)
        return token

    def issue_refresh_token(self, shop: str) -> str:
        token = f"shprt_{secrets.token_hex(16)}"
        with self._state:
            self.refresh_tokens[token] = IssuedRefreshToken(
                shop=shop, expires_at=time.time() + self.refresh_token_lifetime
            )
        return token

    def issue_code(self, shop: str) -> str:
        code = secrets.token_hex(8)
        with self._state:
            self.codes[code] = shop
        return code

    def revoke_refresh_token(self, token: str) -> None:
        with self._state:
            self.refresh_tokens.pop(token, None)

    def expire_access_token(self, token: str) -> None:
        with self._state:
            if token in self.tokens:
                self.tokens[token].expires_at = time.time() - 1

    def uninstall(self, shop: str) -> None:
        """What uninstalling the app does to its credentials: every token of ``shop`` is revoked."""
        with self._state:
            self.tokens = {token: issued for token, issued in self.tokens.items() if issued.shop != shop}
            self.refresh_tokens = {
                token: issued for token, issued in self.refresh_tokens.items() if issued.shop != shop
            }

    def bucket(self, shop: str) -> Bucket:
        with self._state:
            return self.buckets.setdefault(shop, Bucket())

    def granted_scopes(self, shop: str) -> set[str]:
        """The scopes of the shop's valid tokens (a ``write_`` scope implies its ``read_`` one)."""
        granted: set[str] = set()
        with self._state:
            for issued in self.tokens.values():
                if issued.shop == shop and (issued.expires_at is None or issued.expires_at > time.time()):
                    granted.update(part.strip() for part in issued.scope.split(",") if part.strip())
        return granted | {scope.replace("write_", "read_", 1) for scope in granted if scope.startswith("write_")}

    def require_scope(self, shop: str, *scopes: str, field_name: str) -> None:
        """Answer Shopify's top-level ``ACCESS_DENIED`` unless the shop granted one of ``scopes``."""
        if self.granted_scopes(shop) & set(scopes):
            return
        required = " or ".join(f"`{scope}`" for scope in scopes)
        raise GraphQLErrors(
            [
                {
                    "message": f"Access denied for {field_name} field. Required access: {required} access scope.",
                    "extensions": {"code": "ACCESS_DENIED", "requiredAccess": f"{required} access scope."},
                    "path": [field_name],
                }
            ]
        )

    # -- routing
    def handle(self, request: Request) -> Response:
        match = PATH_RE.match(request.path)
        if not match:
            request.kind = "unknown"
            return Response(404, {"errors": "Not Found"})
        shop, rest = match.group("shop"), match.group("rest")
        if rest == "oauth/access_token" and request.method == "POST":
            form = request.form()
            grant = form.get("grant_type", "")
            if grant == "refresh_token":
                request.kind = "refresh"
            elif grant.endswith("token-exchange"):
                request.kind = "token_exchange"
            else:
                request.kind = "code_exchange"
            failure = self.injected_failure(request)
            if failure:
                return failure
            return self._access_token(request.kind, shop, form)
        if re.fullmatch(r"api/[0-9]{4}-[0-9]{2}/graphql\.json", rest) and request.method == "POST":
            body = request.json() or {}
            operation = body.get("operationName") or _operation_name(body.get("query", ""))
            request.kind = f"graphql:{operation}"
            failure = self.injected_failure(request) or self.injected_failure(_as_kind(request, "graphql"))
            if failure:
                return failure
            return self._graphql(shop, request, operation, body)
        request.kind = "unknown"
        return Response(404, {"errors": "Not Found"})

    # -- OAuth
    def _access_token(self, kind: str, shop: str, form: dict[str, str]) -> Response:
        if form.get("client_id") != self.api_key or form.get("client_secret") != self.api_secret:
            return Response(401, {"error": "invalid_client"})
        if kind == "token_exchange":
            try:
                claims = jwt.decode(
                    form.get("subject_token", ""),
                    self.api_secret,
                    algorithms=["HS256"],
                    audience=self.api_key,
                    leeway=10,
                )
            except jwt.PyJWTError:
                return Response(400, {"error": "invalid_subject_token"})
            if claims.get("dest") != f"https://{shop}":
                return Response(400, {"error": "invalid_subject_token"})
            online = form.get("requested_token_type", "").endswith("online-access-token")
            return Response(
                200,
                self._issue(
                    shop,
                    expiring=form.get("expiring") == "1" or online,
                    online=online,
                    user_id=_user_id(claims.get("sub")),
                ),
            )
        if kind == "refresh":
            if self.refresh_delay:
                time.sleep(self.refresh_delay)
            with self._state:
                issued = self.refresh_tokens.get(form.get("refresh_token", ""))
                now = time.time()
                if issued is None or issued.shop != shop or issued.expires_at < now:
                    return Response(400, {"error": "invalid_grant"})
                if issued.rotated_at is not None and now - issued.rotated_at > self.rotation_grace_seconds:
                    return Response(400, {"error": "invalid_grant"})
                issued.rotated_at = issued.rotated_at or now
            return Response(200, self._issue(shop, expiring=True))
        with self._state:
            code_shop = self.codes.pop(form.get("code", ""), None)
        if code_shop != shop:
            return Response(400, {"error": "invalid_request"})
        return Response(200, self._issue(shop, expiring=form.get("expiring") == "1"))

    def _issue(self, shop: str, *, expiring: bool, online: bool = False, user_id: int = 0) -> dict[str, Any]:
        token = self.issue_token(shop, expires_in=self.access_token_lifetime if expiring else None)
        body: dict[str, Any] = {"access_token": token, "scope": self.scope}
        if expiring:
            body["expires_in"] = self.access_token_lifetime
        if expiring and not online:
            body["refresh_token"] = self.issue_refresh_token(shop)
            body["refresh_token_expires_in"] = self.refresh_token_lifetime
        if online:
            body["associated_user_scope"] = self.scope
            body["associated_user"] = {
                "id": user_id,
                "first_name": "Ana",
                "last_name": "Pérez",
                "email": "ana@example.com",
                "email_verified": True,
                "account_owner": True,
                "locale": "es",
                "collaborator": False,
            }
        return body

    # -- GraphQL
    def _graphql(self, shop: str, request: Request, operation: str, body: dict[str, Any]) -> Response:
        token = request.headers.get("x-shopify-access-token", "")
        with self._state:
            issued = self.tokens.get(token)
        if issued is None or issued.shop != shop or (issued.expires_at is not None and issued.expires_at < time.time()):
            return Response(
                401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
            )
        cost = self.costs.get(operation, self.default_cost)
        with self._state:
            bucket = self.bucket(shop)
            bucket.refill()
            if bucket.available < cost:
                extensions = {
                    "cost": {"requestedQueryCost": cost, "actualQueryCost": None, "throttleStatus": bucket.status()}
                }
                return Response(
                    200,
                    {
                        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                        "extensions": extensions,
                    },
                )
            bucket.available -= cost
            status = bucket.status()
        extensions = {"cost": {"requestedQueryCost": cost, "actualQueryCost": cost, "throttleStatus": status}}
        handler = self.graphql_handlers.get(operation)
        if handler is None:
            return Response(
                200, {"errors": [{"message": f"Simulator has no handler for {operation}"}], "extensions": extensions}
            )
        try:
            data = handler(self, shop, body.get("variables") or {})
        except GraphQLErrors as error:
            return Response(200, {"errors": error.errors, "extensions": extensions})
        return Response(200, {"data": data, "extensions": extensions})


def _user_id(subject: Any) -> int:
    # Shopify's subject is a user id in digits; anything else (a test's odd claim) is no user.
    text = str(subject or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else 0


def _as_kind(request: Request, kind: str) -> Request:
    return Request(request.method, request.path, request.query, request.headers, request.body, kind=kind)


def _operation_name(query: str) -> str:
    match = OPERATION_RE.search(query or "")
    return match.group(1) if match else "anonymous"


def _shop_info(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    data = simulator.shop_data.get(shop, {})
    return {
        "shop": {
            "name": data.get("name", shop.split(".")[0].replace("-", " ").title()),
            "myshopifyDomain": shop,
            "currencyCode": data.get("currencyCode", "COP"),
            "ianaTimezone": data.get("ianaTimezone", "America/Bogota"),
        }
    }


def _app_installation_current(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    # Answered only to a valid token (checked before any handler runs).
    scopes = sorted(simulator.granted_scopes(shop))
    return {
        "currentAppInstallation": {
            "id": f"gid://shopify/AppInstallation/{abs(hash(shop)) % 10**9}",
            "accessScopes": [{"handle": scope} for scope in scopes],
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Shopify simulator (no themes: see simulators.shopify_themes)")
    parser.add_argument("--api-key", default="dev-api-key")
    parser.add_argument("--api-secret", default="dev-api-secret-for-local-development-only")
    parser.add_argument("--port", type=int, default=9100)
    options = parser.parse_args()
    simulator = ShopifySimulator(api_key=options.api_key, api_secret=options.api_secret)
    simulator.start(options.port)
    print(f"Shopify simulator on {simulator.base_url}")  # noqa: T201
    print(f"SHOPIFY_ADMIN_ORIGIN={simulator.origin_template()}")  # noqa: T201
    serve_until_interrupted(simulator)


if __name__ == "__main__":
    main()
