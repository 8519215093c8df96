"""Price rules of an import: what a Shopify variant costs, computed from Dropi's prices.

Owns: reading a rule from request data (with field errors), and applying it. Pure functions:
no database, no vendors. Modes:

- ``suggested``: Dropi's suggested retail price (its supplier price when there is none);
- ``formula``: Dropi's supplier price × multiplier + fixed amount;
- ``fixed``: one price for every variant;
- ``keep``: leave Shopify's prices alone (only when linking an existing product).

Rounding is applied last and never lowers a price: it goes up to the next ending of
``products.currencies`` (``90``, ``99``: the next ``x.90`` / ``x.99``; ``00``: the next whole
amount; ``900``, ``990``: the next ``…900`` / ``…990``; ``000``: the next thousand); ``none``
keeps cents. Which endings the page offers depends on the shop's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from products.currencies import ENDINGS_BY_VALUE

MODES = ("suggested", "formula", "fixed", "keep")
ROUNDINGS = ("none", *ENDINGS_BY_VALUE)
CENT = Decimal("0.01")
MAX_PRICE = Decimal("1000000000")
MAX_MULTIPLIER = Decimal("100")


@dataclass(frozen=True)
class PriceRule:
    mode: str = "suggested"
    multiplier: Decimal = Decimal("1")
    amount: Decimal = Decimal("0")
    fixed_price: Decimal | None = None
    rounding: str = "none"

    @property
    def changes_prices(self) -> bool:
        return self.mode != "keep"

    def as_dict(self) -> dict[str, str | None]:
        """JSON-safe form, stored with the association."""
        return {
            "mode": self.mode,
            "multiplier": str(self.multiplier),
            "amount": str(self.amount),
            "fixed_price": None if self.fixed_price is None else str(self.fixed_price),
            "rounding": self.rounding,
        }


def _number(raw: Any, *, field: str, label: str) -> Decimal:
    text = str(raw).strip().replace(" ", "") if raw is not None else ""
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # "1,5" typed with a Spanish keyboard
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError) as error:
        raise ApplicationError(
            _("%(label)s must be a number.") % {"label": label}, field=f"price_rule.{field}", code="invalid_number"
        ) from error
    if not value.is_finite():
        raise ApplicationError(
            _("%(label)s must be a number.") % {"label": label}, field=f"price_rule.{field}", code="invalid_number"
        )
    return value


def price_rule_from_input(data: Any, *, allow_keep: bool) -> PriceRule:
    """Read a rule from request data; ApplicationError names the wrong field (``price_rule.<name>``)."""
    if data is None:
        return PriceRule(mode="keep" if allow_keep else "suggested")
    if not isinstance(data, dict):
        raise ApplicationError(_("The price rule is not valid."), field="price_rule", code="invalid")
    mode = str(data.get("mode") or "suggested")
    if mode not in MODES or (mode == "keep" and not allow_keep):
        raise ApplicationError(_("Choose how to set the price."), field="price_rule.mode", code="invalid")
    rounding = str(data.get("rounding") or "none")
    if rounding not in ROUNDINGS:
        raise ApplicationError(_("Choose a valid rounding."), field="price_rule.rounding", code="invalid")
    rule = PriceRule(mode=mode, rounding=rounding)
    if mode == "formula":
        multiplier = _number(data.get("multiplier", "1"), field="multiplier", label=_("The multiplier"))
        amount = _number(data.get("amount") or "0", field="amount", label=_("The amount to add"))
        if not Decimal("0") < multiplier <= MAX_MULTIPLIER:
            raise ApplicationError(
                _("The multiplier must be greater than 0 and at most 100."),
                field="price_rule.multiplier",
                code="out_of_range",
            )
        if abs(amount) >= MAX_PRICE:
            raise ApplicationError(_("The amount to add is too large."), field="price_rule.amount", code="out_of_range")
        rule = PriceRule(mode=mode, multiplier=multiplier, amount=amount, rounding=rounding)
    elif mode == "fixed":
        fixed = _number(data.get("fixed_price"), field="fixed_price", label=_("The price"))
        if not Decimal("0") < fixed < MAX_PRICE:
            raise ApplicationError(
                _("The price must be greater than 0."), field="price_rule.fixed_price", code="out_of_range"
            )
        rule = PriceRule(mode=mode, fixed_price=fixed, rounding=rounding)
    return rule


def round_price(value: Decimal, rounding: str) -> Decimal:
    """Apply a rounding choice; the result is never below ``value`` (except ``none``: to cents)."""
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    ending = ENDINGS_BY_VALUE.get(rounding)
    if ending is None:
        return value
    candidate = (value / ending.step).to_integral_value(rounding=ROUND_FLOOR) * ending.step + ending.offset
    return (candidate if candidate >= value else candidate + ending.step).quantize(CENT)


def price_for(rule: PriceRule, *, sale_price: Decimal | None, suggested_price: Decimal | None) -> Decimal | None:
    """The price of one variant under ``rule``; None when the rule keeps Shopify's price or
    Dropi gave no price to compute from. Raises ApplicationError when the rule gives a price
    of zero or less, or an absurdly large one."""
    if rule.mode == "keep":
        return None
    if rule.mode == "fixed":
        base = rule.fixed_price
    elif rule.mode == "formula":
        base = None if sale_price is None else sale_price * rule.multiplier + rule.amount
    else:
        base = suggested_price if suggested_price else sale_price
    if base is None:
        return None
    price = round_price(base, rule.rounding)
    if price <= 0:
        field = "price_rule.amount" if rule.mode == "formula" else "price_rule.mode"
        raise ApplicationError(_("The price rule gives a price of zero or less."), field=field, code="not_positive")
    if price >= MAX_PRICE:
        raise ApplicationError(
            _("The price rule gives a price that is too large."), field="price_rule", code="too_large"
        )
    return price
