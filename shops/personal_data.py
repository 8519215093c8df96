"""What the shops app holds per shop (see ``connector.privacy``): the configuration row
(Ecomdrop key and flows, Dropi settings, callback secret). No customer data yet."""

from __future__ import annotations

from connector.privacy import shop_data_eraser
from shops.models import ShopConfiguration


@shop_data_eraser(ShopConfiguration)
def erase_shop_configuration(*, shop: str) -> int:
    deleted, _ = ShopConfiguration.objects.filter(shop=shop).delete()
    return deleted
