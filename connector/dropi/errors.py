"""Typed errors of the Dropi client; ``retryable`` says whether trying again later makes sense.

Owns: the error classes and which one an HTTP status means. Must not: make calls.
"""

from __future__ import annotations


class DropiError(Exception):
    """Base error of every Dropi call."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class DropiConfigurationError(DropiError):
    """No token, or no Dropi host for the shop's country."""


class DropiAuthError(DropiError):
    """Dropi refused the integration token (invalid, expired or revoked)."""


class DropiNotFound(DropiError):
    """The product (or the endpoint) does not exist."""


class DropiBadRequest(DropiError):
    """Dropi refused the request's content (400/422)."""


class DropiRateLimited(DropiError):
    """ "Too Many Attempts": Dropi blocks the account for a long time; wait ``retry_after`` seconds."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class DropiUnavailable(DropiError):
    """5xx, timeout, refused connection or an unreadable answer."""

    retryable = True


def error_for_status(status: int, operation: str) -> DropiError:
    """The error a non-2xx answer of Dropi means (``operation`` names the call in the message)."""
    if status in (401, 403):
        return DropiAuthError("Dropi refused the integration token", status=status)
    if status == 404:
        return DropiNotFound(f"Dropi: not found ({operation})", status=status)
    if status >= 500:
        return DropiUnavailable(f"Dropi answered HTTP {status} ({operation})", status=status)
    if status in (400, 422):
        return DropiBadRequest(f"Dropi refused the request ({operation}, HTTP {status})", status=status)
    return DropiError(f"Dropi answered HTTP {status} ({operation})", status=status)
