"""Validation of the AI assistant profile: every part, its limits and the shapes of its lists.

Owns: the rules for the nine parts of the profile (texts, payment methods, FAQs, rules,
notifications), the normal form they are stored in (trimmed texts, string item ids — kept when
present, generated when missing —, E.164 phones with their Dropi country) and errors that say
which field and which item they concern. Pure functions: used by model validation (admin), by
the profile's services and by the import from the old database. Must not import models and
never talks to a vendor.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shops.countries import COUNTRIES, COUNTRIES_BY_CODE, country_for_calling_code

NOTIFICATION_TYPES = (
    "Cancelación",
    "Confirmación de Compra",
    "Cambio de Datos",
    "Otra Compra",
    "Solicitud de Asesor",
    "Comprobante de Pago",
    "Garantía",
    "Error Open AI",
)
# What the English page shows for each type (the stored value stays the Spanish name).
NOTIFICATION_TYPE_LABELS = {
    "Cancelación": _("Cancellation"),
    "Confirmación de Compra": _("Purchase confirmation"),
    "Cambio de Datos": _("Change of details"),
    "Otra Compra": _("Another purchase"),
    "Solicitud de Asesor": _("Request for an advisor"),
    "Comprobante de Pago": _("Proof of payment"),
    "Garantía": _("Warranty"),
    "Error Open AI": _("OpenAI error"),
}
ID_MAX_LENGTH = 64
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]+$")
NAME_MAX_LENGTH = 255
QUESTION_MAX_LENGTH = 500
ANSWER_MAX_LENGTH = 5000
RULE_MAX_LENGTH = 1000
PHONE_MAX_LENGTH = 32
LIST_MAX_ITEMS = 100
AGENT_NAME_MAX_LENGTH = 255
COMPANY_NAME_MAX_LENGTH = 255
COMPANY_DESCRIPTION_MAX_LENGTH = 5000
COMPANY_POLICIES_MAX_LENGTH = 20000

TEXT_PARTS = {
    "agent_name": AGENT_NAME_MAX_LENGTH,
    "company_name": COMPANY_NAME_MAX_LENGTH,
    "company_description": COMPANY_DESCRIPTION_MAX_LENGTH,
    "company_policies": COMPANY_POLICIES_MAX_LENGTH,
}
LIST_PARTS = ("payment_methods", "faq", "post_sale_faq", "rules", "notifications")
PROFILE_PARTS = (
    "agent_name",
    "company_name",
    "company_description",
    "payment_methods",
    "company_policies",
    "faq",
    "post_sale_faq",
    "rules",
    "notifications",
)


@dataclasses.dataclass(frozen=True)
class ProfileError:
    """One problem: which part (``field``), which item (0-based ``index``) and which of its keys."""

    field: str
    code: str
    message: str | Promise
    index: int | None = None
    key: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def path(self) -> str:
        """``agent_name``, ``faq.2`` or ``faq.2.answer`` — what the form shows the error next to."""
        parts = [self.field]
        if self.index is not None:
            parts.append(str(self.index))
            if self.key:
                parts.append(self.key)
        return ".".join(part for part in parts if part)

    def text(self) -> str:
        """The message with its parameters filled in."""
        return str(self.message) % self.params if self.params else str(self.message)

    def validation_error(self) -> ValidationError:
        """As a model ValidationError whose message names the item (for the admin)."""
        if self.index is None:
            return ValidationError(self.text(), code=self.code)
        return ValidationError(
            _("Item %(position)d: %(message)s"),
            code=self.code,
            params={"position": self.index + 1, "message": self.text()},
        )


@dataclasses.dataclass
class _Collector:
    field: str
    errors: list[ProfileError] = dataclasses.field(default_factory=list)

    def add(
        self, code: str, message: str | Promise, *, index: int | None = None, key: str | None = None, **params: Any
    ) -> None:
        self.errors.append(ProfileError(self.field, code, message, index=index, key=key, params=params))


def _too_long(limit: int, length: int) -> tuple[Promise, dict[str, Any]]:
    return _("At most %(limit)d characters (this one has %(length)d)."), {"limit": limit, "length": length}


def clean_text(value: Any, *, field: str, limit: int) -> tuple[str | None, list[ProfileError]]:
    """A free text part: trimmed, Windows line ends made plain; empty becomes None."""
    errors = _Collector(field)
    if value is None:
        return None, []
    if not isinstance(value, str):
        errors.add("not_text", _("Must be text."))
        return None, errors.errors
    value = value.replace("\r\n", "\n").strip()
    if len(value) > limit:
        message, params = _too_long(limit, len(value))
        errors.add("too_long", message, **params)
    return (value or None), errors.errors


def _item_text(
    item: dict[str, Any], key: str, *, index: int, limit: int, errors: _Collector, required: bool = True
) -> str:
    value = item.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add("not_text", _("Must be text."), index=index, key=key)
        return ""
    value = value.replace("\r\n", "\n").strip()
    if required and not value:
        errors.add("required", _("This field is required."), index=index, key=key)
    elif len(value) > limit:
        message, params = _too_long(limit, len(value))
        errors.add("too_long", message, index=index, key=key, **params)
    return value


def _items(value: Any, errors: _Collector) -> list[tuple[int, dict[str, Any], str]]:
    """(index, item, id) for every object of the list; ids are kept, or generated when missing."""
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add("not_a_list", _("Must be a list."))
        return []
    if len(value) > LIST_MAX_ITEMS:
        errors.add("too_many_items", _("At most %(limit)d items."), limit=LIST_MAX_ITEMS)
        return []
    items = []
    ids: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            errors.add("not_an_object", _("Must be an object."), index=index)
            continue
        raw_id = item.get("id")
        if raw_id is None or raw_id == "":
            item_id = uuid.uuid4().hex[:16]
        elif isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
            errors.add("invalid_id", _("Invalid id."), index=index, key="id")
            continue
        else:
            item_id = str(raw_id)
            if len(item_id) > ID_MAX_LENGTH:
                errors.add("id_too_long", _("The id is too long."), index=index, key="id")
                continue
            if not ID_PATTERN.match(item_id):
                errors.add("invalid_id", _("Invalid id."), index=index, key="id")
                continue
            if item_id in ids:
                errors.add("duplicate_id", _("The id %(id)s is repeated."), index=index, key="id", id=item_id)
                continue
        ids.add(item_id)
        items.append((index, item, item_id))
    return items


def clean_payment_methods(value: Any, *, field: str = "payment_methods") -> tuple[list[dict], list[ProfileError]]:
    """``[{id, name, enabled}]``; ``enabled`` defaults to true."""
    errors = _Collector(field)
    cleaned = []
    for index, item, item_id in _items(value, errors):
        name = _item_text(item, "name", index=index, limit=NAME_MAX_LENGTH, errors=errors)
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            errors.add("not_boolean", _("Must be true or false."), index=index, key="enabled")
        cleaned.append({"id": item_id, "name": name, "enabled": enabled is not False})
    return cleaned, errors.errors


def clean_faq(value: Any, *, field: str = "faq") -> tuple[list[dict], list[ProfileError]]:
    """``[{id, question, answer}]``, both texts required."""
    errors = _Collector(field)
    cleaned = []
    for index, item, item_id in _items(value, errors):
        question = _item_text(item, "question", index=index, limit=QUESTION_MAX_LENGTH, errors=errors)
        answer = _item_text(item, "answer", index=index, limit=ANSWER_MAX_LENGTH, errors=errors)
        cleaned.append({"id": item_id, "question": question, "answer": answer})
    return cleaned, errors.errors


def clean_rules(value: Any, *, field: str = "rules") -> tuple[list[dict], list[ProfileError]]:
    """``[{id, text}]``."""
    errors = _Collector(field)
    cleaned = []
    for index, item, item_id in _items(value, errors):
        text = _item_text(item, "text", index=index, limit=RULE_MAX_LENGTH, errors=errors)
        cleaned.append({"id": item_id, "text": text})
    return cleaned, errors.errors


def normalise_phone(raw: str) -> tuple[str, str | None]:
    """Return (E.164 phone, Dropi country code or None); raise ValidationError when invalid."""
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("'%(phone)s' is not a phone number in international format (+57…)."),
            code="invalid_phone",
            params={"phone": raw},
        ) from error
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("'%(phone)s' is not a valid phone number."), code="invalid_phone", params={"phone": raw}
        )
    country = country_for_calling_code(parsed.country_code) if parsed.country_code is not None else None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), (country.code if country else None)


def _country_names() -> str:
    return ", ".join(country.name for country in COUNTRIES)


def clean_notifications(value: Any, *, field: str = "notifications") -> tuple[list[dict], list[ProfileError]]:
    """``[{id, type, phone, name, country}]``: one per type, phones of the eight Dropi countries.

    The phone is stored in E.164 and ``country`` is derived from its calling code; a declared
    country must agree with it.
    """
    errors = _Collector(field)
    cleaned = []
    seen_types: set[str] = set()
    for index, item, item_id in _items(value, errors):
        notification_type = _notification_type(item, index=index, errors=errors, seen_types=seen_types)
        seen_types.add(notification_type)
        name = _item_text(item, "name", index=index, limit=NAME_MAX_LENGTH, errors=errors)
        phone, country = _notification_phone(item, index=index, errors=errors)
        _check_declared_country(item.get("country"), country, index=index, errors=errors)
        cleaned.append({"id": item_id, "type": notification_type, "phone": phone, "name": name, "country": country})
    return cleaned, errors.errors


def _notification_type(item: dict[str, Any], *, index: int, errors: _Collector, seen_types: set[str]) -> str:
    """The item's type: one of NOTIFICATION_TYPES, and not one an earlier item already has."""
    notification_type = _item_text(item, "type", index=index, limit=NAME_MAX_LENGTH, errors=errors)
    if notification_type and notification_type not in NOTIFICATION_TYPES:
        errors.add(
            "invalid_type",
            _("'%(type)s' is not a notification type."),
            index=index,
            key="type",
            type=notification_type,
        )
    elif notification_type in seen_types:
        errors.add(
            "duplicate_type",
            _("There is already a notification of type '%(type)s'; each type has one number."),
            index=index,
            key="type",
            type=notification_type,
        )
    return notification_type


