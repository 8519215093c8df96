"""What follows when a Dropi order moves on its way to the buyer: the shipping sync records the
new stage, guía and carrier on the ``DropiOrder`` and calls ``transition_recorded`` in the same
transaction; this module queues what that transition asks for (the Shopify fulfillment write,
the stage tag, the buyer's WhatsApp shipping flow), each exactly once per order and transition.
"""

from __future__ import annotations

from shops.models import DropiOrder


def transition_recorded(order: DropiOrder, *, previous_stage: str, previous_guia: str, previous_carrier: str) -> None:
    """Queue the work a transition asks for. ``order`` carries the new values; the previous
    ones tell a first guía from a changed one. Runs inside the sync's transaction, so the queued
    work exists exactly when the transition does."""
