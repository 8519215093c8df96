"""Personal data: who holds what, and how it is exported, erased and masked.

Owns: reading the explicit list of settings.PERSONAL_DATA that Shopify's privacy webhooks run
through, the ``Customer`` a privacy request names (and how to recognise them in a stored
payload), and masking of personal fields in JSON (admin display, anonymisation). Must not
hold any app's tables: each app's functions live in ``<app>/personal_data.py`` and
settings.PERSONAL_DATA names them by dotted path:

- ``shop_erasers``: ``{path: [model labels]}``; ``fn(*, shop) -> int`` deletes every row of a
  shop in the listed models (``shop/redact``; the caller owns the transaction). Every model
  with a ``shop`` column must be covered (a test checks it).
- ``customer_exporters``: ``{section: path}``; ``fn(*, shop, customer) -> list`` returns what
  the app holds about a customer (``customers/data_request``); the lists form the export's
  sections.
- ``customer_erasers``: ``{name: path}``; ``fn(*, shop, customer) -> int`` deletes or
  anonymises that customer's data and returns the number of rows changed
  (``customers/redact``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.apps import apps
from django.conf import settings
from django.db.models import Model
from django.utils.module_loading import import_string

from connector.errors import WebhookPayloadError

ShopEraser = Callable[..., int]
CustomerExporter = Callable[..., list[Any]]
CustomerEraser = Callable[..., int]


def shop_erasers() -> list[tuple[str, ShopEraser]]:
    """(dotted path, function) of every shop eraser, in the order listed."""
    return [(path, import_string(path)) for path in settings.PERSONAL_DATA["shop_erasers"]]


def models_erased_per_shop() -> set[type[Model]]:
    """The models the shop erasers say they cover."""
    return {apps.get_model(label) for labels in settings.PERSONAL_DATA["shop_erasers"].values() for label in labels}


def customer_exporters() -> list[tuple[str, CustomerExporter]]:
    """(section name, function) of every customer exporter, in the order listed."""
    return [(name, import_string(path)) for name, path in settings.PERSONAL_DATA["customer_exporters"].items()]


def customer_erasers() -> list[tuple[str, CustomerEraser]]:
    """(name, function) of every customer eraser, in the order listed."""
    return [(name, import_string(path)) for name, path in settings.PERSONAL_DATA["customer_erasers"].items()]


def personal_data_paths() -> list[str]:
    """Every function settings.PERSONAL_DATA names (for the system check)."""
    listed = settings.PERSONAL_DATA
    return [*listed["shop_erasers"], *listed["customer_exporters"].values(), *listed["customer_erasers"].values()]


def models_with_a_shop_column() -> list[type[Model]]:
    """Every installed model that stores rows per shop (a concrete field named ``shop``)."""
    return [
        model
        for model in apps.get_models()
        if any(model_field.name == "shop" for model_field in model._meta.concrete_fields)
    ]


# --------------------------------------------------------------------------- the customer


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", value) if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip()


# Fewer digits than this cannot identify anybody (and would match too much).
MIN_PHONE_DIGITS = 7
COUNTRY_CODE_RE = re.compile(r"[A-Za-z]{2}\Z")


def phone_digits(value: Any, *, region: Any = None) -> str:
    """A phone number as privacy requests compare it: the digits of its E.164 form (country
    code first) when it can be read with its country — written with "+", or in ``region`` (an
    address's ISO country code) — else its digits as written; "" below MIN_PHONE_DIGITS.

    Two numbers are the same phone only when these are equal, never by a common ending:
    +1 300 123 4599 and +57 300 123 4599 are different people.
    """
    digits = _digits(value)
    if len(digits) < MIN_PHONE_DIGITS:
        return ""
    text = str(value).strip()
    hint = region.upper() if isinstance(region, str) and COUNTRY_CODE_RE.match(region) else None
    if not text.startswith("+") and hint is None:
        return digits
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else hint)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(parsed):
        return digits
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


@dataclass(frozen=True)
class Customer:
    """The customer a privacy webhook is about (each part may be unknown: empty). ``phone`` is
    in ``phone_digits`` form."""

    shopify_id: str = ""
    email: str = ""
    phone: str = ""
    order_ids: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_privacy_payload(cls, payload: dict[str, Any]) -> Customer:
        """Read ``customers/data_request`` / ``customers/redact`` payloads.

        Raises WebhookPayloadError when the payload identifies nobody.
        """
        customer = payload.get("customer")
        if customer is not None and not isinstance(customer, dict):
            raise WebhookPayloadError("'customer' is not an object")
        customer = customer or {}
        orders = payload.get("orders_requested", payload.get("orders_to_redact")) or []
        if not isinstance(orders, list):
            raise WebhookPayloadError("the order list is not a list")
        result = cls(
            shopify_id=_text(customer.get("id")),
            email=_text(customer.get("email")).casefold(),
            phone=phone_digits(customer.get("phone")),
            order_ids=frozenset(_text(order) for order in orders if _text(order)),
        )
        if not (result.shopify_id or result.email or len(result.phone) >= MIN_PHONE_DIGITS or result.order_ids):
            raise WebhookPayloadError("the payload identifies no customer")
        return result

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.shopify_id or None,
            "email": self.email or None,
            "phone": self.phone or None,
            "order_ids": sorted(self.order_ids),
        }

    def is_same_as(self, other: dict[str, Any]) -> bool:
        """Whether a stored ``as_dict()`` describes this customer."""
        if self.shopify_id and _text(other.get("id")) == self.shopify_id:
            return True
        if self.email and _text(other.get("email")).casefold() == self.email:
            return True
        return bool(self.phone and phone_digits(other.get("phone")) == self.phone)

    def appears_in(self, payload: dict[str, Any], *, topic: str) -> bool:
        """Whether a stored webhook payload (order, checkout, customer…) is about this customer."""
        if self.order_ids:
            if topic.startswith("orders/") and _text(payload.get("id")) in self.order_ids:
                return True
            if _text(payload.get("order_id")) in self.order_ids:
                return True
        people = [payload]
        for key in ("customer", "shipping_address", "billing_address", "default_address"):
            nested = payload.get(key)
            if isinstance(nested, dict):
                people.append(nested)
        if self.shopify_id:
            if _text(payload.get("customer_id")) == self.shopify_id:
                return True
            customer = payload.get("customer")
            if isinstance(customer, dict) and _text(customer.get("id")) == self.shopify_id:
                return True
        if self.email:
            for person in people:
                for key in ("email", "contact_email", "customer_email"):
                    if _text(person.get(key)).casefold() == self.email:
                        return True
        if len(self.phone) >= MIN_PHONE_DIGITS:
            region = _dict(payload.get("shipping_address")).get("country_code")
            for person in people:
                if phone_digits(person.get("phone"), region=person.get("country_code") or region) == self.phone:
                    return True
        return False


# --------------------------------------------------------------------------- masking

# Keys whose values identify or locate a person wherever they appear in a Shopify payload.
PERSONAL_KEYS = frozenset(
    {
        "email",
        "contact_email",
        "customer_email",
        "phone",
        "first_name",
        "last_name",
        "address1",
        "address2",
        "zip",
        "latitude",
        "longitude",
        "company",
        "sms_marketing_phone",
        "multipass_identifier",
        "browser_ip",
        "session_hash",
        "note",
        "note_attributes",
        # Signed links that open the buyer's order status page or checkout (address included),
        # and the URLs the buyer arrived from (they may carry tokens or ids).
        "order_status_url",
        "abandoned_checkout_url",
        "landing_site",
        "referring_site",
    }
)
# Inside these objects a person's name and city are personal too (elsewhere "name" is an
# order number such as "#1001" or a product name).
PERSON_CONTAINERS = frozenset(
    {
        "customer",
        "shipping_address",
        "billing_address",
        "default_address",
        "addresses",
        "destination",
        "origin_address",
        "client_details",
    }
)
PERSON_KEYS = frozenset({"name", "city", "user_agent"})


def mask_personal_data(value: Any, *, replacement: Any = "•••", _in_person: bool = False) -> Any:
    """A copy of a JSON value with personal fields replaced (empty values are left as they are,
    so a reader still sees which fields were present)."""
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            personal = key in PERSONAL_KEYS or (_in_person and key in PERSON_KEYS)
            if personal and item not in (None, "", [], {}):
                masked[key] = replacement
            else:
                masked[key] = mask_personal_data(
                    item, replacement=replacement, _in_person=_in_person or key in PERSON_CONTAINERS
                )
        return masked
    if isinstance(value, list):
        return [mask_personal_data(item, replacement=replacement, _in_person=_in_person) for item in value]
    return value


def sum_counts(counts: Iterable[tuple[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for name, count in counts:
        totals[name] = totals.get(name, 0) + count
    return totals
