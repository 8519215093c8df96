from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from connector.fields import EncryptedTextField
from connector.models import TimestampedModel, shop_field
from connector.work.models import LeasedWork
from shops.countries import COUNTRY_CHOICES


class ShopConfiguration(TimestampedModel):
    """One row per shop: Ecomdrop key and flows, Dropi settings, callback secret, lifecycle."""

    shop = shop_field(unique=True)
    ecomdrop_api_key = EncryptedTextField(_("Ecomdrop API key"), null=True, blank=True)
    nuevo_pedido_flow_id = models.CharField(_("'Nuevo Pedido' flow id"), max_length=255, null=True, blank=True)
    carrito_abandonado_flow_id = models.CharField(
        _("'Carrito Abandonado' flow id"), max_length=255, null=True, blank=True
    )
    dropi_store_name = models.CharField(_("Dropi store name"), max_length=255, null=True, blank=True)
    dropi_country = models.CharField(
        _("Dropi country"), max_length=10, choices=COUNTRY_CHOICES, null=True, blank=True, db_index=True
    )
    dropi_token = EncryptedTextField(_("Dropi token"), null=True, blank=True)
    callback_secret = EncryptedTextField(_("callback secret"), null=True, blank=True)
    # Keyed hash of callback_secret: the ciphertext is randomised, so look-ups use this column.
    callback_secret_hash = models.CharField(
        _("callback secret hash"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    abandoned_cart_delay_minutes = models.PositiveIntegerField(
        _("abandoned cart delay (minutes)"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(7 * 24 * 60)],
        help_text=_("How long a checkout may stay unpaid before the 'Carrito Abandonado' flow is sent."),
    )
    ecomdrop_account_name = models.CharField(_("Ecomdrop account"), max_length=255, blank=True, default="")
    ecomdrop_account_id = models.CharField(
        _("Ecomdrop account id"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("The account the key belongs to (GET /accounts/me); a key of another account resets the flows."),
    )
    ecomdrop_flows_cleared = models.BooleanField(
        _("flows to choose again"),
        default=False,
        help_text=_("The flows were removed because a key of another Ecomdrop account was connected."),
    )
    ecomdrop_field_names = models.JSONField(
        _("Ecomdrop contact field names"),
        default=dict,
        blank=True,
        help_text=_("Overrides of the contact custom field that receives each order value (empty: defaults)."),
    )
    iana_timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("The shop's time zone in Shopify (IANA name); the pages show dates in it. Empty: not read yet."),
    )
    installed_at = models.DateTimeField(_("installed at"), null=True, blank=True)
    uninstalled_at = models.DateTimeField(_("uninstalled at"), null=True, blank=True, db_index=True)

    class Meta:
        db_table = "shops_shop_configuration"
        verbose_name = _("shop configuration")
        verbose_name_plural = _("shop configurations")
        ordering = ("-id",)

    def __str__(self) -> str:
        return self.shop

    @property
    def is_installed(self) -> bool:
        return self.uninstalled_at is None


class EcomdropBotField(models.Model):
    """Which Ecomdrop account-level bot field receives a value (data, editable by staff).

    Keys: ``dropi_token:<country>`` for the Dropi token per country; ``ai:<part>`` for the AI
    assistant profile (assistant app), whose id may stay empty: each merchant's account then has
    its own field, found by ``name`` or created there.
    """

    key = models.CharField(_("key"), max_length=100, unique=True)
    field_id = models.CharField(
        _("Ecomdrop bot field id"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("Empty: the field is looked up by name in each merchant's account (and created there if missing)."),
    )
    name = models.CharField(_("name"), max_length=255, blank=True, default="")
    description = models.CharField(_("description"), max_length=500, blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "shops_ecomdrop_bot_field"
        verbose_name = _("Ecomdrop bot field")
        verbose_name_plural = _("Ecomdrop bot fields")
        ordering = ("key",)

    def __str__(self) -> str:
        return f"{self.key} → {self.field_id}"


class FlowDelivery(LeasedWork):
    """One Ecomdrop flow to send for one Shopify object: the idempotency key is
    (shop, kind, shopify_object_id), so duplicate webhooks can never create a second send.

    States: pending → processing (contact and fields) → sending (intent recorded, flow call in
    flight) → sent. A call that may have reached Ecomdrop without an answer, or a worker lost in
    ``sending``, ends ``unconfirmed`` and is never resent automatically. A job on the
    leased-work machine: ``shops.services.delivery_job.FLOW_DELIVERY``.
    """

    class Kind(models.TextChoices):
        ORDER_CREATED = "order_created", _("New order")
        CART_ABANDONED = "cart_abandoned", _("Abandoned cart")
        TEST = "test", _("Test event")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        UNCONFIRMED = "unconfirmed", _("Unconfirmed")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    class SkipReason(models.TextChoices):
        NO_API_KEY = "no_api_key", _("Ecomdrop is not connected")
        NO_FLOW = "no_flow", _("No flow chosen for this event")
        NO_PHONE = "no_phone", _("The buyer has no phone number")
        INVALID_PHONE = "invalid_phone", _("The buyer's phone number is not valid")
        UNINSTALLED = "uninstalled", _("The app is uninstalled")
        CONVERTED = "converted", _("The checkout became an order")
        FLOW_MISSING = "flow_missing", _("The chosen flow no longer exists in Ecomdrop")

    shop = shop_field()
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    shopify_object_id = models.CharField(_("Shopify id"), max_length=255, help_text=_("Order id or checkout token"))
    order_name = models.CharField(_("order"), max_length=64, blank=True, default="")
    checkout_token = models.CharField(_("checkout token"), max_length=255, blank=True, default="", db_index=True)
    customer_id = models.CharField(_("Shopify customer id"), max_length=64, blank=True, default="", db_index=True)
    phone = EncryptedTextField(_("phone"), null=True, blank=True)
    email = EncryptedTextField(_("email"), null=True, blank=True)
    contact = models.JSONField(_("contact data"), default=dict, blank=True)
    fields = models.JSONField(_("contact field values"), default=dict, blank=True)
    flow_id = models.CharField(_("flow id"), max_length=255, blank=True, default="")
    contact_id = models.CharField(_("Ecomdrop contact id"), max_length=255, blank=True, default="")
    state = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    skip_reason = models.CharField(_("skip reason"), max_length=32, choices=SkipReason.choices, blank=True, default="")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    callback_status = models.CharField(_("callback status"), max_length=64, blank=True, default="")
    callback_tags = models.JSONField(_("callback tags"), default=list, blank=True)
    callback_received_at = models.DateTimeField(_("callback received at"), null=True, blank=True)

    class Meta:
        db_table = "shops_flow_delivery"
        verbose_name = _("flow delivery")
        verbose_name_plural = _("flow deliveries")
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(
                fields=("shop", "kind", "shopify_object_id"), name="flow_delivery_shop_kind_object_uniq"
            )
        ]
        indexes = [
            models.Index(fields=("state", "next_attempt_at"), name="flow_delivery_due_idx"),
            models.Index(fields=("shop", "-id"), name="flow_delivery_shop_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.order_name or self.shopify_object_id} ({self.state})"
