"""Validation of the AI assistant profile's JSON lists.

Owns: the shapes of payment methods, FAQs, rules and notifications and their limits. Used by
model validation (admin, forms) and by the import from the old database. Must not import models.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shops.countries import country_for_calling_code

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
ID_MAX_LENGTH = 64
NAME_MAX_LENGTH = 255
QUESTION_MAX_LENGTH = 500
ANSWER_MAX_LENGTH = 5000
RULE_MAX_LENGTH = 1000
LIST_MAX_ITEMS = 100


def _require_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(_("Must be a list."), code="not_a_list")
    if len(value) > LIST_MAX_ITEMS:
        raise ValidationError(_("At most %(limit)d items."), code="too_many_items", params={"limit": LIST_MAX_ITEMS})
    return value


def _text(item: dict[str, Any], key: str, *, position: int, limit: int, required: bool = True) -> str:
    value = item.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(
            _("Item %(position)d: '%(key)s' must be text."),
            code="not_text",
            params={"position": position, "key": key},
        )
    value = value.strip()
    if required and not value:
        raise ValidationError(
            _("Item %(position)d: '%(key)s' is required."),
            code="required",
            params={"position": position, "key": key},
        )
    if len(value) > limit:
        raise ValidationError(
            _("Item %(position)d: '%(key)s' is longer than %(limit)d characters."),
            code="too_long",
            params={"position": position, "key": key, "limit": limit},
        )
    return value


def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    items = []
    ids: set[str] = set()
    for position, item in enumerate(_require_list(value), start=1):
        if not isinstance(item, dict):
            raise ValidationError(
                _("Item %(position)d must be an object."), code="not_an_object", params={"position": position}
            )
        item_id = item.get("id")
        if item_id is not None:
            item_id = str(item_id)
            if len(item_id) > ID_MAX_LENGTH:
                raise ValidationError(
                    _("Item %(position)d: id is too long."), code="id_too_long", params={"position": position}
                )
            if item_id in ids:
                raise ValidationError(
                    _("Item %(position)d: id %(id)s is repeated."),
                    code="duplicate_id",
                    params={"position": position, "id": item_id},
                )
            ids.add(item_id)
        items.append((position, item))
    return items


def validate_payment_methods(value: Any) -> None:
    for position, item in _items(value):
        _text(item, "name", position=position, limit=NAME_MAX_LENGTH)
        if not isinstance(item.get("enabled", True), bool):
            raise ValidationError(
                _("Item %(position)d: 'enabled' must be true or false."),
                code="not_boolean",
                params={"position": position},
            )


def validate_faq(value: Any) -> None:
    for position, item in _items(value):
        _text(item, "question", position=position, limit=QUESTION_MAX_LENGTH)
        _text(item, "answer", position=position, limit=ANSWER_MAX_LENGTH)


def validate_rules(value: Any) -> None:
    for position, item in _items(value):
        _text(item, "text", position=position, limit=RULE_MAX_LENGTH)


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
    country = country_for_calling_code(parsed.country_code)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), (country.code if country else None)


def validate_notifications(value: Any) -> None:
    seen_types: set[str] = set()
    for position, item in _items(value):
        notification_type = _text(item, "type", position=position, limit=NAME_MAX_LENGTH)
        if notification_type not in NOTIFICATION_TYPES:
            raise ValidationError(
                _("Item %(position)d: '%(type)s' is not a notification type."),
                code="invalid_type",
                params={"position": position, "type": notification_type},
            )
        if notification_type in seen_types:
            raise ValidationError(
                _("Item %(position)d: there is already a notification of type '%(type)s'."),
                code="duplicate_type",
                params={"position": position, "type": notification_type},
            )
        seen_types.add(notification_type)
        _text(item, "name", position=position, limit=NAME_MAX_LENGTH)
        _phone, country = normalise_phone(_text(item, "phone", position=position, limit=32))
        if country is None:
            raise ValidationError(
                _("Item %(position)d: the phone must belong to one of the Dropi countries."),
                code="country_not_supported",
                params={"position": position},
            )
        declared = item.get("country")
        if declared not in (None, "", country):
            raise ValidationError(
                _("Item %(position)d: country %(declared)s does not match the phone's country %(country)s."),
                code="country_mismatch",
                params={"position": position, "declared": declared, "country": country},
            )
