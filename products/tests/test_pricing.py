"""Price rules: reading them from input (field errors) and applying them (rounding never lowers)."""

from decimal import Decimal

import pytest

from connector.errors import ApplicationError
from products.currencies import rounding_endings
from products.pricing import PriceRule, price_for, price_rule_from_input, round_price


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        ("23.40", "none", "23.40"),
        ("23.405", "none", "23.41"),
        ("23.40", "90", "23.90"),
        ("23.95", "90", "24.90"),
        ("23.90", "90", "23.90"),
        ("23.40", "99", "23.99"),
        ("23.995", "99", "24.99"),
        ("23.01", "00", "24.00"),
        ("23.00", "00", "23.00"),
        ("59900", "90", "59900.90"),
    ],
)
def test_rounding_goes_up_to_the_chosen_ending(value, rounding, expected):
    assert round_price(Decimal(value), rounding) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        ("109800", "900", "109900"),
        ("109900", "900", "109900"),
        ("109950", "900", "110900"),
        ("109950", "990", "109990"),
        ("110000.99", "990", "110990"),
        ("109001", "000", "110000"),
        ("110000", "000", "110000"),
        ("450", "900", "900"),
    ],
)
def test_prices_without_cents_go_up_to_endings_in_the_thousands(value, rounding, expected):
    assert round_price(Decimal(value), rounding) == Decimal(expected)


@pytest.mark.parametrize(
    ("currency", "endings"),
    [
        ("COP", ["900", "990", "000"]),
        ("CLP", ["900", "990", "000"]),
        ("PYG", ["900", "990", "000"]),
        ("USD", ["90", "99", "00"]),
        ("MXN", ["90", "99", "00"]),
        (None, ["90", "99", "00"]),
    ],
)
def test_each_currency_offers_the_endings_its_prices_have(currency, endings):
    assert [ending.value for ending in rounding_endings(currency)] == endings


def test_each_mode_computes_its_price():
    sale, suggested = Decimal("30000.00"), Decimal("59900.00")

    assert price_for(PriceRule(mode="suggested"), sale_price=sale, suggested_price=suggested) == Decimal("59900.00")
    assert price_for(PriceRule(mode="suggested"), sale_price=sale, suggested_price=None) == Decimal("30000.00")
    formula = PriceRule(mode="formula", multiplier=Decimal("1.8"), amount=Decimal("2500"), rounding="00")
    assert price_for(formula, sale_price=sale, suggested_price=suggested) == Decimal("56500.00")
    fixed = PriceRule(mode="fixed", fixed_price=Decimal("49900"), rounding="90")
    assert price_for(fixed, sale_price=None, suggested_price=None) == Decimal("49900.90")
    assert price_for(PriceRule(mode="keep"), sale_price=sale, suggested_price=suggested) is None
    assert price_for(PriceRule(mode="formula"), sale_price=None, suggested_price=suggested) is None


def test_a_rule_that_gives_zero_or_less_is_refused():
    rule = PriceRule(mode="formula", multiplier=Decimal("1"), amount=Decimal("-40000"))

    with pytest.raises(ApplicationError) as error:
        price_for(rule, sale_price=Decimal("30000"), suggested_price=None)

    assert error.value.field == "price_rule.amount"


def test_rules_are_read_with_field_errors():
    assert price_rule_from_input(None, allow_keep=True).mode == "keep"
    assert price_rule_from_input(None, allow_keep=False).mode == "suggested"
    rule = price_rule_from_input(
        {"mode": "formula", "multiplier": "1,5", "amount": "", "rounding": "99"}, allow_keep=False
    )
    assert (rule.multiplier, rule.amount, rule.rounding) == (Decimal("1.5"), Decimal("0"), "99")
    bad = [
        ({"mode": "cheap"}, "price_rule.mode"),
        ({"mode": "keep"}, "price_rule.mode"),
        ({"mode": "formula", "multiplier": "abc"}, "price_rule.multiplier"),
        ({"mode": "formula", "multiplier": "0"}, "price_rule.multiplier"),
        ({"mode": "formula", "multiplier": "NaN"}, "price_rule.multiplier"),
        ({"mode": "fixed", "fixed_price": "-5"}, "price_rule.fixed_price"),
        ({"mode": "fixed"}, "price_rule.fixed_price"),
        ({"mode": "suggested", "rounding": "95"}, "price_rule.rounding"),
        ("suggested", "price_rule"),
    ]
    for data, field in bad:
        with pytest.raises(ApplicationError) as error:
            price_rule_from_input(data, allow_keep=False)
        assert error.value.field == field, data
