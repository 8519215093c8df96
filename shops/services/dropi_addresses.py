"""Addresses as Dropi takes them: place names normalised, the Dropi department of a Shopify
province, the snapshot a Dropi order keeps, and the checks a corrected address passes.

Owns: normalising (upper case, accents and repeated spaces removed), the province → department
look-up in the staff-editable ``DropiDepartment`` table (by Shopify's province code, else by
name, else the normalised name itself), reading a Shopify address into the snapshot, and
validating an address sent by the bot or the merchant (lengths, one of the eight countries,
the phone as E.164). Must not write and must not call a vendor: Dropi's own location lists
are ``dropi_locations``'.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import phonenumbers
from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from connector.work import work_shared
from shops.countries import COUNTRIES_BY_CODE
from shops.models import DropiDepartment

# The snapshot's fields and the longest value each may hold.
ADDRESS_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "address1": 255,
    "address2": 255,
    "city": 100,
    "province": 100,
    "province_code": 16,
    "zip": 20,
    "country_code": 2,
}
REQUIRED = ("address1", "city", "country_code")


def place_normalise(text: Any) -> str:
    """``Bogotá,  D.C.`` → ``BOGOTA, D.C.``: upper case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").strip().upper())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.split())


def country_name_for_dropi(country_code: str) -> str:
    """The country as Dropi writes places (``COLOMBIA``); "" for a country outside the eight."""
    country = COUNTRIES_BY_CODE.get(country_code.upper())
    return place_normalise(country.name) if country else ""


def _clean(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def address_snapshot(payload: dict[str, Any]) -> dict[str, str]:
    """The shipping address of an order payload (the billing one when it has none), as the
    Dropi order keeps it: every field a string, within its limit (every PII field may be null)."""
    raw = payload.get("shipping_address") or payload.get("billing_address")
    address = raw if isinstance(raw, dict) else {}
    snapshot = {name: _clean(address.get(name))[:limit] for name, limit in ADDRESS_LIMITS.items()}
    snapshot["country_code"] = snapshot["country_code"].upper()
    return snapshot


def _departments(country: str) -> list[tuple[str, str, str]]:
    """(province code, province name, Dropi name) of the country's rows in the table's order;
    read once for the orders a worker claimed together (``work_shared``)."""
    return work_shared(
        ("dropi_departments", country),
        lambda: list(
            DropiDepartment.objects.filter(country=country).values_list("province_code", "province_name", "dropi_name")
        ),
    )


def dropi_department(*, country: str, province_code: str, province: str) -> str:
    """The Dropi department of a Shopify province: the table's row for the province code, else
    a row whose province (or Dropi) name matches, else the province's normalised name."""
    country, code = country.upper(), province_code.strip().upper()
    rows = _departments(country)
    if code:
        # Shopify's own code ("ANT", "PE-LIM"), or the same with or without the ISO prefix
        # (compared as the database's collation would: case and trailing spaces aside).
        codes = {code, code.removeprefix(f"{country}-"), f"{country}-{code}"}
        for row_code, _name, dropi_name in rows:
            if row_code.rstrip().upper() in codes:
                return dropi_name
    wanted = place_normalise(province)
    if not wanted:
        return ""
    for _code, province_name, dropi_name in rows:
        if wanted in (place_normalise(province_name), dropi_name):
            return dropi_name
    return wanted


def dropi_destination(address: dict[str, str]) -> tuple[str, str]:
    """(department, city) of an address snapshot as Dropi is sent them (before Dropi's own lists)."""
    department = dropi_department(
        country=address.get("country_code", ""),
        province_code=address.get("province_code", ""),
        province=address.get("province", ""),
    )
    return department, place_normalise(address.get("city", ""))


def _invalid(message: str, field: str) -> ApplicationError:
    return ApplicationError(message, field=field, code="invalid_address", status=400)


def _phone(raw: Any, country_code: str) -> str:
    try:
        parsed = phonenumbers.parse(str(raw), country_code or None)
    except phonenumbers.NumberParseException as error:
        raise _invalid(_("The phone number is not valid (use +57 300 123 4567)."), "phone") from error
    if not phonenumbers.is_valid_number(parsed):
        raise _invalid(_("The phone number is not valid (use +57 300 123 4567)."), "phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def address_validate(fields: Any, *, current: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """The new snapshot (``current`` with the given fields replaced) and the new phone as E.164
    (None when none was given). Raises ApplicationError (400, ``field`` named) for a value that
    is not text, too long, a country outside the eight, an invalid phone, or a required field
    (address1, city, country) left empty."""
    if not isinstance(fields, dict):
        raise _invalid(_("Send the address as an object."), "address")
    merged = dict(current)
    for name, limit in ADDRESS_LIMITS.items():
        if name not in fields or fields[name] is None:
            continue
        if not isinstance(fields[name], str | int):
            raise _invalid(_("%(field)s must be text.") % {"field": name}, name)
        value = _clean(fields[name])
        if len(value) > limit:
            raise _invalid(_("%(field)s is longer than %(limit)d characters.") % {"field": name, "limit": limit}, name)
        merged[name] = value.upper() if name in ("country_code", "province_code") else value
    if merged.get("country_code", "") not in COUNTRIES_BY_CODE:
        raise _invalid(_("The country must be one of CO, EC, CL, GT, MX, PA, PE, PY."), "country_code")
    for name in REQUIRED:
        if not merged.get(name):
            raise _invalid(_("%(field)s cannot be empty.") % {"field": name}, name)
    phone = fields.get("phone")
    if phone is not None and not isinstance(phone, str | int):
        raise _invalid(_("%(field)s must be text.") % {"field": "phone"}, "phone")
    return merged, (_phone(phone, merged["country_code"]) if phone not in (None, "") else None)
