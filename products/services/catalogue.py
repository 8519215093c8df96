"""Use cases for browsing the shop's Dropi catalogue.

Owns: which Dropi account a shop uses (its token and country), the short per-shop cache of
catalogue pages and product details, the per-shop pause after Dropi's "Too Many Attempts",
and the shop's currency (read once from Shopify and cached). Turns Dropi's errors into
messages a merchant can act on. Must not hold a transaction across a vendor call and never
puts the token (or anything that reveals it) in a cache key or a log line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from connector import crypto
from connector.dropi.client import DropiClient, DropiProduct, DropiProductPage
from connector.dropi.errors import (
    DropiAuthError,
    DropiBadRequest,
    DropiConfigurationError,
    DropiError,
    DropiNotFound,
    DropiRateLimited,
    DropiUnavailable,
)
from connector.errors import ApplicationError
from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError
from shops.countries import COUNTRIES_BY_CODE
from shops.models import ShopConfiguration

logger = logging.getLogger(__name__)

PAGE_SIZE = 10
MAX_PAGE = 1000
MAX_KEYWORDS_LENGTH = 100
# Products seen in a catalogue page are kept longer: the import falls back to them when the
# (unverified) detail endpoint fails.
ITEM_CACHE_SECONDS = 30 * 60
CURRENCY_CACHE_SECONDS = 24 * 3600
CACHE_FINGERPRINT_PURPOSE = "products.dropi-cache"


@dataclass(frozen=True)
class DropiAccess:
    shop: str
    token: str
    country: str

    @property
    def fingerprint(self) -> str:
        """Changes when the token or country changes; reveals nothing about the token."""
        return crypto.keyed_hashes(f"{self.country}:{self.token}", purpose=CACHE_FINGERPRINT_PURPOSE)[0][:20]

    def client(self) -> DropiClient:
        return DropiClient(token=self.token, country=self.country, shop=self.shop)


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


def dropi_is_configured(configuration: ShopConfiguration | None) -> bool:
    """Whether the shop saved a Dropi store, country and token (Configuración › Dropi)."""
    return bool(
        configuration is not None
        and configuration.dropi_store_name
        and configuration.dropi_token
        and configuration.dropi_country in COUNTRIES_BY_CODE
    )


def dropi_access_get(*, shop: str) -> DropiAccess:
    """The shop's Dropi token and country; ApplicationError (409) when Dropi is not configured."""
    configuration = ShopConfiguration.objects.filter(shop=shop).first()
    if not dropi_is_configured(configuration):
        raise ApplicationError(
            _("Dropi is not configured. Add your Dropi token in Configuration › Dropi."),
            code="dropi_not_configured",
            status=409,
        )
    return DropiAccess(shop=shop, token=configuration.dropi_token.reveal(), country=configuration.dropi_country)


# --------------------------------------------------------------------------- rate-limit pause
def _blocked_key(shop: str) -> str:
    return f"dropi:blocked:{shop}"


def _rate_limited_error(seconds_left: float) -> ApplicationError:
    minutes = max(1, math.ceil(seconds_left / 60))
    return ApplicationError(
        ngettext(
            "Dropi blocked requests from your account for a while (too many attempts). To avoid a longer "
            "block the app will not ask Dropi again for %(minutes)d minute.",
            "Dropi blocked requests from your account for a while (too many attempts). To avoid a longer "
            "block the app will not ask Dropi again for %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
        code="dropi_rate_limited",
        status=429,
    )


def dropi_pause_remaining(*, shop: str) -> float:
    """Seconds left of the shop's pause after "Too Many Attempts" (0 when calls may go out)."""
    until = cache.get(_blocked_key(shop))
    return max(0.0, float(until) - time.time()) if until else 0.0


def _refuse_while_paused(shop: str) -> None:
    remaining = dropi_pause_remaining(shop=shop)
    if remaining > 0:
        raise _rate_limited_error(remaining)


def dropi_error_as_application_error(*, shop: str, error: DropiError) -> ApplicationError:
    """A Dropi failure in words a merchant can act on; "Too Many Attempts" starts the shop's pause."""
    if isinstance(error, DropiRateLimited):
        seconds = max(error.retry_after, float(settings.DROPI_RATE_LIMIT_BACKOFF_SECONDS))
        cache.set(_blocked_key(shop), time.time() + seconds, timeout=math.ceil(seconds))
        logger.warning("Dropi rate limited the shop; pausing calls for %ss", int(seconds), extra={"shop": shop})
        return _rate_limited_error(seconds)
    if isinstance(error, DropiAuthError):
        return ApplicationError(
            _(
                "Dropi did not accept your token: it may have expired or been revoked. "
                "Copy a new one from Dropi › Integrations into Configuration › Dropi."
            ),
            code="dropi_auth",
            status=400,
        )
    if isinstance(error, DropiConfigurationError):
        return ApplicationError(
            _("Dropi is not configured. Add your Dropi token in Configuration › Dropi."),
            code="dropi_not_configured",
            status=409,
        )
    if isinstance(error, DropiNotFound):
        return ApplicationError(_("Dropi did not find this product."), code="dropi_not_found", status=404)
    return ApplicationError(
        _("Dropi is not answering right now. Try again in a minute."), code="dropi_unavailable", status=502
    )


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
        _refuse_while_paused(shop)
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
    if not product_id.isdigit() or len(product_id) > 20:
        raise ApplicationError(_("This is not a Dropi product id."), field="dropi_product_id", code="invalid")
    access = dropi_access_get(shop=shop)
    detail = cache.get(_detail_key(access, product_id))
    if detail is not None:
        return detail, True
    _refuse_while_paused(shop)
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
        result = shopify_admin_client(shop=shop).execute("shop_info")
    except ShopifyError as error:
        logger.info("Shop currency unavailable (%s)", type(error).__name__, extra={"shop": shop})
        return None
    currency = str(((result.data.get("shop") or {}).get("currencyCode")) or "") or None
    if currency:
        cache.set(key, currency, CURRENCY_CACHE_SECONDS)
    return currency


def dropi_currency(country: str | None) -> str | None:
    """The currency Dropi prices are in for ``country``."""
    found = COUNTRIES_BY_CODE.get(country or "")
    return found.currency if found else None


def dropi_token_check(*, shop: str, token: str, country: str) -> bool:
    """Ask Dropi whether ``token`` works in ``country`` (one small catalogue page).

    Raises ApplicationError (field ``token``) when Dropi refuses it. Returns False, without
    raising, when Dropi cannot tell right now (down, rate limited, paused): the token is then
    saved unverified and the Productos page reports any problem later.
    """
    if dropi_pause_remaining(shop=shop) > 0:
        return False
    try:
        DropiClient(token=token, country=country, shop=shop).products(page_size=1)
    except DropiAuthError as error:
        raise ApplicationError(
            _("Dropi did not accept this token for this country. Copy it again from Dropi › Integrations."),
            field="token",
            code="dropi_auth",
        ) from error
    except DropiRateLimited as error:
        dropi_error_as_application_error(shop=shop, error=error)
        return False
    except DropiError:
        logger.info("Could not verify a Dropi token now; saving it unverified", extra={"shop": shop})
        return False
    return True
