"""Recovery of stalled theme installs, run by every task worker (see connector.maintenance)."""

from __future__ import annotations

from connector.maintenance import maintenance_hook
from themes import services


@maintenance_hook("theme_installs")
def recover_theme_installs() -> dict[str, int]:
    """Installs whose worker vanished: checked with Shopify again, queued again, or ended with a
    reason the merchant reads (unconfirmed when the theme may already be in the shop)."""
    return services.theme_install_recover_stale()
