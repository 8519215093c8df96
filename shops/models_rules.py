"""A shop's delivery rules: where abandoned carts come from and the guardrails of the order flow.

Owns the ``DeliveryRules`` model (one row per shop, created when the merchant first saves the
rules; a shop without one gets the defaults). Reading and saving them is
``shops.services.delivery_rules``'; applying them, ``shops.services.guardrails``'.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from connector.models import TimestampedModel, shop_field


def default_payment_methods() -> list[str]:
    return ["cod", "manual", "pending"]


def default_skip_channels() -> list[str]:
    return ["pos"]


def default_quiet_hours() -> bool:
    return bool(settings.DELIVERY_QUIET_HOURS_BY_DEFAULT)


def default_duplicate_window() -> int:
    return max(0, int(settings.DELIVERY_DUPLICATE_WINDOW_MINUTES))


class DeliveryRules(TimestampedModel):
    """Abandoned-cart sources and the order flow's guardrails of one shop (defaults shown on
    Configuración › Ecomdrop)."""

    class CartSource(models.TextChoices):
        CHECKOUTS = "checkouts", _("Shopify checkouts")
        DRAFTS = "drafts", _("COD form draft orders")
        BOTH = "both", _("Both")

    class PaymentMethod(models.TextChoices):
        COD = "cod", _("Cash on delivery")
        MANUAL = "manual", _("Manual payment")
        PENDING = "pending", _("Payment pending")
        PREPAID = "prepaid", _("Prepaid (paid online)")

    shop = shop_field(unique=True)
    cart_source = models.CharField(
        _("abandoned carts from"), max_length=16, choices=CartSource.choices, default=CartSource.CHECKOUTS
    )
    draft_tags = models.JSONField(
        _("draft order tags"), default=list, blank=True, help_text=_("A draft order counts when it has one of these.")
    )
    draft_any_open = models.BooleanField(_("any open draft order counts"), default=False)
    payment_methods = models.JSONField(_("payment methods with the order flow"), default=default_payment_methods)
    skip_tags = models.JSONField(_("order tags without the order flow"), default=list, blank=True)
    skip_channels = models.JSONField(_("sales channels without the order flow"), default=default_skip_channels)
    quiet_hours_enabled = models.BooleanField(_("quiet hours"), default=default_quiet_hours)
    quiet_start = models.TimeField(_("quiet hours start"), default=datetime.time(21, 0))
    quiet_end = models.TimeField(_("quiet hours end"), default=datetime.time(8, 0))
    duplicate_window_minutes = models.PositiveIntegerField(
        _("duplicate window (minutes)"),
        default=default_duplicate_window,
        validators=[MaxValueValidator(24 * 60)],
        help_text=_("Same phone and same items within this many minutes: possible duplicate. 0: off."),
    )

    class Meta:
        db_table = "shops_delivery_rules"
        verbose_name = _("delivery rules")
        verbose_name_plural = _("delivery rules")
        ordering = ("-id",)

    def __str__(self) -> str:
        return self.shop
