"""What the products app holds per shop (see ``webhooks.privacy``): product associations
and their variant mappings. No customer data."""

from __future__ import annotations

from products.models import ProductAssociation, VariantMapping
from webhooks.privacy import shop_data_eraser


@shop_data_eraser(ProductAssociation, VariantMapping)
def erase_product_associations(*, shop: str) -> int:
    # Variant mappings go with their association (ON DELETE CASCADE, counted here).
    deleted, _ = ProductAssociation.objects.filter(shop=shop).delete()
    return deleted
