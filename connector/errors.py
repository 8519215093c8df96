"""Domain errors of the application (vendor clients have their own, e.g. ``ShopifyError``).

Every error says whether trying again can help (``retryable``); the workers use it to choose
between a back-off and a final failure. Views catch only this family and show ``message``.
"""

from __future__ import annotations


class ApplicationError(Exception):
    """A use case refused the request; ``message`` is safe to show, ``field`` names the input."""

    retryable = False

    def __init__(
        self, message: str = "", *, field: str | None = None, code: str = "invalid", status: int = 400
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.status = status

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.message, "code": self.code}
        if self.field:
            body["field"] = self.field
        return body


class WebhookPayloadError(ApplicationError):
    """A webhook payload lacks what its topic's handler needs (retrying cannot fix it)."""


class WebhookWorkerLost(ApplicationError):
    """The worker processing a webhook event stopped before recording the outcome."""

    retryable = True


class TaskWorkerLost(ApplicationError):
    """The worker running a background task stopped before it finished (its work is queued again)."""

    retryable = True
