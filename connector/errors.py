"""The domain error that views catch and show to the user."""

from __future__ import annotations


class ApplicationError(Exception):
    """A use case refused the request; ``message`` is safe to show, ``field`` names the input."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid", status: int = 400) -> None:
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
