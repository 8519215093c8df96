"""The inbox keeps of an ``orders/create`` payload only what the app uses: a full Shopify
order (shaped like Shopify's example webhook, with the browser's IP, payment details, saved
addresses, line item properties, the status URL…) is stored reduced, the reduced payload
gives the same delivery and Dropi order as the full one, and a reducer that fails stores the
whole payload rather than losing it."""

import copy

import pytest
from django.utils import timezone

from shops.models import DropiOrder, FlowDelivery
from shops.services.delivery_payloads import buyer_snapshot, order_field_values
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import checkout_payload
from shops.webhook_payloads import order_payload_reduced
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"

ADDRESS = {
    "first_name": "Ana",
    "last_name": "Pérez",
    "name": "Ana Pérez",
    "phone": "300 123 4567",
    "address1": "Calle 80 # 10-20",
    "address2": "Apto 301",
    "city": "Bogotá",
    "province": "Cundinamarca",
    "province_code": "DC",
    "zip": "110111",
    "country": "Colombia",
    "country_code": "CO",
}


def full_order():
    """An orders/create payload with every section Shopify's example webhook has."""
    return {
        "id": 820982911946154508,
        "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
        "app_id": 580111,
        "browser_ip": "190.24.10.8",
        "buyer_accepts_marketing": True,
        "cancel_reason": None,
        "cancelled_at": None,
        "cart_token": "c1-68f1e0b7a5c4",
        "checkout_id": 901414060,
        "checkout_token": "bd5a8aa1ecd019dd3520ff791ee3a24c",
        "client_details": {"accept_language": "es-CO", "browser_ip": "190.24.10.8", "user_agent": "Mozilla/5.0"},
        "closed_at": None,
        "confirmation_number": "XPAV284CT",
        "confirmed": True,
        "contact_email": "ana@example.com",
        "created_at": "2026-11-25T10:00:00-05:00",
        "currency": "COP",
        "customer_locale": "es",
        "discount_codes": [{"code": "BIENVENIDA", "amount": "10000.00", "type": "fixed_amount"}],
        "email": "ana@example.com",
        "financial_status": "pending",
        "fulfillment_status": None,
        "gateway": "Cash on Delivery (COD)",
        "landing_site": "/products/reloj?fbclid=IwAR0",
        "location_id": None,
        "name": "#1014",
        "note": "Llamar antes de entregar",
        "note_attributes": [{"name": "Cédula", "value": "1020304050"}],
        "number": 14,
        "order_number": 1014,
        "order_status_url": "https://tienda.myshopify.com/690933842/orders/123456abcd/authenticate?key=abcdefg",
        "payment_details": {"credit_card_bin": "411111", "credit_card_number": "•••• 1111", "avs_result_code": "Y"},
        "payment_gateway_names": ["Cash on Delivery (COD)"],
        "phone": "+573001234567",
        "presentment_currency": "COP",
        "processed_at": "2026-11-25T10:00:00-05:00",
        "referring_site": "https://l.facebook.com/",
        "source_name": "web",
        "subtotal_price": "119900.00",
        "tags": "releasit, cod",
        "tax_lines": [{"price": "0.00", "rate": 0.0, "title": "IVA"}],
        "test": False,
        "token": "123456abcd",
        "total_discounts": "10000.00",
        "total_price": "129900.00",
        "total_tax": "0.00",
        "updated_at": "2026-11-25T10:00:01-05:00",
        "user_id": None,
        "billing_address": {**ADDRESS, "company": "Acme", "latitude": 4.67, "longitude": -74.05},
        "shipping_address": {**ADDRESS, "company": None, "latitude": 4.67, "longitude": -74.05},
        "customer": {
            "id": 115310627314723954,
            "email": "ana@example.com",
            "first_name": "Ana",
            "last_name": "Pérez",
            "phone": "+573001234567",
            "note": "Cliente frecuente",
            "orders_count": 7,
            "state": "enabled",
            "tags": "vip",
            "verified_email": True,
            "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in"},
            "sms_marketing_consent": {"state": "not_subscribed"},
            "default_address": {**ADDRESS, "id": 715243470612851245, "default": True},
        },
        "line_items": [
            {
                "id": 866550311766439020,
                "product_id": 632910392,
                "variant_id": 808950810,
                "sku": "RJ-1",
                "title": "Reloj inteligente",
                "name": "Reloj inteligente - Negro",
                "variant_title": "Negro",
                "vendor": "Dropi",
                "quantity": 2,
                "price": "49950.00",
                "requires_shipping": True,
                "gift_card": False,
                "grams": 200,
                "properties": [{"name": "Cédula", "value": "1020304050"}],
                "tax_lines": [],
                "discount_allocations": [{"amount": "5000.00", "discount_application_index": 0}],
                "origin_location": {"id": 24826418, "address1": "Bodega 1"},
                "price_set": {"shop_money": {"amount": "49950.00", "currency_code": "COP"}},
            }
        ],
        "shipping_lines": [
            {"title": "Envío gratis", "code": "GRATIS", "source": "shopify", "price": "0.00", "tax_lines": []}
        ],
        "refunds": [],
        "fulfillments": [],
    }


