"""What the assistant app holds per shop (see ``webhooks.privacy``): the AI agent profile
(its notification phones are the merchant's staff, not customers)."""

from __future__ import annotations

from assistant.models import AIConfiguration
from webhooks.privacy import shop_data_eraser


@shop_data_eraser(AIConfiguration)
def erase_ai_configuration(*, shop: str) -> int:
    deleted, _ = AIConfiguration.objects.filter(shop=shop).delete()
    return deleted
