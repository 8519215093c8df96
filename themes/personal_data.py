"""What the themes app holds per shop (listed in settings.PERSONAL_DATA, run by
``webhooks.privacy``): its theme installs.
The archive cache is shared by every shop and holds no personal data."""

from __future__ import annotations

from themes.models import ThemeInstall


def erase_theme_installs(*, shop: str) -> int:
    deleted, _ = ThemeInstall.objects.filter(shop=shop).delete()
    return deleted
