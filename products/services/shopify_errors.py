"""What the merchant reads when Shopify fails or refuses during a product read or import.

Owns: the products app's words for each kind of Shopify failure (through the one translation
in ``connector.shopify.failures``), the missing-product error, ``ShopifyRefused`` (the input
Shopify refused, each field with a label the merchant understands), the refusal of the stock
alone and the warning that the inventory permissions are missing. Must not call Shopify or
log: callers decide.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connector.errors import ApplicationError
from connector.shopify.errors import ShopifyError, ShopifyUserErrors
from connector.shopify.failures import MerchantAnswer, ShopifyFailure, shopify_error_as_application_error
from connector.shopify.product_set import product_set_error_path

_NOT_ALLOWED = MerchantAnswer(
    gettext_lazy("The app is not allowed to change products in this shop (write_products permission)."),
    code="shopify_forbidden",
    status=403,
)
SHOPIFY_ANSWERS = {
    ShopifyFailure.AUTH: MerchantAnswer(
        gettext_lazy("Shopify did not authorise the app for this shop. Open it again from your Shopify admin."),
        code="shopify_auth",
        status=401,
    ),
    ShopifyFailure.FORBIDDEN: _NOT_ALLOWED,
    ShopifyFailure.LOCKED: _NOT_ALLOWED,
    ShopifyFailure.THROTTLED: MerchantAnswer(
        gettext_lazy("Shopify asked to slow down. Wait a few seconds and try again."),
        code="shopify_throttled",
        status=503,
    ),
    ShopifyFailure.NO_RESULT: MerchantAnswer(
        gettext_lazy("Shopify did not return the product. Check Shopify Admin before trying again."),
        code="shopify_no_product",
        status=502,
    ),
}
PRODUCT_MISSING = MerchantAnswer(
    gettext_lazy("This Shopify product no longer exists (was it deleted?). Choose another one."),
    field="shopify_product_id",
    code="shopify_product_missing",
    status=404,
)
# The merchant's words for the input fields Shopify names (connector.shopify.product_set.FIELD_NAMES).
FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("Description"),
    "images": gettext_lazy("Image"),
    "variants": gettext_lazy("Variant"),
    "options": gettext_lazy("Options"),
    "product": gettext_lazy("Shopify product"),
    "price": gettext_lazy("price"),
    "barcode": gettext_lazy("barcode"),
    "stock": gettext_lazy("stock"),
    "inventory": gettext_lazy("inventory"),
    "location": gettext_lazy("location"),
    "quantity": gettext_lazy("quantity"),
    "sku": "SKU",
    "option_values": gettext_lazy("options"),
}


def shopify_error_as_product_error(error: ShopifyError) -> ApplicationError:
    """A Shopify failure (other than a refused input) in words for the merchant."""
    return shopify_error_as_application_error(error, answers=SHOPIFY_ANSWERS)


class StockRefused(Exception):
    """Shopify refused only the stock of a ``productSet`` (nothing changed); ``warning`` says why."""

    def __init__(self, warning: str) -> None:
        super().__init__(warning)
        self.warning = warning


class ShopifyRefused(ApplicationError):
    """Shopify refused the input: nothing was changed; each error names its field."""

    def __init__(self, user_errors: list[dict[str, str]]) -> None:
        super().__init__(_("Shopify refused the product. Nothing was changed."), code="shopify_user_errors", status=422)
        self.user_errors = user_errors

    def as_dict(self) -> dict[str, object]:
        body = super().as_dict()
        body["user_errors"] = self.user_errors
        return body


def permission_warning() -> str:
    return _(
        "The stock was not written to Shopify: the app does not have the inventory permissions yet "
        "(write_inventory, read_locations). Open the app again from Shopify Admin to accept them, then import again."
    )


def user_errors_labelled(error: ShopifyUserErrors, *, variant_labels: list[str]) -> list[dict[str, str]]:
    """Shopify's refusals, each with a label the merchant understands for its field
    ("Variante 3 (Rojo / XS) · precio"): ``variant_labels`` name the variants in input order."""
    errors = []
    for user_error in error.user_errors:
        parts: list[str] = []
        for part in product_set_error_path(user_error):
            text = str(FIELD_LABELS.get(part.name, part.name))
            if part.index is not None:
                text = f"{text} {part.index + 1}"
                if part.name == "variants" and part.index < len(variant_labels):
                    text = f"{text} ({variant_labels[part.index]})"
            parts.append(text)
        errors.append(
            {
                "field": ".".join(user_error.field),
                "label": " · ".join(parts) or _("Product"),
                "message": user_error.message,
                "code": user_error.code or "",
            }
        )
    return errors
