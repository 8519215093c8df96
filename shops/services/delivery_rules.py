"""Reading and saving a shop's delivery rules (Configuración › Ecomdrop): abandoned-cart
sources and the order flow's guardrails.

Owns: the rules as the page shows them (defaults for a shop that never saved them, the tag
presets of common COD form apps from settings) and validating a save — every bad value is
refused with the field it belongs to and nothing is stored. Must not apply the rules
(``guardrails`` and ``draft_carts`` do).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from shops.models import DeliveryRules
from shops.services.guardrails import delivery_rules_of

MAX_TAGS = 30
MAX_TAG_LENGTH = 100
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def delivery_rules_state(*, shop: str) -> dict[str, Any]:
    """The shop's rules for the page, with the choices it offers."""
    rules = delivery_rules_of(shop)
    return {
        "cart_source": rules.cart_source,
        "draft_tags": list(rules.draft_tags or []),
        "draft_any_open": rules.draft_any_open,
        "payment_methods": list(rules.payment_methods or []),
        "skip_tags": list(rules.skip_tags or []),
        "skip_channels": list(rules.skip_channels or []),
        "quiet_hours_enabled": rules.quiet_hours_enabled,
        "quiet_start": f"{rules.quiet_start:%H:%M}",
        "quiet_end": f"{rules.quiet_end:%H:%M}",
        "duplicate_window_minutes": rules.duplicate_window_minutes,
        "saved": rules.pk is not None,
        "choices": {
            "cart_source": [{"value": value, "label": str(label)} for value, label in DeliveryRules.CartSource.choices],
            "payment_methods": [
                {"value": value, "label": str(label)} for value, label in DeliveryRules.PaymentMethod.choices
            ],
            "draft_tag_presets": [{"value": tag, "label": tag} for tag in settings.DRAFT_ORDER_TAG_PRESETS if tag],
        },
    }


def _tags(value: Any, field: str) -> list[str]:
    """A list of tags from a list or a comma-separated text; trimmed, no duplicates."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ApplicationError(_("Send the tags as a list of texts."), field=field, code="invalid")
    tags: list[str] = []
    for tag in (tag.strip() for tag in value):
        if len(tag) > MAX_TAG_LENGTH:
            raise ApplicationError(_("A tag can have at most 100 characters."), field=field, code="invalid")
        if tag and tag.lower() not in (known.lower() for known in tags):
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ApplicationError(_("At most 30 tags."), field=field, code="invalid")
    return tags


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ApplicationError(_("Must be true or false."), field=field, code="invalid")
    return value


def _time(value: Any, field: str) -> datetime.time:
    match = TIME_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ApplicationError(_("Enter a time as HH:MM (24 hours), e.g. 21:00."), field=field, code="invalid")
    return datetime.time(int(match.group(1)), int(match.group(2)))


def _payment_methods(value: Any) -> list[str]:
    known = DeliveryRules.PaymentMethod.values
    if not isinstance(value, list) or not all(isinstance(method, str) and method in known for method in value):
        raise ApplicationError(_("Unknown payment method."), field="payment_methods", code="invalid")
    if not value:
        raise ApplicationError(
            _("Choose at least one payment method (otherwise no order gets the flow)."),
            field="payment_methods",
            code="required",
        )
    return [method for method in known if method in value]


def _window(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24 * 60:
        raise ApplicationError(
            _("The duplicate window must be between 0 (off) and 1440 minutes."),
            field="duplicate_window_minutes",
            code="invalid",
        )
    return value


PARSERS = {
    "draft_tags": lambda value: _tags(value, "draft_tags"),
    "draft_any_open": lambda value: _bool(value, "draft_any_open"),
    "payment_methods": _payment_methods,
    "skip_tags": lambda value: _tags(value, "skip_tags"),
    "skip_channels": lambda value: [tag.lower() for tag in _tags(value, "skip_channels")],
    "quiet_hours_enabled": lambda value: _bool(value, "quiet_hours_enabled"),
    "quiet_start": lambda value: _time(value, "quiet_start"),
    "quiet_end": lambda value: _time(value, "quiet_end"),
    "duplicate_window_minutes": _window,
}


def delivery_rules_save(*, shop: str, data: dict[str, Any]) -> DeliveryRules:
    """Save the rules sent (each key optional; others keep their value). Raises
    ApplicationError (400, with the field) for any bad value; nothing is saved then."""
    rules = delivery_rules_of(shop)
    changes: dict[str, Any] = {}
    if "cart_source" in data:
        if data["cart_source"] not in DeliveryRules.CartSource.values:
            raise ApplicationError(_("Choose where abandoned carts come from."), field="cart_source", code="invalid")
        changes["cart_source"] = data["cart_source"]
    for name, parse in PARSERS.items():
        if name in data:
            changes[name] = parse(data[name])
    for name, value in changes.items():
        setattr(rules, name, value)
    drafts_used = rules.cart_source != DeliveryRules.CartSource.CHECKOUTS
    if drafts_used and not rules.draft_any_open and not rules.draft_tags:
        raise ApplicationError(
            _("Add the tag your COD form app puts on abandoned forms, or choose “any open draft order”."),
            field="draft_tags",
            code="required",
        )
    if rules.quiet_hours_enabled and rules.quiet_start == rules.quiet_end:
        raise ApplicationError(_("Quiet hours must start and end at different times."), field="quiet_end")
    rules.save()
    return rules