def _notification_phone(item: dict[str, Any], *, index: int, errors: _Collector) -> tuple[str, str | None]:
    """The item's phone in E.164 and the Dropi country of its calling code (None when unknown)."""
    raw_phone = _item_text(item, "phone", index=index, limit=PHONE_MAX_LENGTH, errors=errors)
    phone, country = raw_phone, None
    if raw_phone and len(raw_phone) <= PHONE_MAX_LENGTH:
        try:
            phone, country = normalise_phone(raw_phone)
        except ValidationError as error:
            errors.add(error.code or "invalid_phone", error.message, index=index, key="phone", **(error.params or {}))
        else:
            if country is None:
                errors.add(
                    "country_not_supported",
                    _("The phone must be from one of the Dropi countries: %(countries)s."),
                    index=index,
                    key="phone",
                    countries=_country_names(),
                )
    return phone, country


def _check_declared_country(declared: Any, country: str | None, *, index: int, errors: _Collector) -> None:
    """A declared ``country`` must be a Dropi country and agree with the phone's."""
    if declared in (None, ""):
        return
    if not isinstance(declared, str) or declared.upper() not in COUNTRIES_BY_CODE:
        errors.add(
            "invalid_country",
            _("%(country)s is not one of the Dropi countries."),
            index=index,
            key="country",
            country=str(declared)[:8],
        )
    elif country is not None and declared.upper() != country:
        errors.add(
            "country_mismatch",
            _("The country %(declared)s does not match the phone's country %(country)s."),
            index=index,
            key="country",
            declared=declared.upper(),
            country=country,
        )


