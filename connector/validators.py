"""Validation of values that arrive from outside: shop domains and numbers written as text.

Owns: the one definition of a valid Shopify shop domain and of a whole number in a query
parameter, header or claim. Must not import models.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A DNS label (1-63 characters, no leading/trailing hyphen) under myshopify.com.
SHOP_DOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.myshopify\.com\Z")
SHOP_DOMAIN_MAX_LENGTH = 255
# The ASCII digits 0-9 only: ``str.isdigit()`` also accepts "²" (which ``int()`` refuses) and
# "٣" or "３" (which ``int()`` reads as numbers nobody typed).
ASCII_DIGITS_RE = re.compile(r"[0-9]+\Z")


def is_valid_shop_domain(value: object) -> bool:
    """Tell whether ``value`` is exactly a ``<name>.myshopify.com`` host name."""
    return isinstance(value, str) and bool(SHOP_DOMAIN_RE.match(value))


def is_ascii_digits(value: object) -> bool:
    """Tell whether ``value`` is a non-empty string of the ASCII digits 0-9 and nothing else."""
    return isinstance(value, str) and bool(ASCII_DIGITS_RE.match(value))


def parse_ascii_int(value: object, *, maximum: int) -> int | None:
    """The whole number ``value`` spells in ASCII digits when it is at most ``maximum``; None
    for anything else (signs, spaces, other digits, too big: no caller needs them)."""
    if not is_ascii_digits(value) or len(str(value)) > len(str(maximum)):
        return None
    number = int(str(value))
    return number if number <= maximum else None


def normalise_shop_domain(value: str) -> str:
    """Lower-case and strip what people paste around a shop domain (scheme, path, spaces).

    The result still has to pass :func:`is_valid_shop_domain`.
    """
    value = (value or "").strip().lower()
    for prefix in ("https://", "http://"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return value.split("/", 1)[0]


def validate_shop_domain(value: str) -> None:
    """Django validator: reject anything that is not ``<name>.myshopify.com``."""
    if not is_valid_shop_domain(value):
        raise ValidationError(
            _("Enter a valid shop domain such as example.myshopify.com."),
            code="invalid_shop_domain",
            params={"value": value},
        )
