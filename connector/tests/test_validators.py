import pytest
from django.core.exceptions import ValidationError

from connector.validators import (
    InvalidJson,
    is_ascii_digits,
    is_valid_shop_domain,
    normalise_shop_domain,
    parse_ascii_int,
    parse_json,
    validate_shop_domain,
)


@pytest.mark.parametrize(
    "domain",
    ["example.myshopify.com", "a.myshopify.com", "tienda-123.myshopify.com", ("x" * 63) + ".myshopify.com"],
)
def test_valid_shop_domains(domain):
    assert is_valid_shop_domain(domain)
    validate_shop_domain(domain)


@pytest.mark.parametrize(
    "domain",
    [
        "",
        "evil.com",
        "myshopify.com",
        ".myshopify.com",
        "x.myshopify.com.evil.com",
        "x.myshopify.com\n",
        "X.MYSHOPIFY.COM",
        "-x.myshopify.com",
        "x-.myshopify.com",
        "a.b.myshopify.com",
        "shop.myshopify.co",
        "shop_1.myshopify.com",
        "https://shop.myshopify.com",
        ("x" * 64) + ".myshopify.com",
        None,
        123,
    ],
)
def test_invalid_shop_domains(domain):
    assert not is_valid_shop_domain(domain)


def test_validation_error_is_translated_and_coded():
    with pytest.raises(ValidationError) as error:
        validate_shop_domain("evil.com")
    assert error.value.code == "invalid_shop_domain"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Shop.MyShopify.com ", "shop.myshopify.com"),
        ("https://shop.myshopify.com/admin", "shop.myshopify.com"),
        ("http://shop.myshopify.com", "shop.myshopify.com"),
    ],
)
def test_normalise_strips_what_people_paste(raw, expected):
    assert normalise_shop_domain(raw) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("42", 42), ("0", 0), ("\u00b2", None), ("٣", None), ("３", None), ("-1", None), (" 1", None), ("", None)],
)
def test_only_ascii_digits_spell_a_whole_number(value, expected):
    assert parse_ascii_int(value, maximum=100) == expected
    assert is_ascii_digits(value) is (expected is not None)


def test_a_whole_number_above_the_maximum_is_none():
    assert parse_ascii_int("101", maximum=100) is None
    assert parse_ascii_int("9" * 5000, maximum=100) is None
    assert parse_ascii_int(None, maximum=100) is None


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 60_000,
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": 1e400}',
        b'{"a": "\\ud800"}',
        b'{"a": "\xed\xa0\x80"}',
        b'{"a": "\xff"}',
        b'{"a": ' + b"1" * 5000 + b"}",
    ],
    ids=["deep", "nan", "infinity", "float-overflow", "escaped-surrogate", "encoded-surrogate", "not-utf8", "huge-int"],
)
def test_json_a_database_could_not_store_is_refused(raw):
    with pytest.raises(InvalidJson):
        parse_json(raw)


def test_plain_json_is_read_as_it_is():
    assert parse_json(b'{"a": [1, 2.5, "\\ud83d\\ude00", null, true]}') == {"a": [1, 2.5, "😀", None, True]}
