"""Signal receivers of the assistant app.

Owns: queueing the AI profile's sync when the shop connects an Ecomdrop key (the shops app
sends the signal and knows nothing of the assistant). Receivers only call services.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from assistant import services
from shops.signals import ecomdrop_connected


@receiver(ecomdrop_connected, dispatch_uid="assistant.sync_after_ecomdrop_connected")
def sync_after_ecomdrop_connected(*, shop: str, **kwargs: Any) -> None:
    services.ai_profile_sync_after_ecomdrop_connected(shop=shop)
