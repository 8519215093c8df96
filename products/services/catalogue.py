"""Use cases for browsing the shop's Dropi catalogue.

Owns: the short per-shop cache of catalogue pages and product details, and the shop's
currency (read once from Shopify and cached). The shop's Dropi account (token, country, the
pause after "Too Many Attempts", Dropi's errors in a merchant's words) is the shops app's
(``shops.services``). Must not hold a transaction across a vendor call and never puts the
token (or anything that reveals it) in a cache key or a log line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from connector.dropi.client import DropiProduct, DropiProductPage
from connector.dropi.errors import (
    DropiBadRequest,
    DropiError,
    DropiNotFound,
    DropiUnavailable,
)
from connector.errors import ApplicationError
from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError
from connector.shopify.shop import shop_info
from connector.validators import is_ascii_digits
from shops.countries import COUNTRIES_BY_CODE
from shops.services import DropiAccess, dropi_access_get, dropi_error_as_application_error, dropi_pause_enforce

logger = logging.getLogger(__name__)

PAGE_SIZE = 10
MAX_PAGE = 1000
MAX_KEYWORDS_LENGTH = 100
# Products seen in a catalogue page are kept longer: the import falls back to them when the
# (unverified) detail endpoint fails.
ITEM_CACHE_SECONDS = 30 * 60
CURRENCY_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class CataloguePage:
    products: tuple[DropiProduct, ...]
    total: int
    page: int
    page_size: int
    cached: bool

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


# --------------------------------------------------------------------------- catalogue
def _page_key(access: DropiAccess, *, offset: int, keywords: str, private: bool) -> str:
    query = json.dumps([access.fingerprint, PAGE_SIZE, offset, keywords, private], ensure_ascii=False)
    return f"dropi:index:{access.shop}:{hashlib.sha256(query.encode()).hexdigest()[:32]}"


def _item_key(access: DropiAccess, product_id: str) -> str:
    return f"dropi:item:{access.shop}:{access.fingerprint}:{product_id}"


def _detail_key(access: DropiAccess, product_id: str) -> str:
    return f"dropi:detail:{access.shop}:{access.fingerprint}:{product_id}"


def dropi_products_list(*, shop: str, page: int = 1, keywords: str = "", private: bool = False) -> CataloguePage:
    """One page (10 products) of the shop's Dropi favourites, private products, or a search
    by id or name (a search ignores ``private``: Dropi refuses both at once).

    Answers are cached per shop and query for DROPI_CACHE_SECONDS. Raises ApplicationError
    (Dropi not configured, token refused, paused after "Too Many Attempts", Dropi down).
    """
    keywords = " ".join((keywords or "").split())[:MAX_KEYWORDS_LENGTH]
    page = min(max(1, page), MAX_PAGE)
    private = bool(private) and not keywords
    access = dropi_access_get(shop=shop)
    offset = (page - 1) * PAGE_SIZE
    key = _page_key(access, offset=offset, keywords=keywords, private=private)
    answer: DropiProductPage | None = cache.get(key)
    cached = answer is not None
    if answer is None:
        dropi_pause_enforce(shop=shop)
        try:
            answer = access.client().products(page_size=PAGE_SIZE, offset=offset, keywords=keywords, private=private)
        except DropiError as error:
            raise dropi_error_as_application_error(shop=shop, error=error) from error
        cache.set(key, answer, settings.DROPI_CACHE_SECONDS)
        cache.set_many({_item_key(access, product.id): product for product in answer.products}, ITEM_CACHE_SECONDS)
    return CataloguePage(products=answer.products, total=answer.total, page=page, page_size=PAGE_SIZE, cached=cached)


def dropi_product_get(*, shop: str, product_id: str) -> tuple[DropiProduct, bool]:
    """The Dropi product to import and whether it came from the detail endpoint.

    Tries ``/products/v2/{id}`` (unverified); when that fails for any reason but a refused
    token or a rate limit, uses the product as a catalogue page showed it (cached), else
    searches the index for the id. Raises ApplicationError (404 when Dropi has no such product).
    """
    product_id = str(product_id or "").strip()
    if not is_ascii_digits(product_id) or len(product_id) > 20:
        raise ApplicationError(_("This is not a Dropi product id."), field="dropi_product_id", code="invalid")
    access = dropi_access_get(shop=shop)
    detail = cache.get(_detail_key(access, product_id))
    if detail is not None:
        return detail, True
    dropi_pause_enforce(shop=shop)
    client = access.client()
    try:
        detail = client.product(product_id=product_id)
    except (DropiNotFound, DropiBadRequest, DropiUnavailable) as error:
        logger.info(
            "Dropi product detail unavailable (%s); using the index", type(error).__name__, extra={"shop": shop}
        )
    except DropiError as error:
        raise dropi_error_as_application_error(shop=shop, error=error) from error
    else:
        cache.set(_detail_key(access, product_id), detail, settings.DROPI_CACHE_SECONDS)
        return detail, True
    listed = cache.get(_item_key(access, product_id))
    if listed is not None:
        return listed, False
    try:
        page = client.products(page_size=PAGE_SIZE, offset=0, keywords=product_id)
    except DropiError as error:
        raise dropi_error_as_application_error(shop=shop, error=error) from error
    found = next((product for product in page.products if product.id == product_id), None)
    if found is None:
        raise ApplicationError(_("Dropi did not find this product."), code="dropi_not_found", status=404)
    cache.set(_item_key(access, product_id), found, ITEM_CACHE_SECONDS)
    return found, False


# --------------------------------------------------------------------------- currency
def shop_currency_get(*, shop: str) -> str | None:
    """The shop's currency (ISO code), read from Shopify once a day; None while Shopify fails."""
    key = f"shopify:currency:{shop}"
    currency = cache.get(key)
    if currency:
        return currency
    try:
        currency = shop_info(shopify_admin_client(shop=shop)).currency_code or None
    except ShopifyError as error:
        logger.info("Shop currency unavailable (%s)", type(error).__name__, extra={"shop": shop})
        return None
    if currency:
        cache.set(key, currency, CURRENCY_CACHE_SECONDS)
    return currency


def dropi_currency(country: str | None) -> str | None:
    """The currency Dropi prices are in for ``country``."""
    found = COUNTRIES_BY_CODE.get(country or "")
    return found.currency if found else None
