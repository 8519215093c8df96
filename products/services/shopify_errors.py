"""Shopify's refusals of an import in the merchant's words.

Owns: ``ShopifyRefused`` (user errors, each with a label the merchant understands), the
refusal of the stock alone and the warning that the inventory permissions are missing.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from connector.shopify.errors import ShopifyUserErrors

STOCK_FIELDS = ("inventoryQuantities", "inventoryItem")


class _StockRefused(Exception):
    """Shopify refused only the stock of a ``productSet`` (nothing changed); ``warning`` says why."""

    def __init__(self, warning: str) -> None:
        super().__init__(warning)
        self.warning = warning


class ShopifyRefused(ApplicationError):
    """Shopify answered ``userErrors``: nothing was changed; each error names its field."""

    def __init__(self, user_errors: list[dict[str, str]]) -> None:
        super().__init__(_("Shopify refused the product. Nothing was changed."), code="shopify_user_errors", status=422)
        self.user_errors = user_errors

    def as_dict(self) -> dict[str, object]:
        body = super().as_dict()
        body["user_errors"] = self.user_errors
        return body


def _permission_warning() -> str:
    return _(
        "The stock was not written to Shopify: the app does not have the inventory permissions yet "
        "(write_inventory, read_locations). Open the app again from Shopify Admin to accept them, then import again."
    )


def _user_errors(error: ShopifyUserErrors, *, variant_labels: list[str]) -> list[dict[str, str]]:
    """Shopify's userErrors with a label the merchant understands for each field path."""
    labels = {
        "title": _("Title"),
        "descriptionHtml": _("Description"),
        "files": _("Image"),
        "variants": _("Variant"),
        "productOptions": _("Options"),
        "identifier": _("Shopify product"),
        "price": _("price"),
        "barcodes": _("barcode"),
        "inventoryQuantities": _("stock"),
        "inventoryItem": _("inventory"),
        "locationId": _("location"),
        "quantity": _("quantity"),
        "sku": "SKU",
        "optionValues": _("options"),
    }
    errors = []
    for user_error in error.user_errors:
        path = [part for part in user_error.field if part not in ("input",)]
        parts: list[str] = []
        index = 0
        while index < len(path):
            part = path[index]
            following = path[index + 1] if index + 1 < len(path) else None
            if following is not None and following.isdigit():
                position = int(following)
                text = f"{labels.get(part, part)} {position + 1}"
                if part == "variants" and position < len(variant_labels):
                    text = f"{text} ({variant_labels[position]})"
                parts.append(text)
                index += 2
                continue
            parts.append(labels.get(part, part))
            index += 1
        errors.append(
            {
                "field": ".".join(user_error.field),
                "label": " · ".join(parts) or _("Product"),
                "message": user_error.message,
                "code": user_error.code or "",
            }
        )
    return errors
