"""Typed errors of the Ecomdrop client.

``retryable`` says whether trying again later makes sense; ``may_have_been_processed`` says
whether Ecomdrop may have acted on the request although no answer arrived (a read timeout):
such a request must not be repeated blindly when repeating it would send a message twice.
"""

from __future__ import annotations


class EcomdropError(Exception):
    retryable = False
    may_have_been_processed = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class EcomdropAuthError(EcomdropError):
    """The API key was refused (401/403)."""


class EcomdropNotFound(EcomdropError):
    """The contact, flow or field does not exist (404)."""


class EcomdropBadRequest(EcomdropError):
    """Ecomdrop refused the request's content (400/411/422)."""


class EcomdropRateLimited(EcomdropError):
    retryable = True

    def __init__(self, message: str, *, retry_after: float = 30.0, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class EcomdropUnavailable(EcomdropError):
    """5xx, refused connection or connect timeout: the request was not acted on."""

    retryable = True


class EcomdropTimeout(EcomdropUnavailable):
    """No answer in time after the request was sent: it may have been acted on."""

    may_have_been_processed = True


class EcomdropServerError(EcomdropUnavailable):
    """A 500, 502 or 504 answer to a request that changes something: Ecomdrop (or a gateway in
    front of it) may have acted on it before failing, so it must not be assumed undone."""

    may_have_been_processed = True