def expected_reduced():
    address = dict(ADDRESS)
    return {
        "id": 820982911946154508,
        "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
        "name": "#1014",
        "order_number": 1014,
        "email": "ana@example.com",
        "contact_email": "ana@example.com",
        "phone": "+573001234567",
        "created_at": "2026-11-25T10:00:00-05:00",
        "processed_at": "2026-11-25T10:00:00-05:00",
        "updated_at": "2026-11-25T10:00:01-05:00",
        "cancelled_at": None,
        "closed_at": None,
        "currency": "COP",
        "presentment_currency": "COP",
        "total_price": "129900.00",
        "subtotal_price": "119900.00",
        "total_discounts": "10000.00",
        "total_tax": "0.00",
        "financial_status": "pending",
        "fulfillment_status": None,
        "gateway": "Cash on Delivery (COD)",
        "payment_gateway_names": ["Cash on Delivery (COD)"],
        "source_name": "web",
        "app_id": 580111,
        "location_id": None,
        "tags": "releasit, cod",
        "note": "Llamar antes de entregar",
        "checkout_token": "bd5a8aa1ecd019dd3520ff791ee3a24c",
        "cart_token": "c1-68f1e0b7a5c4",
        "confirmed": True,
        "test": False,
        "shipping_address": address,
        "billing_address": address,
        "customer": {
            "id": 115310627314723954,
            "email": "ana@example.com",
            "phone": "+573001234567",
            "first_name": "Ana",
            "last_name": "Pérez",
        },
        "line_items": [
            {
                "id": 866550311766439020,
                "product_id": 632910392,
                "variant_id": 808950810,
                "sku": "RJ-1",
                "title": "Reloj inteligente",
                "name": "Reloj inteligente - Negro",
                "variant_title": "Negro",
                "quantity": 2,
                "price": "49950.00",
                "requires_shipping": True,
                "gift_card": False,
                "vendor": "Dropi",
            }
        ],
        "shipping_lines": [{"title": "Envío gratis", "code": "GRATIS", "source": "shopify", "price": "0.00"}],
    }


def test_a_full_order_is_reduced_to_what_the_app_uses():
    assert order_payload_reduced(full_order()) == expected_reduced()


def test_the_inbox_stores_a_full_shopify_order_reduced(post_webhook):
    response = post_webhook("orders/create", full_order(), shop=SHOP)

    assert response.status_code == 200
    stored = WebhookEvent.objects.get(topic="orders/create").payload
    assert stored == expected_reduced()
    for dropped in ("client_details", "browser_ip", "payment_details", "order_status_url", "token", "note_attributes"):
        assert dropped not in stored
    assert "default_address" not in stored["customer"]
    assert "properties" not in stored["line_items"][0]
    assert "latitude" not in stored["shipping_address"]


def test_the_reduced_order_reads_as_the_full_one():
    full = full_order()
    reduced = order_payload_reduced(copy.deepcopy(full))

    assert buyer_snapshot(reduced, default_country="CO") == buyer_snapshot(full, default_country="CO")
    assert order_field_values(SHOP, reduced) == order_field_values(SHOP, full)


def test_the_reduced_order_still_makes_its_delivery_and_dropi_order(post_webhook, run_worker, ecomdrop_simulator):
    ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, nuevo_pedido_flow_id="9001", installed_at=timezone.now())

    post_webhook("orders/create", full_order(), shop=SHOP)
    run_worker()

    delivery = FlowDelivery.objects.get(shop=SHOP)
    assert delivery.state == FlowDelivery.Status.SENT
    assert delivery.phone == "+573001234567"
    assert delivery.fields["address"] == "Calle 80 # 10-20, Apto 301, Cundinamarca, Colombia"
    assert DropiOrder.objects.filter(shop=SHOP, shopify_order_id="820982911946154508").exists()


def test_redacted_buyer_data_stays_visible_as_null():
    order = full_order()
    order.update(email=None, phone=None, customer=None, shipping_address=None, billing_address=None)

    reduced = order_payload_reduced(order)

    assert reduced["customer"] is None
    assert reduced["shipping_address"] is None
    assert reduced["phone"] is None


def test_odd_shapes_are_dropped_not_fatal():
    order = {"id": 1, "line_items": "x", "shipping_address": "Calle 1", "tags": ["a"], "note": {"html": "<b>"}}

    assert order_payload_reduced(order) == {"id": 1, "line_items": [], "shipping_address": None, "tags": ["a"]}


def broken_reducer(payload):
    raise ValueError("a bug")


def test_a_failing_reducer_stores_the_whole_payload(post_webhook, settings):
    settings.WEBHOOK_PAYLOAD_REDUCERS = {"orders/create": "shops.tests.test_payload_minimisation.broken_reducer"}

    response = post_webhook("orders/create", full_order(), shop=SHOP)

    assert response.status_code == 200
    assert WebhookEvent.objects.get().payload == full_order()


def test_other_topics_are_stored_whole(post_webhook):
    checkout = checkout_payload()

    post_webhook("checkouts/create", checkout, shop=SHOP)

    assert WebhookEvent.objects.get(topic="checkouts/create").payload == checkout
