"""What the assistant app holds per shop (listed in settings.PERSONAL_DATA, run by
``webhooks.privacy``): the AI agent profile (its notification phones are the merchant's staff,
not customers)."""

from __future__ import annotations

from assistant.models import AIConfiguration


def erase_ai_configuration(*, shop: str) -> int:
    deleted, _ = AIConfiguration.objects.filter(shop=shop).delete()
    return deleted
