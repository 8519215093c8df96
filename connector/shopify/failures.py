"""What a failed Shopify call means, and the one translation of it into an ApplicationError.

Owns: sorting every ``ShopifyError`` into a few kinds a use case can answer (``ShopifyFailure``)
and turning it into the ``ApplicationError`` a use case words for that kind (``MerchantAnswer``).
The words belong to the use case (what it could not do, which permission it lacks); the
sorting is done here once. Must not log, retry or touch the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from connector.errors import ApplicationError
from connector.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyForbidden,
    ShopifyNoResult,
    ShopifyThrottled,
    ShopifyUserErrors,
)

# Shopify answers 402 (Payment Required) and 423 (Locked) for a frozen or locked shop: not a
# missing permission the merchant can grant. Source: shopify.dev/docs/api/usage/response-codes.
LOCKED_STATUSES = (402, 423)
# User errors without a code (``tagsAdd``'s, for one) say a resource is gone only in words.
MISSING_MESSAGE_RE = re.compile(r"\b(does not|doesn't|no longer) exists?\b|\bnot found\b", re.IGNORECASE)


class ShopifyFailure(StrEnum):
    AUTH = "auth"  # the token is refused or gone: the merchant must open the app again
    FORBIDDEN = "forbidden"  # a scope or protected-customer-data approval is missing
    LOCKED = "locked"  # the shop is frozen or locked (HTTP 402/423)
    THROTTLED = "throttled"  # still throttled after the client's waits
    UNAVAILABLE = "unavailable"  # timeouts, connection errors, 5xx: trying later may work
    MISSING = "missing"  # user errors: the resource the call names does not exist
    REFUSED = "refused"  # other user errors, GraphQL errors, other 4xx: trying again will not help
    NO_RESULT = "no_result"  # a mutation answered nothing usable: what it did is unknown


def shopify_failure(error: ShopifyError) -> ShopifyFailure:
    """The kind of failure ``error`` is."""
    if isinstance(error, ShopifyAuthError):
        return ShopifyFailure.AUTH
    if isinstance(error, ShopifyForbidden):
        return ShopifyFailure.LOCKED if error.status in LOCKED_STATUSES else ShopifyFailure.FORBIDDEN
    if isinstance(error, ShopifyThrottled):
        return ShopifyFailure.THROTTLED
    if error.retryable:
        return ShopifyFailure.UNAVAILABLE
    if isinstance(error, ShopifyNoResult):
        return ShopifyFailure.NO_RESULT
    if isinstance(error, ShopifyUserErrors) and any(
        (user_error.code or "").endswith(("DOES_NOT_EXIST", "NOT_FOUND"))
        or MISSING_MESSAGE_RE.search(user_error.message)
        for user_error in error.user_errors
    ):
        return ShopifyFailure.MISSING
    return ShopifyFailure.REFUSED


@dataclass(frozen=True)
class MerchantAnswer:
    """How a use case answers one kind of failure: a message the merchant can act on (lazy, so
    it is translated into the language of the request that reads it), a code and a status."""

    message: str | Promise
    code: str
    status: int
    field: str | None = None

    def error(self) -> ApplicationError:
        return ApplicationError(str(self.message), field=self.field, code=self.code, status=self.status)


SHOPIFY_UNAVAILABLE = MerchantAnswer(
    gettext_lazy("Shopify is not answering right now. Try again in a minute."), code="shopify_unavailable", status=502
)


def shopify_error_as_application_error(
    error: ShopifyError,
    *,
    answers: Mapping[ShopifyFailure, MerchantAnswer],
    otherwise: MerchantAnswer = SHOPIFY_UNAVAILABLE,
) -> ApplicationError:
    """The ApplicationError a use case answers ``error`` with: its answer for the kind of
    failure, ``otherwise`` for the kinds it does not distinguish. Raise it ``from error``."""
    return answers.get(shopify_failure(error), otherwise).error()
