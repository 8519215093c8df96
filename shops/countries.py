"""The eight Dropi countries: codes, names, calling codes and currencies.

Owns: facts about the countries the product operates in (reference/platforms.md, "Known data").
Vendor ids that may change (Ecomdrop bot-field ids) live in data, not here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str
    name: str  # Spanish, as merchants see it
    calling_code: str
    currency: str  # the currency Dropi prices are in


COUNTRIES: tuple[Country, ...] = (
    Country("CO", "Colombia", "57", "COP"),
    Country("EC", "Ecuador", "593", "USD"),
    Country("CL", "Chile", "56", "CLP"),
    Country("GT", "Guatemala", "502", "GTQ"),
    Country("MX", "México", "52", "MXN"),
    Country("PA", "Panamá", "507", "USD"),
    Country("PE", "Perú", "51", "PEN"),
    Country("PY", "Paraguay", "595", "PYG"),
)
COUNTRIES_BY_CODE = {country.code: country for country in COUNTRIES}
COUNTRY_CHOICES = [(country.code, country.name) for country in COUNTRIES]


def country_for_calling_code(calling_code: int | str) -> Country | None:
    """Return the Dropi country whose calling code is ``calling_code``, if any."""
    code = str(calling_code).lstrip("+")
    for country in COUNTRIES:
        if country.calling_code == code:
            return country
    return None
