"""Validation of values that arrive from outside: shop domains.

Owns: the one definition of a valid Shopify shop domain. Must not import models.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A DNS label (1-63 characters, no leading/trailing hyphen) under myshopify.com.
SHOP_DOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.myshopify\.com\Z")
SHOP_DOMAIN_MAX_LENGTH = 255


def is_valid_shop_domain(value: object) -> bool:
    """Tell whether ``value`` is exactly a ``<name>.myshopify.com`` host name."""
    return isinstance(value, str) and bool(SHOP_DOMAIN_RE.match(value))


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
