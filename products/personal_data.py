"""What the products app holds per shop (listed in settings.PERSONAL_DATA, run by
``webhooks.privacy``): product associations and their variant mappings. No customer data."""

from __future__ import annotations

from products.models import ProductAssociation


def erase_product_associations(*, shop: str) -> int:
    # Variant mappings go with their association (ON DELETE CASCADE, counted here).
    deleted, _ = ProductAssociation.objects.filter(shop=shop).delete()
    return deleted
