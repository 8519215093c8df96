"""What the themes app holds per shop (see ``webhooks.privacy``): its theme installs.
The archive cache is shared by every shop and holds no personal data."""

from __future__ import annotations

from themes.models import ThemeInstall
from webhooks.privacy import shop_data_eraser


@shop_data_eraser(ThemeInstall)
def erase_theme_installs(*, shop: str) -> int:
    deleted, _ = ThemeInstall.objects.filter(shop=shop).delete()
    return deleted
