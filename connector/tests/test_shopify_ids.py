"""Shopify GIDs, numeric ids and Admin URLs."""

from connector.shopify import ids


def test_numbers_and_gids():
    assert ids.gid("Order", 12) == "gid://shopify/Order/12"
    assert ids.numeric_id("gid://shopify/Order/12") == "12"
    assert ids.numeric_id("12") == "12"
    assert ids.numeric_id("gid://shopify/Order/abc") == ""


def test_product_and_order_ids_from_input():
    assert ids.product_gid(" 123 ") == "gid://shopify/Product/123"
    assert ids.product_gid("gid://shopify/Product/123") == "gid://shopify/Product/123"
    assert ids.product_gid("gid://shopify/Order/123") is None
    assert ids.product_gid("1" * 21) is None
    assert ids.product_gid(None) is None
    assert ids.order_gid(123) == "gid://shopify/Order/123"
    assert ids.order_gid("gid://shopify/Order/5") == "gid://shopify/Order/5"
    assert ids.order_gid("#1001") is None


def test_admin_urls():
    assert ids.admin_url(shop="t.myshopify.com", section="products", resource_id="gid://shopify/Product/7") == (
        "https://t.myshopify.com/admin/products/7"
    )
