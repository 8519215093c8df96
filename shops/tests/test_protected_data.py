"""Protected customer data: orders Shopify sends without the buyer's phone and name (an app
not approved for level 2) are skipped with their reason, recognised as withheld, and Estado
shows a banner naming Shopify's setting until an order with a phone arrives; a buyer who only
left no phone, carts, and old skips raise no banner."""

import datetime

import pytest
from django.utils import timezone

from shops.models import FlowDelivery
from shops.protected_data import buyer_data_withheld, value_withheld, withheld_orders_recent
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import checkout_payload, order_payload

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
BANNER = "Shopify no está enviando el teléfono ni el nombre de tus compradores"


def withheld_order(**overrides):
    """An order as Shopify sends it to an app without protected customer data: no phone, name,
    email or address."""
    withheld = {
        "email": None,
        "phone": None,
        "customer": {"id": 115310627314723954},
        "shipping_address": None,
        "billing_address": None,
    }
    return order_payload(**{**withheld, **overrides})


@pytest.fixture
def shop(ecomdrop_simulator, shopify_simulator):
    from connector.tests.factories import ShopifySessionFactory

    ecomdrop_simulator.add_account(KEY)
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP), scope=None)
    return ShopConfigurationFactory(
        shop=SHOP, ecomdrop_api_key=KEY, nuevo_pedido_flow_id="9001", carrito_abandonado_flow_id="9002",
        installed_at=timezone.now(),
    )  # fmt: skip


def status_page(client, session_token):
    response = client.get("/app/configuration", {"shop": SHOP, "id_token": session_token(SHOP), "tab": "status"})
    assert response.status_code == 200
    return response.content.decode()


def test_orders_without_the_buyers_data_are_skipped_and_estado_names_the_setting(
    shop, post_webhook, run_worker, client, session_token
):
    post_webhook("orders/create", withheld_order(name="#1101"))
    post_webhook("orders/create", withheld_order(name="#1102"))
    run_worker()

    skipped = FlowDelivery.objects.filter(shop=SHOP)
    assert [delivery.skip_reason for delivery in skipped] == [FlowDelivery.SkipReason.NO_PHONE] * 2
    assert all(buyer_data_withheld(delivery) for delivery in skipped)
    page = status_page(client, session_token)
    assert BANNER in page
    assert "2 pedidos de los últimos 7 días llegaron sin el teléfono ni el nombre" in page
    assert "#1102" in page
    assert "Partner Dashboard › la app › API access › Protected customer data: nivel 2" in page


def test_pedidos_says_why_the_order_was_skipped(shop, post_webhook, run_worker, client, session_token):
    post_webhook("orders/create", withheld_order(name="#1101"))
    run_worker()

    response = client.get("/app/api/deliveries", HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}")

    [delivery] = response.json()["deliveries"]
    assert delivery["problem"].startswith("El comprador no tiene número de teléfono. Shopify envió el pedido sin")


def test_redacted_values_count_as_withheld(shop, post_webhook, run_worker):
    redacted = {"first_name": "[REDACTED]", "last_name": "***", "phone": "[REDACTED]", "address1": "***"}
    post_webhook("orders/create", withheld_order(shipping_address=redacted))
    run_worker()

    delivery = FlowDelivery.objects.get(shop=SHOP)
    assert delivery.skip_reason == FlowDelivery.SkipReason.INVALID_PHONE
    assert buyer_data_withheld(delivery)
    assert withheld_orders_recent(shop=SHOP).count == 1


@pytest.mark.parametrize("value", [None, "", "  ", "***", "•••• ", "xxxx", "[REDACTED]", "Redacted"])
def test_what_counts_as_withheld(value):
    assert value_withheld(value)


@pytest.mark.parametrize("value", ["Ana", "X Æ A-12", "0"])
def test_real_values_are_not_withheld(value):
    assert not value_withheld(value)


def test_a_buyer_who_only_left_no_phone_raises_no_banner(shop, post_webhook, run_worker, client, session_token):
    order = order_payload(phone=None)
    order["shipping_address"]["phone"] = None
    post_webhook("orders/create", order)
    run_worker()

    assert FlowDelivery.objects.get(shop=SHOP).skip_reason == FlowDelivery.SkipReason.NO_PHONE
    assert withheld_orders_recent(shop=SHOP) is None
    assert BANNER not in status_page(client, session_token)


def test_carts_without_a_phone_raise_no_banner(shop, post_webhook, run_worker):
    post_webhook("checkouts/create", checkout_payload(phone=None, email=None, customer=None, shipping_address=None))

    assert withheld_orders_recent(shop=SHOP) is None


def test_the_banner_goes_once_an_order_arrives_with_the_phone(shop, post_webhook, run_worker, client, session_token):
    post_webhook("orders/create", withheld_order())
    run_worker()
    assert BANNER in status_page(client, session_token)

    post_webhook("orders/create", order_payload())
    run_worker()

    assert withheld_orders_recent(shop=SHOP) is None
    assert BANNER not in status_page(client, session_token)


def test_skips_older_than_the_window_are_not_shown(shop, post_webhook, run_worker):
    post_webhook("orders/create", withheld_order())
    run_worker()
    FlowDelivery.objects.update(created_at=timezone.now() - datetime.timedelta(days=8))

    assert withheld_orders_recent(shop=SHOP) is None


def test_another_shops_skips_are_not_shown(shop, post_webhook, run_worker):
    ShopConfigurationFactory(shop="otra.myshopify.com", ecomdrop_api_key=KEY, nuevo_pedido_flow_id="9001",
                             installed_at=timezone.now())  # fmt: skip
    post_webhook("orders/create", withheld_order(), shop="otra.myshopify.com")
    run_worker()

    assert withheld_orders_recent(shop="otra.myshopify.com").count == 1
    assert withheld_orders_recent(shop=SHOP) is None
