"""The stages of a Dropi order on its way to the buyer (plain choices, no tables).

Owns: the stage words the shipping sync writes on ``DropiOrder.shipping_stage`` and the status
map (``DropiStatusWord``) maps Dropi's status words to. Lives apart from the models so the
models of each concern can use it without importing each other.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ShippingStage(models.TextChoices):
    """Where a Dropi order is on its way to the buyer. Dropi's status words map to these in
    data (the shipping sync's status map); words it does not know are kept verbatim as OTHER."""

    PENDING = "pending", _("Pending")
    GUIDE_GENERATED = "guide_generated", _("Guide generated")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    INCIDENT = "incident", _("Incident (novedad)")
    DELIVERED = "delivered", _("Delivered")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")
    OTHER = "other", _("Other")
