"""Domain errors of the application (vendor clients have their own, e.g. ``ShopifyError``).

Every error says whether trying again can help (``retryable``); the webhook worker and later
delivery code use it to choose between a back-off and a final failure.
"""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of every domain error; views catch only this family."""

    retryable = False


class WebhookPayloadError(ApplicationError):
    """A webhook payload lacks what its topic's handler needs (retrying cannot fix it)."""


class WebhookWorkerLost(ApplicationError):
    """The worker processing a webhook event stopped before recording the outcome."""

    retryable = True
