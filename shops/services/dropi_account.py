"""The shop's Dropi account: which token and country it uses, whether Dropi accepts a token,
and the pause after Dropi's "Too Many Attempts".

Owns: reading the shop's Dropi settings for the apps that call Dropi (the Productos
catalogue and imports), turning Dropi's errors into messages a merchant can act on, and the
per-shop pause (no call goes to Dropi from any process while it lasts; Dropi blocks for hours). Must not hold
a transaction across a vendor call and never puts the token (or anything that reveals it) in
a cache key or a log line.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from connector import crypto
from connector.dropi.client import DropiClient
from connector.dropi.errors import (
    DropiAuthError,
    DropiConfigurationError,
    DropiError,
    DropiNotFound,
    DropiRateLimited,
)
from connector.errors import ApplicationError
from connector.limits import pause_remaining, pause_start
from shops.countries import COUNTRIES_BY_CODE
from shops.models import ShopConfiguration

logger = logging.getLogger(__name__)

# Named when this code lived in products; kept, so cached catalogue pages stay valid across the move.
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
    token = configuration.dropi_token if configuration is not None else None
    country = configuration.dropi_country if configuration is not None else None
    if not dropi_is_configured(configuration) or token is None or country is None:
        raise ApplicationError(
            _("Dropi is not configured. Add your Dropi token in Configuration › Dropi."),
            code="dropi_not_configured",
            status=409,
        )
    return DropiAccess(shop=shop, token=token.reveal(), country=country)


# --------------------------------------------------------------------------- rate-limit pause
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
    return pause_remaining(scope="dropi", key=shop)


def dropi_pause_enforce(*, shop: str) -> None:
    """Raise ApplicationError (429) while the shop's pause after "Too Many Attempts" lasts."""
    remaining = dropi_pause_remaining(shop=shop)
    if remaining > 0:
        raise _rate_limited_error(remaining)


def dropi_error_as_application_error(*, shop: str, error: DropiError) -> ApplicationError:
    """A Dropi failure in words a merchant can act on; "Too Many Attempts" starts the shop's pause."""
    if isinstance(error, DropiRateLimited):
        seconds = max(error.retry_after, float(settings.DROPI_RATE_LIMIT_BACKOFF_SECONDS))
        pause_start(scope="dropi", key=shop, seconds=seconds)
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
