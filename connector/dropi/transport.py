"""The transport of every Dropi call: host by country, the integration token, one request.

Owns: the per-country host and ``dropi-integration-key`` header, sending one request through
connector/http.py and turning its answer into JSON or a typed error ("Too Many Attempts"
included, whether it comes as HTTP 429 or inside a 2xx body). Must not know what a call
means: the clients built on it (``client.py`` for the catalogue) do.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from connector import http
from connector.dropi.errors import (
    DropiAuthError,
    DropiBadRequest,
    DropiConfigurationError,
    DropiError,
    DropiMaybeProcessed,
    DropiNotFound,
    DropiRateLimited,
    DropiUnavailable,
    error_for_status,
)
from connector.redaction import redact

logger = logging.getLogger(__name__)

# Dropi answers this text (with HTTP 429, and sometimes inside an otherwise normal body) when it
# has blocked the account; the block lasts hours and grows with every further attempt.
TOO_MANY_ATTEMPTS = "too many attempts"


def _int(value: Any) -> int:
    try:
        return max(int(Decimal(str(value))), 0)
    except (InvalidOperation, ValueError, TypeError):
        return 0


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _message(body: Any) -> str:
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict):
        return _text(body.get("message") or body.get("error") or body.get("errors"))
    return ""


class DropiTransport:
    """One merchant's Dropi account in one country, identified by its integration token."""

    def __init__(self, *, token: str, country: str, shop: str = "", session: http.Session | None = None) -> None:
        if not token:
            raise DropiConfigurationError("No Dropi token")
        hosts: dict[str, str] = settings.DROPI_API_URLS
        host = hosts.get((country or "").upper())
        if not host:
            raise DropiConfigurationError(f"No Dropi API host for country {country!r}")
        self.token = token
        self.country = country.upper()
        self.base_url = host.rstrip("/")
        self.timeout = settings.HTTP_TIMEOUT_SECONDS
        self.image_base_url = settings.DROPI_IMAGE_BASE_URL
        self.backoff_seconds = float(settings.DROPI_RATE_LIMIT_BACKOFF_SECONDS)
        # Some integrations send Origin/Referer equal to the store URL registered with the token
        # (unverified). Off unless an operator sets DROPI_ORIGIN: see docs/operations.md › Dropi Origin header.
        origin_template = settings.DROPI_ORIGIN
        self.origin = origin_template.replace("{shop}", shop) if origin_template else ""
        self.session = session  # None: the process's shared pools (connector/http.py)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact(self.base_url)})"

    # -- transport
    def _request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        json: Any = None,
        params: dict[str, str] | None = None,
        read_only: bool | None = None,
    ) -> Any:
        headers = {"dropi-integration-key": self.token, "Accept": "application/json"}
        if self.origin:
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin.rstrip("/") + "/"
        url = f"{self.base_url}{path}"
        try:
            response = http.request(
                method,
                url,
                json=json,
                params=params,
                headers=headers,
                timeout=self.timeout,
                read_only=read_only,
                session=self.session,
            )
        except http.HttpError as failure:
            logger.warning("Dropi %s: %s", operation, failure.reason.value, extra={"country": self.country})
            raise _transport_error(failure, operation) from failure
        reads = read_only if read_only is not None else method.upper() in http.READ_METHODS
        return self._answer(response, operation, read_only=reads)

    def _answer(self, response: http.Response, operation: str, *, read_only: bool) -> Any:
        """The JSON of a 2xx answer; otherwise the typed error it means."""
        status = response.status_code
        try:
            body = http.read_json(response, allow_empty=True)
        except http.HttpError:
            body = None
        message = _message(body) if body is not None else response.text[:200]
        if status == 429 or TOO_MANY_ATTEMPTS in message.lower():
            logger.warning("Dropi %s: too many attempts", operation, extra={"country": self.country})
            wait = http.retry_after_seconds(response.headers.get("Retry-After"), default=0.0)
            raise DropiRateLimited(
                "Dropi is blocking this account for a while (too many attempts)",
                retry_after=max(wait, self.backoff_seconds),
                status=status,
            )
        if 200 <= status < 300:
            if body is None:
                # A write answered 2xx was done, whatever its body says: only its result is unknown.
                error_class = DropiError if read_only else DropiMaybeProcessed
                raise error_class(f"Dropi answered a body that is not JSON ({operation})", status=status)
            self._raise_for_refusal(body, operation, read_only=read_only)
            return body
        logger.warning("Dropi %s answered HTTP %s", operation, status, extra={"country": self.country})
        # 503 says "not now" before acting; another 5xx to a write may hide a done write.
        ambiguous = not read_only and status >= 500 and status != 503
        raise error_for_status(status, operation, ambiguous=ambiguous, detail=message)

    def _raise_for_refusal(self, body: Any, operation: str, *, read_only: bool = True) -> None:
        """A 2xx answer may still say ``isSuccess: false`` with the real status inside."""
        first = body[0] if isinstance(body, list) and body else body
        if not isinstance(first, dict) or first.get("isSuccess") is not False:
            return
        inner = _int(first.get("status"))
        detail = _message(first)
        logger.warning("Dropi %s refused the request (status %s)", operation, inner, extra={"country": self.country})
        if inner in (401, 403):
            raise DropiAuthError("Dropi refused the integration token", status=inner)
        if inner == 404:
            raise DropiNotFound(f"Dropi: not found ({operation})", status=inner, detail=detail)
        if inner >= 500:
            error_class = DropiUnavailable if read_only else DropiMaybeProcessed
            raise error_class(f"Dropi failed ({operation})", status=inner)
        raise DropiBadRequest(f"Dropi refused the request ({operation})", status=inner or None, detail=detail)


def _transport_error(failure: http.HttpError, operation: str) -> DropiError:
    if failure.kind is http.Kind.FINAL:
        return DropiError(f"Dropi request failed ({operation})")
    if failure.kind is http.Kind.AMBIGUOUS:
        return DropiMaybeProcessed(f"Dropi did not confirm the request ({operation}: {failure.reason.value})")
    if failure.reason in (http.Reason.CONNECT_TIMEOUT, http.Reason.READ_TIMEOUT):
        return DropiUnavailable(f"Dropi did not answer in time ({operation})")
    return DropiUnavailable(f"Dropi could not be reached ({operation})")
