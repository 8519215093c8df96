"""The tables of the shipping write-back: carrier tracking-URL templates (data, editable by
staff) and one unit of write-back work per Dropi order and shipping transition. Imported by
``shops.models``, which is where the app's models are named."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from connector.models import shop_field
from connector.work.models import LeasedWork


def carrier_key(name: str) -> str:
    """``Inter Rapidísimo`` → ``INTERRAPIDISIMO``: upper case, no accents, letters and digits."""
    decomposed = unicodedata.normalize("NFKD", str(name or "").upper())
    return re.sub(r"[^A-Z0-9]", "", "".join(char for char in decomposed if not unicodedata.combining(char)))


class CarrierTrackingTemplate(models.Model):
    """Where a carrier's parcels are tracked (data, editable by staff in the admin).

    ``key`` is the carrier's name normalised (upper case, accents and everything but letters
    and digits removed: ``Interrapidísimo`` and ``INTER RAPIDISIMO`` are both
    ``INTERRAPIDISIMO``); Dropi's carrier names are matched against it. ``url_template``
    contains ``{guia}``. Seeded by shops/migrations/0013; the addresses are unverified unless
    ``verified``.
    """

    name = models.CharField(_("carrier"), max_length=100)
    key = models.CharField(
        _("normalised name"), max_length=100, unique=True, blank=True, help_text=_("Empty: made from the name.")
    )
    url_template = models.CharField(
        _("tracking URL template"), max_length=500, help_text=_("The carrier's tracking page, with {guia} in it.")
    )
    verified = models.BooleanField(_("checked with the carrier"), default=False)
    note = models.CharField(_("note"), max_length=255, blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "shops_carrier_tracking_template"
        verbose_name = _("carrier tracking URL")
        verbose_name_plural = _("carrier tracking URLs")
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} → {self.url_template}"

    def clean(self) -> None:
        self.key = carrier_key(self.key or self.name)
        if not self.url_template.startswith("https://") or "{guia}" not in self.url_template:
            raise ValidationError(
                {"url_template": _("Write the carrier's https:// tracking address with {guia} where the guía goes.")}
            )


class ShippingUpdate(LeasedWork):
    """What one shipping transition of a Dropi order writes to Shopify, exactly once.

    Recorded by ``shops.services.shipping_transitions.transition_recorded`` in the shipping
    sync's transaction; the key (order, ``key``) is unique, so the same transition recorded twice
    is one row. Holds the transition's values (stage, guía, carrier, tracking URL, Dropi's time)
    and the steps done (``steps``: ``tracking``, ``action``, ``tags``). States: pending →
    processing → sending (intent recorded, a write in flight) → done; failed. A write that may
    have reached Shopify unanswered sets ``needs_lookup``: Shopify is read before writing again.
    A job on the leased-work machine: ``shops.services.shipping_writeback.SHIPPING_UPDATE``.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        SENDING = "sending", _("Writing to Shopify")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    shop = shop_field(indexed=False)  # leads the table's composite indexes
    order = models.ForeignKey(
        "shops.DropiOrder", on_delete=models.CASCADE, related_name="shipping_updates", verbose_name=_("order")
    )
    key = models.CharField(_("transition"), max_length=200)
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.PENDING)
    previous_stage = models.CharField(_("previous stage"), max_length=20, blank=True, default="")
    stage = models.CharField(_("shipping stage"), max_length=20, blank=True, default="")
    guia = models.CharField(_("guía (tracking number)"), max_length=64, blank=True, default="")
    carrier = models.CharField(_("carrier"), max_length=100, blank=True, default="")
    tracking_url = models.CharField(_("tracking URL"), max_length=500, blank=True, default="")
    happened_at = models.DateTimeField(_("changed in Dropi at"), null=True, blank=True)
    steps = models.JSONField(_("steps done"), default=dict, blank=True)
    writing = models.CharField(_("write in flight"), max_length=20, blank=True, default="")
    needs_lookup = models.BooleanField(_("read Shopify before writing"), default=False)
    error_code = models.CharField(_("problem"), max_length=32, blank=True, default="")
    shopify_calls = models.PositiveSmallIntegerField(_("Shopify calls"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        db_table = "shops_shipping_update"
        verbose_name = _("shipping update")
        verbose_name_plural = _("shipping updates")
        ordering = ("-id",)
        constraints = [models.UniqueConstraint(fields=("order", "key"), name="shipping_update_order_key_uniq")]
        indexes = [
            models.Index(fields=("state", "next_attempt_at"), name="shipping_update_due_idx"),
            models.Index(fields=("shop", "-id"), name="ship_update_shop_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.key} ({self.state})"
