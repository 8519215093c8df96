"""``productSet`` of the Admin GraphQL API, on top of ``ShopifyAdminClient``.

Owns: the typed input of ``productSet`` (title, description, images, options, variants with
their price, SKU, barcode and stock at a location) and its translation into the mutation's
variables (document ``product_set`` in ``queries/``), the product it answers, and what its
user errors mean (which input field, whether only the stock was refused, whether the product
is gone). Must not import models.

``productSet`` replaces every list the input gives (files, options, variants: entries with an
id are kept and updated, the others created, the missing ones removed) and leaves alone what
the input leaves out. Source: Shopify Admin API reference, ``productSet`` and
``ProductSetInput``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connector.shopify.errors import ShopifyNoResult, ShopifyUserErrors, UserError
from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.values import read_nodes, read_object, read_text
from connector.validators import is_ascii_digits

# Shopify refuses inventory quantities above this.
MAX_QUANTITY = 1_000_000_000
# Input fields that carry a variant's stock: refused alone, the rest of the input was fine.
STOCK_FIELDS = ("inventoryQuantities", "inventoryItem")
# The input's field names, as the parts of a user error's field path name them, in neutral words.
FIELD_NAMES = {
    "title": "title",
    "descriptionHtml": "description",
    "files": "images",
    "variants": "variants",
    "productOptions": "options",
    "identifier": "product",
    "price": "price",
    "barcodes": "barcode",
    "inventoryQuantities": "stock",
    "inventoryItem": "inventory",
    "locationId": "location",
    "quantity": "quantity",
    "sku": "sku",
    "optionValues": "option_values",
}


@dataclass(frozen=True)
class NewImage:
    """An image Shopify downloads from ``source``."""

    source: str
    alt: str = ""


@dataclass(frozen=True)
class ExistingMedia:
    """A media the product already has, kept in the list."""

    id: str


@dataclass(frozen=True)
class OptionValueInput:
    name: str
    id: str = ""


@dataclass(frozen=True)
class OptionInput:
    name: str
    values: tuple[OptionValueInput, ...]
    id: str = ""
    position: int | None = None


@dataclass(frozen=True)
class StockInput:
    """Track the variant's inventory and make ``available`` this quantity at the location."""

    location_id: str
    available: int


@dataclass(frozen=True)
class VariantInput:
    option_values: tuple[tuple[str, str], ...]  # (option name, value)
    id: str = ""  # an existing variant; "" creates one
    price: Decimal | None = None  # None: left as it is
    sku: str = ""  # "": left as it is
    barcode: str = ""  # "": left as it is
    stock: StockInput | None = None


@dataclass(frozen=True)
class ProductSetInput:
    """What to set; None leaves that part of the product as it is."""

    title: str | None = None
    status: str | None = None  # ``DRAFT`` or ``ACTIVE``
    description_html: str | None = None
    files: tuple[NewImage | ExistingMedia, ...] | None = None
    options: tuple[OptionInput, ...] | None = None  # given together with ``variants``
    variants: tuple[VariantInput, ...] | None = None

    @property
    def is_empty(self) -> bool:
        return all(
            value is None
            for value in (self.title, self.status, self.description_html, self.files, self.options, self.variants)
        )

    @property
    def has_stock(self) -> bool:
        return any(variant.stock is not None for variant in self.variants or ())


@dataclass(frozen=True)
class SavedVariant:
    id: str
    title: str
    options: tuple[tuple[str, str], ...]  # (option name, value)


@dataclass(frozen=True)
class SavedProduct:
    """The product as ``productSet`` answered it: its id and its variants' ids."""

    id: str
    title: str
    handle: str
    status: str
    variants: tuple[SavedVariant, ...]  # the first 250


@dataclass(frozen=True)
class FieldPart:
    """One step of a user error's field path: ``variants`` 3 is ``FieldPart("variants", 2)``."""

    name: str  # a FIELD_NAMES value; an unknown input field keeps Shopify's name
    index: int | None = None


# --------------------------------------------------------------------------- input
def _file(file: NewImage | ExistingMedia) -> dict[str, Any]:
    if isinstance(file, ExistingMedia):
        return {"id": file.id}
    return {"originalSource": file.source, "contentType": "IMAGE", "alt": file.alt}


def _option(option: OptionInput) -> dict[str, Any]:
    data: dict[str, Any] = {"name": option.name}
    if option.id:
        data["id"] = option.id
    if option.position is not None:
        data["position"] = option.position
    data["values"] = [
        {"id": value.id, "name": value.name} if value.id else {"name": value.name} for value in option.values
    ]
    return data


