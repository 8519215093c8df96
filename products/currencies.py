"""The currencies shops sell in, as price rules see them: where a price may be rounded up to.

Owns: the table of currencies whose prices carry no cents (data: a row per currency) and the
endings each kind of currency offers ("Subir a ,99" fits dollars, "Subir a …900" fits pesos).
Pure data and look-ups: no database, no vendors.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Ending:
    """A rounding choice: the price goes up to the next multiple of ``step`` plus ``offset``."""

    value: str  # what a price rule stores
    step: Decimal
    offset: Decimal
    label: Promise


ENDINGS: dict[str, tuple[Ending, ...]] = {
    "cents": (
        Ending("90", Decimal("1"), Decimal("0.90"), _("Up to .90")),
        Ending("99", Decimal("1"), Decimal("0.99"), _("Up to .99")),
        Ending("00", Decimal("1"), Decimal("0"), _("Up to a whole amount (.00)")),
    ),
    "thousands": (
        Ending("900", Decimal("1000"), Decimal("900"), _("Up to …900")),
        Ending("990", Decimal("1000"), Decimal("990"), _("Up to …990")),
        Ending("000", Decimal("1000"), Decimal("0"), _("Up to the next thousand (…000)")),
    ),
}

# Currencies priced in whole units, mostly in thousands; every other currency has cents. CLP
# and PYG have no minor unit (ISO 4217); Colombian prices are written without cents, although
# Shopify keeps two decimals for COP.
CURRENCY_KINDS: dict[str, str] = {
    "CLP": "thousands",
    "COP": "thousands",
    "PYG": "thousands",
}

ENDINGS_BY_VALUE: dict[str, Ending] = {ending.value: ending for endings in ENDINGS.values() for ending in endings}


def rounding_endings(currency: str | None) -> tuple[Ending, ...]:
    """The endings offered for prices in ``currency`` (ISO 4217; unknown or None: with cents)."""
    return ENDINGS[CURRENCY_KINDS.get((currency or "").upper(), "cents")]
