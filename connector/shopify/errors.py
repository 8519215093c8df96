"""Typed errors of the Shopify clients; ``retryable`` tells callers whether to try again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ShopifyError(Exception):
    """Base error of every Shopify call."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ShopifyAuthError(ShopifyError):
    """Shopify refused the credentials (invalid token, revoked refresh token, wrong secret)."""


class ShopifyReauthorizationRequired(ShopifyAuthError):
    """No usable token for the shop: it must be reopened from Shopify Admin (or reinstalled)."""


class ShopifyForbidden(ShopifyError):
    """The token lacks a scope or protected-customer-data approval (HTTP 403 / ACCESS_DENIED)."""


class ShopifyNotFound(ShopifyError):
    """The shop or resource does not exist."""


class ShopifyThrottled(ShopifyError):
    """The cost bucket stayed empty after the allowed waits."""

    retryable = True

    def __init__(self, message: str, *, wait_seconds: float = 1.0, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.wait_seconds = wait_seconds


class ShopifyUnavailable(ShopifyError):
    """Shopify did not answer properly (timeout, connection error, 5xx)."""

    retryable = True


class ShopifyGraphQLError(ShopifyError):
    """The response carried top-level GraphQL ``errors``."""

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.errors = errors or []


class ShopifyNoResult(ShopifyGraphQLError):
    """A mutation answered neither its result nor ``userErrors``: what it did is unknown."""


@dataclass(frozen=True)
class UserError:
    """One of a mutation's ``userErrors``: the input field path it concerns (``("input",
    "variants", "2", "price")``), Shopify's message and, where the mutation has them, its code."""

    field: tuple[str, ...]
    message: str
    code: str | None = None


class ShopifyUserErrors(ShopifyError):
    """A mutation answered with ``userErrors``; each has the input field path it concerns."""

    def __init__(self, user_errors: list[UserError]) -> None:
        joined = "; ".join(
            f"{'.'.join(error.field)}: {error.message}" if error.field else error.message for error in user_errors
        )
        super().__init__(joined or "userErrors")
        self.user_errors = user_errors
