"""Signal receivers of the shops app.

Owns: installing the shop when the platform announces that Shopify authorized it
(``connector.signals.shop_authorized``; connector knows nothing of shops). Receivers only call
services; an exception propagates to the sender, which then does not store the token.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.dispatch import receiver

from connector.signals import shop_authorized
from shops import services


@receiver(shop_authorized, dispatch_uid="shops.install_when_authorized")
def install_when_authorized(*, shop: str, requested_at: datetime.datetime, **kwargs: Any) -> None:
    services.shop_install(shop=shop, requested_at=requested_at)
