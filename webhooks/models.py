"""The webhook inbox's tables: events as Shopify delivered them (a topic named in
settings.WEBHOOK_PAYLOAD_REDUCERS with its payload reduced to what its handler reads) and
customer data exports.

Both tables keep the names they had in the connector app (``db_table``), where they were created.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from connector.models import TimestampedModel, shop_field
from connector.validators import validate_shop_domain
from connector.work.models import LeasedWork


class WebhookEvent(LeasedWork):
    """One Shopify event in the inbox: stored at delivery, processed later by a worker (a job
    on the leased-work machine: ``webhooks.services.inbox.WEBHOOK_EVENT``).

    ``(shop, topic, event_id)`` is unique: a repeated delivery of the same event stores nothing.
    ``created_at`` is when it was received.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        RETRYING = "retrying", _("Retry scheduled")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")
        IGNORED = "ignored", _("Ignored")

    shop = shop_field()
    topic = models.CharField(_("topic"), max_length=100, db_index=True)
    event_id = models.CharField(
        _("event id"), max_length=100, db_index=True, help_text=_("X-Shopify-Event-Id (the de-duplication key).")
    )
    webhook_id = models.CharField(
        _("webhook id"), max_length=100, db_index=True, help_text=_("X-Shopify-Webhook-Id of the stored delivery.")
    )
    api_version = models.CharField(_("API version"), max_length=20, blank=True, default="")
    triggered_at = models.DateTimeField(_("triggered at"), null=True, blank=True)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    # Small: an event gets at most WEBHOOK_MAX_ATTEMPTS (the column predates the shared one).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    attempt_errors = models.JSONField(_("errors of every attempt"), default=list, blank=True)
    # Unique: on the database queue the task carries no argument and finds its event by this id.
    task_id = models.UUIDField(_("task id"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        db_table = "connector_webhook_event"
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(fields=("shop", "topic", "event_id"), name="webhook_event_shop_topic_event_uniq")
        ]
        indexes = [models.Index(fields=("state", "next_attempt_at"), name="webhook_event_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.topic} · {self.shop} · {self.event_id}"


class CustomerDataExport(TimestampedModel):
    """Everything held about one customer, assembled for a ``customers/data_request``.

    Kept for the operator, who sends it to the merchant; deleted by ``customers/redact`` for
    that customer and by ``shop/redact``.
    """

    shop = models.CharField(_("shop"), max_length=255, validators=[validate_shop_domain])
    customer_id = models.CharField(_("Shopify customer id"), max_length=64, blank=True, default="")
    data_request_id = models.CharField(_("data request id"), max_length=64, blank=True, default="")
    # A plain id, not a foreign key: pruning webhook events stays a single fast DELETE.
    source_event_id = models.BigIntegerField(_("webhook event"), null=True, blank=True, unique=True)
    document = models.JSONField(_("document"))

    class Meta:
        db_table = "connector_customer_data_export"
        verbose_name = _("customer data export")
        verbose_name_plural = _("customer data exports")
        ordering = ("-id",)
        indexes = [models.Index(fields=("shop", "customer_id"), name="data_export_shop_customer_idx")]

    def __str__(self) -> str:
        return f"{self.shop} · {self.customer_id or '—'} · #{self.pk}"
