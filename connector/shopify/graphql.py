"""The Admin GraphQL API client.

Owns: sending the documents in ``queries/`` to one shop's pinned API version (through
connector/http.py), cost-aware throttling (``extensions.cost.throttleStatus``), typed errors and
one automatic token refresh on HTTP 401. Tokens come from a provider passed in (services own
the database side); the client never imports models and never logs tokens or variables.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

from connector import http
from connector.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyForbidden,
    ShopifyGraphQLError,
    ShopifyNotFound,
    ShopifyThrottled,
    ShopifyUnavailable,
    ShopifyUserErrors,
    UserError,
)
from connector.shopify.oauth import admin_origin

logger = logging.getLogger(__name__)

QUERIES_DIR = Path(__file__).resolve().parent / "queries"
OPERATION_RE = re.compile(r"^\s*(query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
MAX_THROTTLE_RETRIES = 3
MAX_THROTTLE_WAIT_SECONDS = 20.0


class TokenProvider(Protocol):
    def access_token(self) -> str:
        """The current access token of the shop."""

    def refreshed_access_token(self, stale_token: str) -> str:
        """A token newer than ``stale_token`` (refreshing it when nobody else has)."""


@dataclass(frozen=True)
class Document:
    name: str
    operation_name: str
    text: str


@functools.cache
def load_document(name: str) -> Document:
    """Read ``queries/<name>.graphql``; its first operation names the request."""
    path = QUERIES_DIR / f"{name}.graphql"
    text = path.read_text(encoding="utf-8")
    match = OPERATION_RE.search(text)
    if not match:
        raise ValueError(f"{path} has no named query or mutation")
    return Document(name=name, operation_name=match.group(2), text=text)


@dataclass
class ThrottleStatus:
    maximum_available: float
    currently_available: float
    restore_rate: float


@dataclass
class GraphQLResult:
    data: dict[str, Any]
    requested_cost: float | None = None
    actual_cost: float | None = None
    throttle_status: ThrottleStatus | None = None
    extensions: dict[str, Any] = field(default_factory=dict)


def _throttle_status(extensions: dict[str, Any]) -> tuple[float | None, float | None, ThrottleStatus | None]:
    cost = extensions.get("cost") if isinstance(extensions, dict) else None
    if not isinstance(cost, dict):
        return None, None, None
    status = cost.get("throttleStatus") or {}
    throttle = None
    if all(key in status for key in ("maximumAvailable", "currentlyAvailable", "restoreRate")):
        throttle = ThrottleStatus(
            maximum_available=float(status["maximumAvailable"]),
            currently_available=float(status["currentlyAvailable"]),
            restore_rate=float(status["restoreRate"]) or 1.0,
        )
    return cost.get("requestedQueryCost"), cost.get("actualQueryCost"), throttle


def _throttle_wait(requested: float | None, throttle: ThrottleStatus | None) -> float:
    if throttle is None:
        return 1.0
    needed = (requested or throttle.maximum_available / 10) - throttle.currently_available
    # The numbers come from Shopify's answer: a tiny restore rate must not ask for a wait of days.
    return http.clamp_delay(needed / throttle.restore_rate, default=1.0, minimum=0.05)


def user_errors_of(payload: Any) -> list[UserError]:
    """The ``userErrors`` of a mutation payload as typed values (field paths kept)."""
    errors = []
    for raw in (payload or {}).get("userErrors") or []:
        path = tuple(str(part) for part in (raw.get("field") or []))
        errors.append(UserError(field=path, message=str(raw.get("message", "")), code=raw.get("code")))
    return errors


class ShopifyAdminClient:
    """One shop's Admin GraphQL API at the pinned ``SHOPIFY_API_VERSION``."""

    def __init__(
        self,
        *,
        shop: str,
        tokens: TokenProvider,
        session: http.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_throttle_retries: int = MAX_THROTTLE_RETRIES,
    ) -> None:
        self.shop = shop
        self.tokens = tokens
        self.session = session  # None: the process's shared pools (connector/http.py)
        self.sleep = sleep
        self.max_throttle_retries = max_throttle_retries
        self.timeout = settings.HTTP_TIMEOUT_SECONDS
        self.url = f"{admin_origin(shop)}/admin/api/{settings.SHOPIFY_API_VERSION}/graphql.json"
        self.last_throttle_status: ThrottleStatus | None = None
        self.last_requested_cost: float | None = None
        self.calls = 0

    def execute(
        self, document_name: str, variables: dict[str, Any] | None = None, *, user_errors_at: str | None = None
    ) -> GraphQLResult:
        """Run a document and return its data.

        ``user_errors_at`` names the mutation field whose ``userErrors`` make the call fail.
        Raises ShopifyAuthError, ShopifyForbidden, ShopifyNotFound, ShopifyThrottled (after
        waiting up to the allowed retries), ShopifyUnavailable, ShopifyGraphQLError, ShopifyUserErrors.
        """
        document = load_document(document_name)
        body = {"query": document.text, "variables": variables or {}, "operationName": document.operation_name}
        token = self.tokens.access_token()
        refreshed = False
        throttle_retries = 0
        self._wait_for_bucket()
        while True:
            response = self._post(body, token, document.operation_name)
            if response.status_code == 401 and not refreshed:
                refreshed = True
                token = self.tokens.refreshed_access_token(token)
                continue
            if response.status_code == 429:
                wait = http.retry_after_seconds(response.headers.get("Retry-After"), default=1.0, minimum=0.1)
                self._back_off(throttle_retries, wait, document.operation_name, answered_429=True)
                throttle_retries += 1
                continue
            payload, result = self._read(response, document.operation_name)
            errors = payload.get("errors") or []
            if any(_error_code(error) == "THROTTLED" for error in errors):
                wait = _throttle_wait(result.requested_cost, result.throttle_status)
                self._back_off(throttle_retries, wait, document.operation_name, answered_429=False)
                throttle_retries += 1
                continue
            if errors:
                raise _graphql_error(errors)
            if user_errors_at is not None:
                user_errors = user_errors_of(result.data.get(user_errors_at))
                if user_errors:
                    raise ShopifyUserErrors(user_errors)
            return result

    def _wait_for_bucket(self) -> None:
        """Before a call, wait when the last answer said the bucket cannot pay for another one."""
        throttle, requested = self.last_throttle_status, self.last_requested_cost
        if throttle is None or requested is None or throttle.currently_available >= requested:
            return
        self.sleep(min(_throttle_wait(requested, throttle), MAX_THROTTLE_WAIT_SECONDS))

    def _back_off(self, retries: int, wait: float, operation: str, *, answered_429: bool) -> None:
        """Wait before another try, or raise ShopifyThrottled once the allowed retries are spent."""
        if retries >= self.max_throttle_retries:
            if answered_429:
                raise ShopifyThrottled("Shopify kept answering 429", wait_seconds=wait, status=429)
            raise ShopifyThrottled("Shopify throttled the request", wait_seconds=wait)
        logger.info("Shopify throttled %s; waiting %.2fs", operation, wait, extra={"shop": self.shop})
        self.sleep(min(wait, MAX_THROTTLE_WAIT_SECONDS))

    def _post(self, body: dict[str, Any], token: str, operation: str) -> http.Response:
        self.calls += 1
        headers = {"X-Shopify-Access-Token": token, "Accept": "application/json"}
        try:
            return http.request(
                "POST", self.url, json=body, headers=headers, timeout=self.timeout, session=self.session
            )
        except http.HttpError as failure:
            logger.warning("Shopify %s failed: %s", operation, failure.reason.value, extra={"shop": self.shop})
            error_class = ShopifyError if failure.kind is http.Kind.FINAL else ShopifyUnavailable
            raise error_class(f"Shopify did not answer ({failure.reason.value})") from failure

    def _read(self, response: http.Response, operation: str) -> tuple[dict[str, Any], GraphQLResult]:
        """The answer's payload and result (costs remembered for the next call's bucket check)."""
        self._raise_for_status(response, operation)
        try:
            payload = http.read_json(response)
        except http.HttpError as failure:
            raise ShopifyError("Shopify answered a body that is not JSON", status=response.status_code) from failure
        if not isinstance(payload, dict):
            raise ShopifyError("Shopify answered a body that is not a JSON object", status=response.status_code)
        extensions = payload.get("extensions") or {}
        requested, actual, throttle = _throttle_status(extensions)
        self.last_throttle_status, self.last_requested_cost = throttle, requested
        result = GraphQLResult(
            data=payload.get("data") or {},
            requested_cost=requested,
            actual_cost=actual,
            throttle_status=throttle,
            extensions=extensions,
        )
        return payload, result

    def _raise_for_status(self, response: http.Response, operation: str) -> None:
        status = response.status_code
        if status == 200:
            return
        logger.warning("Shopify %s answered HTTP %s", operation, status, extra={"shop": self.shop})
        if status == 401:
            raise ShopifyAuthError("Shopify refused the access token", status=status)
        if status in (402, 403, 423):
            raise ShopifyForbidden(f"Shopify refused access (HTTP {status})", status=status)
        if status == 404:
            raise ShopifyNotFound("Shopify answered 404 (shop not found)", status=status)
        if status >= 500:
            raise ShopifyUnavailable(f"Shopify answered HTTP {status}", status=status)
        raise ShopifyError(f"Shopify answered HTTP {status}", status=status)


def _error_code(error: Any) -> str | None:
    if isinstance(error, dict):
        extensions = error.get("extensions") or {}
        if isinstance(extensions, dict):
            return extensions.get("code")
    return None


def _graphql_error(errors: list[Any]) -> ShopifyError:
    messages = "; ".join(
        str(error.get("message", error)) if isinstance(error, dict) else str(error) for error in errors
    )
    codes = {_error_code(error) for error in errors}
    if "ACCESS_DENIED" in codes or "protected" in messages.lower():
        return ShopifyForbidden(f"Shopify denied access: {messages}")
    return ShopifyGraphQLError(f"Shopify GraphQL error: {messages}", errors=errors)