def _variant(variant: VariantInput) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if variant.id:
        data["id"] = variant.id
    data["optionValues"] = [{"optionName": name, "name": value} for name, value in variant.option_values]
    if variant.price is not None:
        data["price"] = str(variant.price)
    if variant.sku:
        data["sku"] = variant.sku
    if variant.barcode:
        data["barcodes"] = [{"value": variant.barcode}]
    if variant.stock is not None:
        quantity = min(max(variant.stock.available, 0), MAX_QUANTITY)
        data["inventoryItem"] = {"tracked": True}
        data["inventoryQuantities"] = [
            {"locationId": variant.stock.location_id, "name": "available", "quantity": quantity}
        ]
    return data


def product_set_variables(product: ProductSetInput, *, product_id: str | None = None) -> dict[str, Any]:
    """The mutation's variables: ``input`` and, to update, ``identifier``."""
    data: dict[str, Any] = {}
    for key, value in (
        ("title", product.title),
        ("status", product.status),
        ("descriptionHtml", product.description_html),
    ):
        if value is not None:
            data[key] = value
    if product.files is not None:
        data["files"] = [_file(file) for file in product.files]
    if product.options is not None:
        data["productOptions"] = [_option(option) for option in product.options]
    if product.variants is not None:
        data["variants"] = [_variant(variant) for variant in product.variants]
    variables: dict[str, Any] = {"input": data}
    if product_id is not None:
        variables["identifier"] = {"id": product_id}
    return variables


# --------------------------------------------------------------------------- call
def _saved(node: dict[str, Any]) -> SavedProduct:
    return SavedProduct(
        id=read_text(node, "id"),
        title=read_text(node, "title"),
        handle=read_text(node, "handle"),
        status=read_text(node, "status"),
        variants=tuple(
            SavedVariant(
                id=read_text(variant, "id"),
                title=read_text(variant, "title"),
                options=tuple(
                    (read_text(option, "name"), read_text(option, "value"))
                    for option in variant.get("selectedOptions") or []
                    if isinstance(option, dict)
                ),
            )
            for variant in read_nodes(node.get("variants"))
        ),
    )


def product_set(client: ShopifyAdminClient, *, product: ProductSetInput, product_id: str | None = None) -> SavedProduct:
    """Create a product (``product_id`` None) or update the product ``product_id`` in one
    synchronous mutation, checked as a whole: a refused input changes nothing.

    Raises ShopifyUserErrors (field by field; see ``product_set_error_path`` and the two
    ``product_set_refused_*`` tests), ShopifyForbidden (the stock fields need
    ``write_inventory``; Shopify then refuses the whole call), ShopifyNoResult (neither a
    product nor user errors: what happened is unknown) and the client's other errors.
    """
    variables = product_set_variables(product, product_id=product_id)
    result = client.execute("product_set", variables, user_errors_at="productSet")
    node = read_object(read_object(result.data, "productSet"), "product")
    if not node.get("id"):
        raise ShopifyNoResult("productSet answered neither a product nor userErrors")
    return _saved(node)


# --------------------------------------------------------------------------- user errors
def product_set_refused_missing_product(error: ShopifyUserErrors) -> bool:
    """Whether the product to update does not exist (deleted meanwhile)."""
    return any(user_error.code == "PRODUCT_DOES_NOT_EXIST" for user_error in error.user_errors)


def product_set_refused_only_stock(error: ShopifyUserErrors) -> bool:
    """Whether every user error is about a variant's stock (the rest of the input was fine)."""
    return all(any(part in STOCK_FIELDS for part in user_error.field) for user_error in error.user_errors)


def product_set_error_path(user_error: UserError) -> tuple[FieldPart, ...]:
    """The input field a user error names, in neutral words: ``input.variants.2.price`` is
    ``(FieldPart("variants", 2), FieldPart("price"))``."""
    path = [part for part in user_error.field if part != "input"]
    parts: list[FieldPart] = []
    index = 0
    while index < len(path):
        name = FIELD_NAMES.get(path[index], path[index])
        following = path[index + 1] if index + 1 < len(path) else None
        if following is not None and is_ascii_digits(following) and len(following) < 10:
            parts.append(FieldPart(name, int(following)))
            index += 2
        else:
            parts.append(FieldPart(name))
            index += 1
    return tuple(parts)
