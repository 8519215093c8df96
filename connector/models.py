from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from connector.fields import EncryptedTextField
from connector.validators import validate_shop_domain


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


def shop_field(*, unique: bool = False) -> models.CharField:
    """The shop domain column used by every per-shop table."""
    return models.CharField(
        _("shop"),
        max_length=255,
        unique=unique,
        db_index=not unique,
        validators=[validate_shop_domain],
        help_text=_("Shop domain, e.g. example.myshopify.com"),
    )


class PrefixIndex(models.Index):
    """An index on the first ``length`` characters of each column on MySQL/MariaDB.

    Keeps the key of a long VARCHAR (product names are 500 characters) within the project's
    255-character limit for indexed text; a ``LIKE 'prefix%'`` search still reads a range of
    it. Other databases index the whole column.
    """

    def __init__(self, *, length: int = 255, **kwargs: Any) -> None:
        self.length = length
        super().__init__(**kwargs)

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        kwargs["length"] = self.length
        return path, args, kwargs

    def create_sql(self, model: type[models.Model], schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "mysql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        fields = [model._meta.get_field(field_name) for field_name, _ in self.fields_orders]
        return schema_editor._create_index_sql(
            model, fields=fields, name=self.name, using=using, col_suffixes=[f"({self.length})"] * len(fields), **kwargs
        )


class ShopifySession(TimestampedModel):
    """A Shopify access token for a shop (offline) or a staff user (online).

    Ids follow the Shopify libraries: ``offline_{shop}`` and ``{shop}_{user_id}``.
    """

    id = models.CharField(_("id"), max_length=255, primary_key=True)
    shop = shop_field()
    state = models.CharField(_("state"), max_length=255, blank=True, default="")
    is_online = models.BooleanField(_("online"), default=False)
    scope = models.TextField(_("scope"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    access_token = EncryptedTextField(_("access token"))
    refresh_token = EncryptedTextField(_("refresh token"), null=True, blank=True)
    refresh_token_expires = models.DateTimeField(_("refresh token expires"), null=True, blank=True)
    user_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    first_name = models.CharField(_("first name"), max_length=255, null=True, blank=True)
    last_name = models.CharField(_("last name"), max_length=255, null=True, blank=True)
    email = models.CharField(_("email"), max_length=255, null=True, blank=True)
    account_owner = models.BooleanField(_("account owner"), default=False)
    locale = models.CharField(_("locale"), max_length=10, null=True, blank=True)
    collaborator = models.BooleanField(_("collaborator"), null=True, blank=True)
    email_verified = models.BooleanField(_("email verified"), null=True, blank=True)
    # A lease instead of a transaction held across the HTTP call: one process refreshes at a time.
    refresh_lock_until = models.DateTimeField(_("refresh in progress until"), null=True, blank=True, editable=False)
    refresh_lock_owner = models.CharField(max_length=64, blank=True, default="", editable=False)
    reauthorization_required_at = models.DateTimeField(
        _("re-authorization required since"),
        null=True,
        blank=True,
        help_text=_("Shopify refused the refresh token; the merchant must open the app from Shopify Admin."),
    )

    class Meta:
        db_table = "connector_shopify_session"
        verbose_name = _("Shopify session")
        verbose_name_plural = _("Shopify sessions")
        ordering = ("shop", "id")
        # The admin searches these (names by their beginning): each term stays an index look-up.
        indexes = [
            models.Index(fields=("email",), name="shopify_session_email_idx"),
            models.Index(fields=("user_id",), name="shopify_session_user_id_idx"),
            models.Index(fields=("first_name",), name="shopify_session_first_name_idx"),
            models.Index(fields=("last_name",), name="shopify_session_last_name_idx"),
        ]

    def __str__(self) -> str:
        return self.id

    @staticmethod
    def offline_id(shop: str) -> str:
        return f"offline_{shop}"

    @staticmethod
    def online_id(shop: str, user_id: int) -> str:
        return f"{shop}_{user_id}"


class OAuthState(models.Model):
    """A single-use nonce of the fallback OAuth flow (login outside Shopify Admin)."""

    state = models.CharField(max_length=64, unique=True)
    shop = shop_field()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "connector_oauth_state"
        verbose_name = _("OAuth state")
        verbose_name_plural = _("OAuth states")

    def __str__(self) -> str:
        return f"{self.shop} ({self.created_at:%Y-%m-%d %H:%M})"


class WebhookEvent(TimestampedModel):
    """One Shopify event in the inbox: stored at delivery, processed later by a worker.

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
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # While processing: the worker's lease. A worker that dies leaves it to expire (recovery).
    locked_until = models.DateTimeField(_("processing lease until"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    attempt_errors = models.JSONField(_("errors of every attempt"), default=list, blank=True)
    # The queued task that will process the event (django-tasks-db result id). The task finds
    # its event by this id, so a task replaced by a retry or by recovery does nothing; recovery
    # uses it to tell a lost task from a queue that is merely behind.
    task_id = models.UUIDField(_("task id"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        db_table = "connector_webhook_event"
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(fields=("shop", "topic", "event_id"), name="webhook_event_shop_topic_event_uniq")
        ]
        indexes = [models.Index(fields=("status", "next_attempt_at"), name="webhook_event_status_due_idx")]

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
