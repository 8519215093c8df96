"""The tables of the Dropi status sync: the status map and each shop's sync.

Owns: ``DropiStatusWord`` (Dropi's status words → shipping stage; data, editable by staff,
seeded by a migration) and ``DropiTrackingSync`` (one row per shop with a Dropi token: the
sync's schedule, its window and its last result; a job on the leased-work machine,
``shops.services.tracking_sync.TRACKING_SYNC``). Registered with the app by ``shops.models``.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from connector.models import shop_field
from connector.work.models import LeasedWork
from shops.shipping_stages import ShippingStage


class DropiStatusWord(models.Model):
    """Which shipping stage a Dropi status word means (data, editable by staff).

    ``word`` is normalised (upper case, accents removed, ``_`` read as a space, single spaces):
    ``GUIA_GENERADA`` and ``Guía generada`` are the same word. A word without a row is kept
    verbatim on the order and its stage is *other*. Seeded by shops/migrations/0016 with the
    words public integrations show (unverified).
    """

    word = models.CharField(_("Dropi status"), max_length=64, unique=True)
    stage = models.CharField(_("shipping stage"), max_length=20, choices=ShippingStage.choices)
    note = models.CharField(_("note"), max_length=255, blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "shops_dropi_status_word"
        verbose_name = _("Dropi status word")
        verbose_name_plural = _("Dropi status words")
        ordering = ("word",)

    def __str__(self) -> str:
        return f"{self.word} → {self.stage}"


class DropiTrackingSync(LeasedWork):
    """The Dropi status sync of one shop: a periodic job whose ``next_attempt_at`` is the next
    run. States: waiting (the next run is due at ``next_attempt_at``) → running → waiting; off
    (no Dropi token, or the app is uninstalled: the worker's maintenance turns it on again).

    ``synced_until`` is when the last complete run started: the next run asks Dropi for the
    orders whose status changed since then, less an overlap, so nothing falls between runs.
    """

    class State(models.TextChoices):
        WAITING = "waiting", _("Scheduled")
        RUNNING = "running", _("Running")
        OFF = "off", _("Off")

    shop = shop_field(unique=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.WAITING)
    interval_minutes = models.PositiveIntegerField(
        _("interval (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("Empty: DROPI_TRACKING_INTERVAL_MINUTES."),
    )
    synced_until = models.DateTimeField(_("synced until"), null=True, blank=True)
    requested_at = models.DateTimeField(_("sync requested at"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last run started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last run finished at"), null=True, blank=True)
    last_result = models.CharField(_("last result"), max_length=32, blank=True, default="")
    last_window_from = models.DateField(_("last window from"), null=True, blank=True)
    last_window_until = models.DateField(_("last window until"), null=True, blank=True)
    last_calls = models.PositiveIntegerField(_("Dropi calls in the last run"), default=0)
    last_orders_read = models.PositiveIntegerField(_("orders read in the last run"), default=0)
    last_orders_changed = models.PositiveIntegerField(_("orders changed in the last run"), default=0)
    last_orders_unmatched = models.PositiveIntegerField(_("orders without a Shopify order"), default=0)

    class Meta:
        db_table = "shops_dropi_tracking_sync"
        verbose_name = _("Dropi status sync")
        verbose_name_plural = _("Dropi status syncs")
        ordering = ("shop",)
        indexes = [models.Index(fields=("state", "next_attempt_at"), name="tracking_sync_due_idx")]

    def __str__(self) -> str:
        return f"{self.shop} ({self.state})"
