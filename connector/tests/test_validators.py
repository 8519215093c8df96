import pytest
from django.core.exceptions import ValidationError

from connector.validators import is_valid_shop_domain, normalise_shop_domain, validate_shop_domain


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
