"""Pedidos: recent orders with cursor pagination and delivery state, resend, test event."""

import json

import pytest
from django.test import override_settings
from django.utils import timezone

from shops.models import DropiDepartment, FlowDelivery, ShopConfiguration
from shops.services import deliveries
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import order_payload
from simulators.shopify_orders import add_order

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def shop(shopify_simulator, ecomdrop_simulator):
    from connector.tests.factories import ShopifySessionFactory

    ecomdrop_simulator.add_account(KEY)
    configuration = ShopConfigurationFactory(
        shop=SHOP, ecomdrop_api_key=KEY, nuevo_pedido_flow_id="9001", installed_at=timezone.now()
    )
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP), scope=None)
    return configuration


@pytest.fixture
def api(client, session_token):
    def call(path, method="GET", body=None, shop=SHOP):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {session_token(shop)}"}
        if method == "GET":
            return client.get(path, **headers)
        return client.post(path, json.dumps(body or {}), content_type="application/json", **headers)

    return call


def test_orders_come_25_per_page_with_cursors_and_delivery_states(api, shop, shopify_simulator):
    orders = [add_order(shopify_simulator, SHOP, name=f"#{1000 + number}") for number in range(30)]
    newest = orders[-1]
    with override_settings(TASKS=DUMMY_TASKS):
        deliveries.flow_delivery_record_order(
            shop=SHOP, order=order_payload(id=int(newest["legacyResourceId"]), name=newest["name"])
        )

    first = api("/app/api/orders").json()
    second = api(f"/app/api/orders?after={first['page_info']['endCursor']}").json()
    back = api(f"/app/api/orders?before={second['page_info']['startCursor']}").json()

    assert len(first["orders"]) == 25
    assert first["orders"][0]["name"] == newest["name"]
    assert first["orders"][0]["delivery"]["status"] == FlowDelivery.Status.PENDING
    assert first["orders"][1]["delivery"] is None
    assert first["page_info"]["hasNextPage"] is True
    assert len(second["orders"]) == 5
    assert second["page_info"]["hasNextPage"] is False
    assert [order["name"] for order in back["orders"]] == [order["name"] for order in first["orders"]]


def test_shopify_down_is_a_clear_error(api, shop, shopify_simulator):
    shopify_simulator.fail_next("graphql:OrdersRecent", status=503)

    response = api("/app/api/orders")

    assert response.status_code == 502
    assert "Shopify" in response.json()["error"]


def test_orders_shopify_has_not_approved_are_a_403_naming_protected_data(api, shop, shopify_simulator):
    from simulators.shopify import GraphQLErrors

    def refuse(simulator, shop_domain, variables):
        raise GraphQLErrors([{"message": "Not approved to access Order", "extensions": {"code": "ACCESS_DENIED"}}])

    shopify_simulator.graphql_handlers["OrdersRecent"] = refuse

    response = api("/app/api/orders")

    assert response.status_code == 403
    assert "datos protegidos" in response.json()["error"]


def test_resend_a_failed_delivery_and_refuse_other_shops(api, shop, ecomdrop_simulator):
    ecomdrop_simulator.fail_next("find_contact", status=401)
    delivery, _ = deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload())
    delivery.refresh_from_db()
    assert delivery.state == FlowDelivery.Status.FAILED

    foreign = api(f"/app/api/deliveries/{delivery.pk}/resend", "POST", shop="otra.myshopify.com")
    resent = api(f"/app/api/deliveries/{delivery.pk}/resend", "POST")
    again = api(f"/app/api/deliveries/{delivery.pk}/resend", "POST")

    assert foreign.status_code == 404
    assert resent.status_code == 200
    assert resent.json()["delivery"]["status"] == FlowDelivery.Status.SENT
    assert again.status_code == 400


def test_test_event_needs_a_valid_phone(api, shop, ecomdrop_simulator):
    bad = api("/app/api/test-event", "POST", {"phone": "123"})
    good = api("/app/api/test-event", "POST", {"phone": "+57 300 555 0101"})

    assert bad.status_code == 400
    assert bad.json()["field"] == "phone"
    assert good.status_code == 200
    assert good.json()["delivery"]["status"] == FlowDelivery.Status.SENT
    assert good.json()["delivery"]["kind"] == FlowDelivery.Kind.TEST


def test_the_cart_test_event_needs_the_cart_flow_and_a_known_event(api, shop, ecomdrop_simulator):
    without_flow = api("/app/api/test-event", "POST", {"phone": "+57 300 555 0101", "event": "cart"})
    unknown = api("/app/api/test-event", "POST", {"phone": "+57 300 555 0101", "event": "refund"})
    ShopConfiguration.objects.filter(shop=SHOP).update(carrito_abandonado_flow_id="9002")
    cart = api("/app/api/test-event", "POST", {"phone": "+57 300 555 0101", "event": "cart"})

    assert (without_flow.status_code, without_flow.json()["code"]) == (400, "no_flow")
    assert (unknown.status_code, unknown.json()["field"]) == (400, "event")
    assert cart.status_code == 200
    assert (cart.json()["delivery"]["status"], cart.json()["delivery"]["order_name"]) == ("sent", "#TEST-CART")
    assert [send[1] for send in ecomdrop_simulator.sends_to(KEY)] == ["9002"]


def test_the_orders_page_renders_without_calling_shopify(client, shop, shopify_simulator, session_token):
    response = client.get("/app/orders", {"shop": SHOP, "id_token": session_token(SHOP)})

    assert response.status_code == 200
    assert "Enviar evento de prueba" in response.content.decode()
    assert shopify_simulator.count("graphql:OrdersRecent") == 0


def test_the_orders_page_carries_each_countrys_departments_for_the_address_form(client, shop, session_token):
    DropiDepartment.objects.update_or_create(  # as staff edited it in the admin
        country="CO", province_code="ANT", defaults={"province_name": "Antioquia", "dropi_name": "ANTIOQUIA (EDITADO)"}
    )
    DropiDepartment.objects.update_or_create(
        country="PE", province_code="PE-LIM", defaults={"province_name": "Lima", "dropi_name": "LIMA"}
    )

    response = client.get("/app/orders", {"shop": SHOP, "id_token": session_token(SHOP)})

    departments = response.context["departments"]
    assert {"CO", "PE"} <= set(departments)
    assert {"code": "PE-LIM", "name": "Lima", "dropi_name": "LIMA"} in departments["PE"]
    antioquia = next(item for item in departments["CO"] if item["code"] == "ANT")
    assert antioquia == {"code": "ANT", "name": "Antioquia", "dropi_name": "ANTIOQUIA (EDITADO)"}
    assert 'id="orders-departments"' in response.content.decode()


@pytest.mark.parametrize(
    "limit", ["\u00b2", "٣", "9" * 40, "-1", ""], ids=["superscript", "arabic", "huge", "negative", "empty"]
)
def test_a_limit_that_is_not_a_plain_number_gets_the_default_page(api, shop, limit):
    response = api(f"/app/api/deliveries?limit={limit}")

    assert response.status_code == 200
    assert response.json() == {"deliveries": []}


def test_the_test_events_are_listed_apart_from_the_orders_deliveries(api, shop, ecomdrop_simulator):
    deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload())
    sent = api("/app/api/test-event", "POST", {"phone": "+57 300 555 0101"}).json()["delivery"]

    tests = api("/app/api/deliveries?kind=test").json()["deliveries"]
    everything = api("/app/api/deliveries").json()["deliveries"]

    assert [delivery["id"] for delivery in tests] == [sent["id"]]
    assert len(everything) == 2
