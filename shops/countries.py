"""The eight Dropi countries: codes, names and calling codes.

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


COUNTRIES: tuple[Country, ...] = (
    Country("CO", "Colombia", "57"),
    Country("EC", "Ecuador", "593"),
    Country("CL", "Chile", "56"),
    Country("GT", "Guatemala", "502"),
    Country("MX", "México", "52"),
    Country("PA", "Panamá", "507"),
    Country("PE", "Perú", "51"),
    Country("PY", "Paraguay", "595"),
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
