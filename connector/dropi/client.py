"""The Dropi integrations API client (per-country hosts, header ``dropi-integration-key``).

Owns: every HTTP call to Dropi's catalogue — the product index (favourites, private products
or a keyword search) and the product detail — made through connector/http.py, typed errors
and tolerant reading of the answers into small dataclasses. Takes primitives, never imports models,
never logs the token or the answers. Caching and the rate-limit back-off belong to the caller
(they are per shop).

Contract (reference/platforms.md › Dropi, from Dropi's WooCommerce plugin and public
integrations): ``POST {host}/integrations/products/index`` with ``pageSize``/``startData``
paging and either ``favorite`` or ``privated_product`` (never both; neither when searching);
the answer is ``{isSuccess, status, objects, count}``, some versions wrap it in a one-element
array, others name the list ``data`` or ``products``. ``GET {host}/integrations/products/v2/{id}``
is unverified, so callers must be ready to do without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlsplit

from connector.dropi.errors import DropiBadRequest, DropiUnavailable
from connector.dropi.transport import DropiTransport, _int, _text
from connector.validators import is_ascii_digits

MAX_PAGE_SIZE = 50


@dataclass(frozen=True)
class DropiVariation:
    id: str
    sku: str
    label: str
    attributes: tuple[tuple[str, str], ...]
    sale_price: Decimal | None
    suggested_price: Decimal | None
    stock: int
    barcode: str


@dataclass(frozen=True)
class DropiProduct:
    id: str
    sku: str
    name: str
    type: str
    description: str
    sale_price: Decimal | None
    suggested_price: Decimal | None
    categories: tuple[str, ...]
    images: tuple[str, ...]
    stock: int
    warehouses: tuple[str, ...]
    variations: tuple[DropiVariation, ...]
    private: bool
    barcode: str

    @property
    def is_variable(self) -> bool:
        return bool(self.variations)


@dataclass(frozen=True)
class DropiProductPage:
    products: tuple[DropiProduct, ...]
    total: int


# --------------------------------------------------------------------------- reading answers
def _decimal(value: Any) -> Decimal | None:
    if value in (None, "", False):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and number >= 0 else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def image_url(path: str, *, base_url: str) -> str:
    """An absolute, safely quoted URL for a gallery entry (relative paths live on Dropi's CDN)."""
    path = path.strip()
    if not path:
        return ""
    if path.startswith("//"):
        path = "https:" + path
    if path.lower().startswith(("http://", "https://")):
        parts = urlsplit(path)
        return parts._replace(path=quote(parts.path, safe="/%:@!$&'()*+,;=-._~")).geturl()
    return base_url.rstrip("/") + "/" + quote(path.lstrip("/"), safe="/%-._~")


def _attributes(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for value in _dicts(raw.get("attribute_values")):
        attribute = value["attribute"] if isinstance(value.get("attribute"), dict) else {}
        name = _text(value.get("attribute_name") or attribute.get("description") or attribute.get("name"))
        text = _text(value.get("value"))
        if text:
            pairs.append((name or "Variante", text))
    if pairs:
        return tuple(pairs)
    # Older answers (and the first app) carried the values as plain fields.
    for name, keys in (("Color", ("color", "option1")), ("Talla", ("size", "option2"))):
        text = next((_text(raw.get(key)) for key in keys if _text(raw.get(key))), "")
        if text:
            pairs.append((name, text))
    return tuple(pairs)


def _variation(raw: dict[str, Any], position: int) -> DropiVariation:
    attributes = _attributes(raw)
    stock = raw.get("stock")
    if stock is None:
        stock = sum(_int(item.get("stock")) for item in _dicts(raw.get("warehouse_product_variation")))
    label = " / ".join(value for _name, value in attributes) or _text(raw.get("name")) or f"Variante {position}"
    return DropiVariation(
        id=_text(raw.get("id")),
        sku=_text(raw.get("sku")),
        label=label,
        attributes=attributes,
        sale_price=_decimal(raw.get("sale_price")),
        suggested_price=_decimal(raw.get("suggested_price")),
        stock=_int(stock),
        barcode=_text(raw.get("barcode") or raw.get("ean") or raw.get("gtin")),
    )


def product_from_dict(raw: dict[str, Any], *, image_base_url: str) -> DropiProduct:
    """Read one product of an index or detail answer (missing fields become empty values)."""
    variations = tuple(
        _variation(item, position)
        for position, item in enumerate(_dicts(raw.get("variations") or raw.get("product_variations")), start=1)
        if item.get("id") is not None and not item.get("deleted_at")
    )
    gallery = sorted(_dicts(raw.get("gallery")), key=lambda item: not item.get("main"))
    images: list[str] = []
    for item in gallery:
        url = image_url(_text(item.get("urlS3") or item.get("url")), base_url=image_base_url)
        if url and url not in images:
            images.append(url)
    private_inventories = _dicts(raw.get("private_product_inventories"))
    warehouse_products = _dicts(raw.get("warehouse_product"))
    if private_inventories:
        stock = sum(_int(item.get("stock")) for item in private_inventories)
    elif warehouse_products:
        stock = sum(_int(item.get("stock")) for item in warehouse_products)
    else:
        stock = sum(variation.stock for variation in variations)
    warehouses: list[str] = []
    sources = [(item.get("warehouse") or {}) for item in warehouse_products] or [
        (item.get("user") or {}) for item in private_inventories
    ]
    if not sources:
        sources = [
            (stock_row.get("warehouse") or {})
            for item in _dicts(raw.get("variations"))
            for stock_row in _dicts(item.get("warehouse_product_variation"))
        ]
    for source in sources:
        name = _text(source.get("name")) if isinstance(source, dict) else ""
        if name and name not in warehouses:
            warehouses.append(name)
    return DropiProduct(
        id=_text(raw.get("id")),
        sku=_text(raw.get("sku")),
        name=_text(raw.get("name") or raw.get("title")),
        type=_text(raw.get("type")).upper() or ("VARIABLE" if variations else "SIMPLE"),
        description=raw["description"] if isinstance(raw.get("description"), str) else "",
        sale_price=_decimal(raw.get("sale_price")),
        suggested_price=_decimal(raw.get("suggested_price")),
        categories=tuple(name for name in (_text(item.get("name")) for item in _dicts(raw.get("categories"))) if name),
        images=tuple(images),
        stock=stock,
        warehouses=tuple(warehouses),
        variations=variations,
        private=bool(raw.get("privated_product")),
        barcode=_text(raw.get("barcode") or raw.get("ean") or raw.get("gtin")),
    )


def _index_objects(body: Any) -> tuple[list[dict[str, Any]], int | None]:
    """The product list and count of an index answer, in any of its known shapes."""
    if isinstance(body, list):
        if body and isinstance(body[0], dict) and any(key in body[0] for key in ("objects", "data", "products")):
            body = body[0]
        else:
            return _dicts(body), None
    if not isinstance(body, dict):
        raise DropiUnavailable("Dropi answered an unreadable product list")
    for key in ("objects", "data", "products"):
        if isinstance(body.get(key), list):
            count = body.get("count", body.get("total"))
            try:
                total = int(count) if count is not None else None
            except (TypeError, ValueError):
                total = None
            return _dicts(body[key]), total
    raise DropiUnavailable("Dropi answered a product list without products")


def _detail_object(body: Any) -> dict[str, Any] | None:
    """The product of a detail answer: bare, or under ``objects``/``data``/``product``, maybe listed."""
    candidate = body
    for _depth in range(3):
        if isinstance(candidate, list):
            candidate = candidate[0] if candidate else None
            continue
        if isinstance(candidate, dict) and "id" not in candidate:
            inner = next(
                (candidate[key] for key in ("objects", "data", "product") if candidate.get(key) is not None), None
            )
            if inner is None:
                return None
            candidate = inner
            continue
        break
    return candidate if isinstance(candidate, dict) and candidate.get("id") is not None else None


# --------------------------------------------------------------------------- the client
class DropiClient(DropiTransport):
    """One merchant's Dropi account in one country, identified by its integration token."""

    def products(
        self, *, page_size: int = 10, offset: int = 0, keywords: str = "", private: bool = False
    ) -> DropiProductPage:
        """A page of the catalogue: favourites, private products, or a keyword search (id or name).

        A search sends neither ``favorite`` nor ``privated_product``; browsing sends exactly one.
        """
        keywords = (keywords or "").strip()
        body: dict[str, Any] = {
            "pageSize": max(1, min(int(page_size), MAX_PAGE_SIZE)),
            "startData": max(0, int(offset)),
            "keywords": keywords,
            "userVerified": False,
            "order_by": "created_at",
            "order_type": "desc",
            "with_collection": True,
            "get_stock": True,
            "no_count": False,
        }
        if not keywords:
            body["privated_product" if private else "favorite"] = True
        # A search sent as POST: it changes nothing, so any failure of it can be retried.
        answer = self._request(
            "POST", "/integrations/products/index", json=body, operation="products index", read_only=True
        )
        objects, total = _index_objects(answer)
        products = tuple(
            product_from_dict(item, image_base_url=self.image_base_url)
            for item in objects
            if item.get("id") is not None
        )
        return DropiProductPage(products=products, total=total if total is not None else len(products))

    def product(self, *, product_id: str) -> DropiProduct:
        """One product with its description and variations (``/products/v2/{id}``, unverified).

        Raises DropiNotFound, or DropiUnavailable when the answer does not hold that product.
        """
        product_id = _text(product_id)
        if not is_ascii_digits(product_id):
            raise DropiBadRequest("A Dropi product id is a number")
        answer = self._request("GET", f"/integrations/products/v2/{product_id}", operation="product detail")
        raw = _detail_object(answer)
        if raw is None or _text(raw.get("id")) != product_id:
            raise DropiUnavailable("Dropi answered a product detail that does not hold the product")
        return product_from_dict(raw, image_base_url=self.image_base_url)
