"""Validation of values that arrive from outside: shop domains, numbers written as text, JSON.

Owns: the one definition of a valid Shopify shop domain, of a whole number in a query
parameter, header or claim, and of the JSON a request body may hold. Must not import models.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

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


# Visible ASCII: what an HTTP header can carry as a credential (Ecomdrop keys, Dropi tokens).
CREDENTIAL_RE = re.compile(r"[\x21-\x7e]+\Z")


def is_credential_text(value: object) -> bool:
    """Tell whether ``value`` can be sent as a key or token in a header: visible ASCII only (the
    HTTP client cannot encode "٣" in a header, and no vendor issues such keys)."""
    return isinstance(value, str) and bool(CREDENTIAL_RE.match(value))


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


# A \uD800-\uDFFF escape: only then can parsed JSON hold a lone surrogate (rare, so the costly
# check runs only when this matches).
SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89abAB]")


class InvalidJson(ValueError):
    """Text that ``parse_json`` does not accept as JSON."""


def _refuse_constant(name: str) -> Any:
    # Python reads NaN and Infinity; JSON (and the database's JSON check) does not.
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("a number too large for a float")  # 1e400 would become Infinity
    return number


def _has_unpaired_surrogate(value: Any) -> bool:
    # Python reads "\ud800" alone; UTF-8 (and so MySQL/MariaDB) cannot store it.
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_json(raw: bytes | str) -> Any:
    """Parse untrusted JSON text as JSON defines it, and nothing a database could refuse later.

    Raises InvalidJson (a ValueError) for text that is not UTF-8 JSON, for NaN/Infinity and
    numbers beyond a float or of more than 4300 digits, for lone surrogates, and for nesting
    too deep for the parser (RecursionError, which a body of 60 000 ``[`` raises).
    """
    try:
        # Strict UTF-8: json.loads would decode bytes with "surrogatepass" and let an encoded
        # lone surrogate through.
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise InvalidJson("JSON is not UTF-8") from error
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as error:
        raise InvalidJson("JSON nested too deeply") from error
    except ValueError as error:
        raise InvalidJson(str(error)) from error
    if SURROGATE_ESCAPE_RE.search(text) and _has_unpaired_surrogate(value):
        raise InvalidJson("JSON holds an unpaired surrogate")
    return value