LIST_CLEANERS: dict[str, Callable[..., tuple[list[dict], list[ProfileError]]]] = {
    "payment_methods": clean_payment_methods,
    "faq": clean_faq,
    "post_sale_faq": clean_faq,
    "rules": clean_rules,
    "notifications": clean_notifications,
}


def clean_profile(data: Any) -> tuple[dict[str, Any], list[ProfileError]]:
    """Every part of a whole profile, in its normal form, and every problem found.

    All nine parts must be present (texts may be null, lists may be empty): a save replaces
    the whole profile, so a missing part would silently erase it.
    """
    if not isinstance(data, dict):
        return {}, [ProfileError("profile", "not_an_object", _("The profile must be an object."))]
    cleaned: dict[str, Any] = {}
    errors: list[ProfileError] = []
    for part in PROFILE_PARTS:
        if part not in data:
            errors.append(ProfileError(part, "missing", _("This part of the profile is missing.")))
            continue
        if part in TEXT_PARTS:
            cleaned[part], part_errors = clean_text(data[part], field=part, limit=TEXT_PARTS[part])
        else:
            cleaned[part], part_errors = LIST_CLEANERS[part](data[part], field=part)
        errors.extend(part_errors)
    return cleaned, errors


# --------------------------------------------------------------------------- model validators
def _raise_first(errors: list[ProfileError]) -> None:
    if errors:
        raise errors[0].validation_error()


def validate_payment_methods(value: Any) -> None:
    _raise_first(clean_payment_methods(value)[1])


def validate_faq(value: Any) -> None:
    _raise_first(clean_faq(value)[1])


def validate_rules(value: Any) -> None:
    _raise_first(clean_rules(value)[1])


def validate_notifications(value: Any) -> None:
    _raise_first(clean_notifications(value)[1])
