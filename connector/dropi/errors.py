"""Typed errors of the Dropi clients; ``retryable`` says whether trying again later makes sense,
``may_have_been_processed`` whether Dropi may have acted on a request that got no clear answer
(a read timeout or a 5xx after a write was sent): such a write is looked up, never repeated
blindly. ``detail`` holds Dropi's own words of a refusal (shown to the merchant, never logged:
it may quote the buyer's address).

Owns: the error classes and which one an HTTP status means. Must not: make calls.
"""

from __future__ import annotations


class DropiError(Exception):
    """Base error of every Dropi call."""

    retryable = False
    may_have_been_processed = False

    def __init__(self, message: str, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail[:500]


class DropiConfigurationError(DropiError):
    """No token, or no Dropi host for the shop's country."""


class DropiAuthError(DropiError):
    """Dropi refused the integration token (invalid, expired or revoked)."""


class DropiNotFound(DropiError):
    """The product (or the endpoint) does not exist."""


class DropiBadRequest(DropiError):
    """Dropi refused the request's content (400/422)."""


class DropiAddressRefused(DropiBadRequest):
    """Dropi refused an order's destination (department, city or address); ``detail`` says why."""


class DropiRateLimited(DropiError):
    """ "Too Many Attempts": Dropi blocks the account for a long time; wait ``retry_after`` seconds."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class DropiUnavailable(DropiError):
    """5xx, timeout, refused connection or an unreadable answer."""

    retryable = True


class DropiMaybeProcessed(DropiUnavailable):
    """A write got no clear answer (read timeout, lost connection, a 5xx other than 503, or a
    success without the created object): Dropi may have acted on it."""

    may_have_been_processed = True


def error_for_status(status: int, operation: str, *, ambiguous: bool = False, detail: str = "") -> DropiError:
    """The error a non-2xx answer of Dropi means (``operation`` names the call in the message;
    ``ambiguous``: the request was a write that a 5xx answer may hide as done)."""
    if status in (401, 403):
        return DropiAuthError("Dropi refused the integration token", status=status)
    if status == 404:
        return DropiNotFound(f"Dropi: not found ({operation})", status=status, detail=detail)
    if status >= 500:
        error_class = DropiMaybeProcessed if ambiguous else DropiUnavailable
        return error_class(f"Dropi answered HTTP {status} ({operation})", status=status)
    if status in (400, 422):
        return DropiBadRequest(f"Dropi refused the request ({operation}, HTTP {status})", status=status, detail=detail)
    return DropiError(f"Dropi answered HTTP {status} ({operation})", status=status, detail=detail)
