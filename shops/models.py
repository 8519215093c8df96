from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connector.fields import EncryptedTextField
from connector.models import TimestampedModel, shop_field
from connector.work.models import LeasedWork
from shops.countries import COUNTRY_CHOICES
from shops.shipping_stages import ShippingStage


class DropiOrderMode(models.TextChoices):
    """Who places a shop's orders with Dropi (decided for each order when it arrives)."""

    BOT = "bot", _("The Ecomdrop bot")
    APP_ON_CONFIRM = "app_on_confirm", _("The app, when the bot confirms")
    APP_ON_ORDER = "app_on_order", _("The app, as soon as the order arrives")
    MANUAL = "manual", _("The merchant, from Pedidos")


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
    dropi_order_mode = models.CharField(
        _("who places Dropi orders"),
        max_length=20,
        choices=DropiOrderMode.choices,
        default=DropiOrderMode.BOT,
        help_text=_("Decided for each order when it arrives; a change applies to the orders that arrive afterwards."),
    )
    cancel_shopify_order_on_bot_cancel = models.BooleanField(
        _("cancel the Shopify order when the bot cancels"),
        default=False,
        help_text=_("The bot's 'cancel' action also cancels the order in Shopify (restock, no refund)."),
    )
    # {stage: {"flow_id": …, "enabled_at": ISO time}}: the WhatsApp flow sent when an order
    # reaches the stage (shipping transitions seen before ``enabled_at`` send nothing).
    shipping_flows = models.JSONField(_("shipping flows"), default=dict, blank=True)
    shopify_notify_customer = models.BooleanField(
        _("Shopify emails the buyer the tracking"),
        default=False,
        help_text=_("The fulfillment created with Dropi's guía asks Shopify to send its shipping confirmation."),
    )
    cancel_shopify_order_on_dropi_cancel = models.BooleanField(
        _("cancel the Shopify order when Dropi cancels"),
        default=False,
        help_text=_("Before shipping only: restock, no refund, with a staff note."),
    )
    shipping_writeback_problem = models.CharField(
        _("shipping write-back problem"), max_length=64, blank=True, default=""
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
        SHIP_GUIDE = "ship_guide", _("Shipping: guide generated")
        SHIP_OUT = "ship_out", _("Shipping: out for delivery")
        SHIP_INCIDENT = "ship_incident", _("Shipping: incident (novedad)")
        SHIP_DELIVERED = "ship_delivered", _("Shipping: delivered")
        SHIP_RETURNED = "ship_returned", _("Shipping: returned")

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
        REPLACED = "replaced", _("Replaced by a newer order from the same buyer")
        DRAFT_COMPLETED = "draft_completed", _("The draft order was completed")
        DRAFT_DELETED = "draft_deleted", _("The draft order was deleted")
        PAYMENT = "payment", _("Payment method without the order flow")
        PAYMENT_UNKNOWN = "payment_unknown", _("Unknown payment method")
        CHANNEL = "channel", _("Sales channel without the order flow")
        TAG = "tag", _("Order tag without the order flow")
        DUPLICATE = "duplicate", _("Possible duplicate")

    class HoldReason(models.TextChoices):
        QUIET_HOURS = "quiet_hours", _("Quiet hours: waits until the window opens")

    shop = shop_field(indexed=False)  # leads the table's composite indexes
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
    # Keyed hash of the E.164 phone: deliveries sharing (shop, phone_key) run one at a time.
    phone_key = models.CharField(_("buyer key"), max_length=64, blank=True, default="", editable=False)
    hold_reason = models.CharField(_("on hold"), max_length=32, choices=HoldReason.choices, blank=True, default="")
    reason_detail = models.CharField(_("reason detail"), max_length=255, blank=True, default="")
    facts = models.JSONField(_("order facts for the guardrails"), default=dict, blank=True)
    guards_bypassed = models.BooleanField(_("sent again by hand"), default=False)

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
            models.Index(fields=("shop", "phone_key", "id"), name="flow_delivery_buyer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.order_name or self.shopify_object_id} ({self.state})"


class DropiOrder(LeasedWork):
    """One Shopify order on its way to Dropi: the idempotency key is (shop, shopify_order_id),
    so repeated webhooks, callbacks and clicks can never make a second one.

    Recorded when the order arrives, with its lines resolved to Dropi ids (``lines``; the ones
    without a link in ``unresolved_lines``), the address snapshot and who places it (``mode``,
    decided once). States: awaiting (the bot's confirm or the merchant's click) → queued →
    placing → sending (intent recorded, create in flight) → tagging (placed; the Shopify tag
    ``dropi:<id>`` to write) → placed. Off the path: bot (the Ecomdrop bot places it), needs_link,
    address (Dropi refused it: waits for a corrected address), failed, cancelled. A job on the
    leased-work machine: ``shops.services.dropi_order_job.DROPI_ORDER``.

    The shipping columns (``shipping_stage``, ``guia``, ``carrier``, ``tracking_url``,
    ``label_url``, ``dropi_status_changed_at``) are written by the shipping sync; the status
    history is kept as ``DropiOrderEvent`` rows.
    """

    class State(models.TextChoices):
        BOT = "bot", _("Placed by the bot")
        AWAITING = "awaiting", _("Waiting")
        QUEUED = "queued", _("Queued")
        PLACING = "placing", _("Placing")
        SENDING = "sending", _("Sending to Dropi")
        TAGGING = "tagging", _("In Dropi (tagging the order)")
        PLACED = "placed", _("In Dropi")
        NEEDS_LINK = "needs_link", _("Products without a Dropi link")
        ADDRESS = "address", _("Address to correct")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    shop = shop_field(indexed=False)  # leads the table's composite indexes
    shopify_order_id = models.CharField(_("Shopify order id"), max_length=32)
    order_name = models.CharField(_("order"), max_length=64, blank=True, default="")
    mode = models.CharField(_("placed by"), max_length=20, choices=DropiOrderMode.choices)
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.AWAITING)
    lines = models.JSONField(_("lines with their Dropi ids"), default=list, blank=True)
    unresolved_lines = models.JSONField(_("lines without a Dropi link"), default=list, blank=True)
    unresolved_count = models.PositiveSmallIntegerField(_("lines without a Dropi link"), default=0)
    address = models.JSONField(_("shipping address"), default=dict, blank=True)
    phone = EncryptedTextField(_("phone"), null=True, blank=True)
    email = EncryptedTextField(_("email"), null=True, blank=True)
    customer_id = models.CharField(_("Shopify customer id"), max_length=64, blank=True, default="", db_index=True)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=8, blank=True, default="")
    gateway = models.CharField(_("payment gateway"), max_length=255, blank=True, default="")
    cash_on_delivery = models.BooleanField(_("cash on delivery"), default=True)
    note = models.TextField(_("order note"), blank=True, default="")
    confirmed_at = models.DateTimeField(_("confirmed by the bot at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    dropi_cancel_required = models.BooleanField(
        _("to cancel in Dropi"), default=False, help_text=_("Cancelled after the Dropi order existed.")
    )
    shopify_cancelled_at = models.DateTimeField(_("cancelled in Shopify at"), null=True, blank=True)
    needs_lookup = models.BooleanField(
        _("look up before creating"),
        default=False,
        help_text=_("A create may have reached Dropi without an answer: Dropi is searched before creating again."),
    )
    error_code = models.CharField(_("problem"), max_length=32, blank=True, default="")
    dropi_order_id = models.CharField(_("Dropi order id"), max_length=64, blank=True, default="", db_index=True)
    dropi_status = models.CharField(_("Dropi status"), max_length=64, blank=True, default="")
    placed_at = models.DateTimeField(_("placed at"), null=True, blank=True)
    tag_attempts = models.PositiveSmallIntegerField(_("tag attempts"), default=0)
    shopify_tagged_at = models.DateTimeField(_("tagged in Shopify at"), null=True, blank=True)
    shipping_stage = models.CharField(
        _("shipping stage"), max_length=20, choices=ShippingStage.choices, blank=True, default=""
    )
    guia = models.CharField(_("guía (tracking number)"), max_length=64, blank=True, default="")
    carrier = models.CharField(_("carrier"), max_length=100, blank=True, default="")
    tracking_url = models.URLField(_("tracking URL"), max_length=500, blank=True, default="")
    label_url = models.URLField(_("label URL"), max_length=500, blank=True, default="")
    dropi_status_changed_at = models.DateTimeField(_("Dropi status changed at"), null=True, blank=True)
    shopify_fulfillment_id = models.CharField(_("Shopify fulfillment"), max_length=64, blank=True, default="")
    shopify_tracking = models.CharField(_("tracking written to Shopify"), max_length=200, blank=True, default="")

    class Meta:
        db_table = "shops_dropi_order"
        verbose_name = _("Dropi order")
        verbose_name_plural = _("Dropi orders")
        ordering = ("-id",)
        constraints = [models.UniqueConstraint(fields=("shop", "shopify_order_id"), name="dropi_order_shop_order_uniq")]
        indexes = [
            models.Index(fields=("state", "next_attempt_at"), name="dropi_order_due_idx"),
            models.Index(fields=("shop", "-id"), name="dropi_order_shop_recent_idx"),
            models.Index(fields=("shop", "state"), name="dropi_order_shop_state_idx"),
            models.Index(fields=("shop", "order_name"), name="dropi_order_shop_name_idx"),
            models.Index(fields=("shop", "shipping_stage"), name="dropi_order_shop_stage_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_name or self.shopify_order_id} ({self.state})"


class DropiOrderEvent(models.Model):
    """One line of a Dropi order's history: a bot action, a mode decision, a placement attempt
    and its result, a merchant's click. Rows are only added (never updated), so concurrent
    writers (the callback, a worker, the page) never overwrite each other; ``action_id`` makes
    a repeated bot action recognisable (unique per order)."""

    order = models.ForeignKey(DropiOrder, on_delete=models.CASCADE, related_name="events", verbose_name=_("order"))
    kind = models.CharField(_("event"), max_length=32)
    actor = models.CharField(_("by"), max_length=16)
    at = models.DateTimeField(_("at"), default=timezone.now)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    action_id = models.CharField(_("action id"), max_length=100, null=True, blank=True)

    class Meta:
        db_table = "shops_dropi_order_event"
        verbose_name = _("Dropi order event")
        verbose_name_plural = _("Dropi order events")
        ordering = ("order_id", "id")
        constraints = [models.UniqueConstraint(fields=("order", "action_id"), name="dropi_order_event_action_uniq")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.actor})"


from shops.models_places import DropiDepartment  # noqa: E402, F401 (a model of this app)
from shops.models_rules import DeliveryRules  # noqa: E402, F401 (a model of this app)

# Defined apart (shops/models_shipping.py), named here like every model of the app.
from shops.models_shipping import CarrierTrackingTemplate, ShippingUpdate  # noqa: E402, F401

# The Dropi status sync's tables (shops/models_tracking.py).
from shops.models_tracking import DropiStatusWord, DropiTrackingSync  # noqa: E402, F401
