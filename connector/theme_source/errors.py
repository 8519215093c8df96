"""Typed errors of the theme-source clients; ``retryable`` tells callers whether to try again."""

from __future__ import annotations


class ThemeSourceError(Exception):
    """Base error of every call to a theme source (Git host or archive URL)."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ThemeSourceAuthError(ThemeSourceError):
    """The host refused the token (HTTP 401/403): missing, invalid, expired or without access."""


class ThemeSourceNotFound(ThemeSourceError):
    """The repository, ref or file does not exist (or the token cannot see it: GitHub answers 404)."""


class ThemeSourceUnavailable(ThemeSourceError):
    """The host did not answer properly (timeout, connection error, 5xx, rate limit)."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = None, wait_seconds: float | None = None) -> None:
        super().__init__(message, status=status)
        self.wait_seconds = wait_seconds


class ThemeArchiveTooLarge(ThemeSourceError):
    """The archive is bigger than the configured cap (announced or counted while streaming)."""

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit
