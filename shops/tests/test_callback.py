"""POST /api/ecomdrop/callback: shop by secret, tags added with tagsAdd, every status code."""

import json
import types

import pytest
from django.utils import timezone

from connector import limits
from shops.models import FlowDelivery, ShopConfiguration
from shops.services import deliveries
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import order_payload
from simulators.shopify_orders import add_order

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
OTHER = "otra.myshopify.com"


@pytest.fixture
def shop(shopify_simulator):
    from connector.models import ShopifySession

    configuration = ShopConfigurationFactory(shop=SHOP, installed_at=timezone.now())
    ShopifySession.objects.create(id=f"offline_{SHOP}", shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))
    return configuration


def post(client, body, secret, **headers):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    extra = {"HTTP_X_CONNECTOR_TOKEN": secret} if secret is not None else {}
    return client.post("/api/ecomdrop/callback", raw, content_type="application/json", **extra, **headers)


def secret_of(configuration):
    return configuration.callback_secret.reveal()


def tags_of(shopify_simulator, order):
    return shopify_simulator.shop_data[SHOP]["orders"][0]["tags"] if order else None


def test_tags_an_order_found_by_name_and_keeps_existing_tags(client, shop, shopify_simulator):
    order = add_order(shopify_simulator, SHOP, name="#1014", tags=["vip"])

    response = post(client, {"orderName": "#1014", "tag": "confirmado", "status": "success"}, secret_of(shop))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    assert body["orderId"] == order["id"]
    assert body["tags"] == ["confirmado", "ecomdrop-processed"]
    assert order["tags"] == ["vip", "confirmado", "ecomdrop-processed"]
    assert shopify_simulator.count("graphql:TagsAdd") == 1


@pytest.mark.parametrize(
    ("reference", "expected_lookups"),
    [({"orderId": "ORDER_GID"}, 0), ({"order_id": "NUMERIC"}, 0), ({"order_name": "1015"}, 1)],
)
def test_every_order_reference_form_works(client, shop, shopify_simulator, reference, expected_lookups):
    order = add_order(shopify_simulator, SHOP, name="#1015")
    value = next(iter(reference.values()))
    value = {"ORDER_GID": order["id"], "NUMERIC": order["legacyResourceId"]}.get(value, value)

    response = post(client, {next(iter(reference)): value, "tags": "a, b ,a", "status": "completed"}, secret_of(shop))

    assert response.status_code == 200, response.content
    assert order["tags"] == ["a", "b", "ecomdrop-completed"]
    assert shopify_simulator.count("graphql:OrderFindByName") == expected_lookups


@pytest.mark.parametrize(
    ("status", "tag"),
    [
        ("success", "ecomdrop-processed"),
        ("completed", "ecomdrop-completed"),
        ("pending", "ecomdrop-pending"),
        ("error", "ecomdrop-error"),
        ("failed", "ecomdrop-error"),
        (None, "ecomdrop-processed"),
    ],
)
def test_status_map(client, shop, shopify_simulator, status, tag):
    order = add_order(shopify_simulator, SHOP, name="#2000")

    post(client, {"orderName": "#2000", "status": status}, secret_of(shop))

    assert order["tags"] == [tag]


def test_replaying_the_same_callback_is_harmless(client, shop, shopify_simulator):
    order = add_order(shopify_simulator, SHOP, name="#3000")
    for _ in range(3):
        assert post(client, {"orderName": "#3000", "status": "success"}, secret_of(shop)).status_code == 200

    assert order["tags"] == ["ecomdrop-processed"]


def test_the_result_is_recorded_on_the_delivery_and_confirms_an_unconfirmed_send(client, shop, shopify_simulator):
    order = add_order(shopify_simulator, SHOP, name="#4000")
    from django.test import override_settings

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
        delivery, _ = deliveries.flow_delivery_record_order(
            shop=SHOP, order=order_payload(id=int(order["legacyResourceId"]), name="#4000")
        )
    FlowDelivery.objects.filter(pk=delivery.pk).update(state=FlowDelivery.Status.UNCONFIRMED)

    post(client, {"orderId": order["legacyResourceId"], "status": "success"}, secret_of(shop))

    delivery.refresh_from_db()
    assert delivery.state == FlowDelivery.Status.SENT
    assert delivery.callback_status == "success"
    assert delivery.callback_tags == ["ecomdrop-processed"]
    assert delivery.callback_received_at is not None


def test_the_body_shop_is_never_trusted(client, shop, shopify_simulator):
    ShopConfigurationFactory(shop=OTHER)
    mine = add_order(shopify_simulator, SHOP, name="#5000")
    theirs = add_order(shopify_simulator, OTHER, name="#5000")

    post(client, {"orderName": "#5000", "shop": OTHER, "status": "success"}, secret_of(shop))

    assert mine["tags"] == ["ecomdrop-processed"]
    assert theirs["tags"] == []


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "x" * 500])
def test_a_missing_or_wrong_secret_is_401(client, shop, shopify_simulator, secret):
    order = add_order(shopify_simulator, SHOP, name="#6000")

    response = post(client, {"orderName": "#6000"}, secret)

    assert response.status_code == 401
    assert order["tags"] == []


def test_a_rotated_secret_stops_working(client, shop, shopify_simulator):
    from shops.services import shop_configuration_rotate_callback_secret

    old = secret_of(shop)
    shop_configuration_rotate_callback_secret(configuration=shop)

    assert post(client, {"orderName": "#1"}, old).status_code == 401


def test_no_order_reference_is_400(client, shop):
    assert post(client, {"status": "success"}, secret_of(shop)).status_code == 400


def test_an_unknown_order_is_404(client, shop, shopify_simulator):
    assert post(client, {"orderName": "#9999"}, secret_of(shop)).status_code == 404
    assert post(client, {"orderId": "gid://shopify/Order/123"}, secret_of(shop)).status_code == 404


def test_malformed_json_is_400_and_other_methods_405(client, shop):
    assert post(client, "{not json", secret_of(shop)).status_code == 400
    assert post(client, "[1]", secret_of(shop)).status_code == 400
    response = client.get("/api/ecomdrop/callback")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_an_oversized_body_is_413(client, shop):
    response = post(client, {"orderName": "#1", "padding": "x" * 70_000}, secret_of(shop))

    assert response.status_code == 413


def test_callbacks_are_rate_limited_per_shop(client, shop, shopify_simulator, settings, monkeypatch):
    settings.ECOMDROP_CALLBACK_RATE_PER_MINUTE = 2
    # The three callbacks within one minute's window even when the clock turns a minute.
    monkeypatch.setattr(limits, "time", types.SimpleNamespace(time=lambda: 1_800_000_030.0))
    add_order(shopify_simulator, SHOP, name="#7000")

    codes = [post(client, {"orderName": "#7000"}, secret_of(shop)).status_code for _ in range(3)]

    assert codes == [200, 200, 429]


def test_shopify_failing_is_502_so_ecomdrop_can_retry(client, shop, shopify_simulator):
    add_order(shopify_simulator, SHOP, name="#8000")
    shopify_simulator.fail_next("graphql:TagsAdd", status=503)

    response = post(client, {"orderName": "#8000"}, secret_of(shop))

    assert response.status_code == 502


def test_the_secret_never_appears_in_logs(client, shop, shopify_simulator, caplog):
    add_order(shopify_simulator, SHOP, name="#8100")
    post(client, {"orderName": "#8100"}, secret_of(shop))
    post(client, {"orderName": "#8100"}, "wrong-secret-value")

    assert secret_of(shop) not in caplog.text
    assert "wrong-secret-value" not in caplog.text


# --------------------------------------------------------------------------- shop gone or locked out
def test_an_uninstalled_shop_answers_410_without_calling_shopify(client, shop, shopify_simulator):
    add_order(shopify_simulator, SHOP, name="#8200")
    ShopConfiguration.objects.filter(pk=shop.pk).update(uninstalled_at=timezone.now())
    calls_before = len(shopify_simulator.requests)

    response = post(client, {"orderName": "#8200", "status": "success"}, secret_of(shop), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 410
    assert response.json()["success"] is False
    assert "uninstalled" in response.json()["error"]
    assert len(shopify_simulator.requests) == calls_before


def test_an_uninstalled_shop_answers_in_spanish_by_default(client, shop):
    ShopConfiguration.objects.filter(pk=shop.pk).update(uninstalled_at=timezone.now())

    response = post(client, {"orderName": "#1"}, secret_of(shop))

    assert response.status_code == 410
    assert "desinstalada" in response.json()["error"]


def test_a_shop_that_must_authorise_the_app_again_is_a_4xx_not_a_retry(client, shop, shopify_simulator):
    from connector.models import ShopifySession

    order = add_order(shopify_simulator, SHOP, name="#8300")
    ShopifySession.objects.filter(shop=SHOP).update(reauthorization_required_at=timezone.now())

    response = post(client, {"orderName": "#8300"}, secret_of(shop))

    assert 400 <= response.status_code < 500
    assert response.status_code == 403
    assert response.json()["error"]
    assert order["tags"] == []


def test_a_token_shopify_revoked_is_a_4xx_not_a_retry(client, shop, shopify_simulator):
    from connector.models import ShopifySession

    add_order(shopify_simulator, SHOP, name="#8400")
    shopify_simulator.expire_access_token(ShopifySession.objects.get(shop=SHOP).access_token.reveal())

    response = post(client, {"orderName": "#8400"}, secret_of(shop))

    assert response.status_code == 403


# --------------------------------------------------------------------------- test events
def record_test_event(shop_configuration):
    from django.test import override_settings

    shop_configuration.ecomdrop_api_key = "ecomdrop-key-ABCDEFGH-123456"
    shop_configuration.nuevo_pedido_flow_id = "9001"
    shop_configuration.save(update_fields=["ecomdrop_api_key", "nuevo_pedido_flow_id"])
    # Recorded only (the dummy backend runs nothing): the callback is what is tested.
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
        return deliveries.flow_delivery_send_test(shop=SHOP, phone="+57 300 123 4567")


@pytest.mark.parametrize(
    "reference", [{"orderId": "0"}, {"orderId": "gid://shopify/Order/0"}, {"orderName": "#TEST-1001"}]
)
def test_the_callback_of_a_test_event_answers_200_and_changes_no_order(client, shop, shopify_simulator, reference):
    older = record_test_event(shop)
    latest = record_test_event(shop)
    calls_before = len(shopify_simulator.requests)

    response = post(client, {**reference, "status": "success"}, secret_of(shop), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    assert body["test"] is True
    assert "test event" in body["message"].lower()
    assert "no order" in body["message"].lower()
    assert len(shopify_simulator.requests) == calls_before
    latest.refresh_from_db()
    older.refresh_from_db()
    assert latest.callback_status == "success"
    assert latest.callback_tags == ["ecomdrop-processed"]
    assert latest.callback_received_at is not None
    assert older.callback_received_at is None


def test_order_id_0_is_a_test_event_even_without_a_recorded_test(client, shop, shopify_simulator):
    response = post(client, {"orderId": "0", "status": "success"}, secret_of(shop))

    assert response.status_code == 200
    assert response.json()["test"] is True
    assert shopify_simulator.count("graphql:TagsAdd") == 0


def test_a_real_order_named_like_the_test_without_a_test_event_is_looked_up(client, shop, shopify_simulator):
    order = add_order(shopify_simulator, SHOP, name="#TEST-1001")

    response = post(client, {"orderName": "#TEST-1001"}, secret_of(shop))

    assert response.status_code == 200
    assert response.json().get("test") is not True
    assert order["tags"] == ["ecomdrop-processed"]


def test_a_deeply_nested_body_is_refused_not_a_server_error(client, shop):
    response = post(client, "[" * 60_000, secret_of(shop))

    assert response.status_code == 400
    assert response.json()["success"] is False


def test_wrong_tokens_from_one_address_are_refused_without_a_look_up_once_over_the_limit(
    client, shop, settings, django_assert_num_queries
):
    settings.ECOMDROP_CALLBACK_BAD_TOKENS_PER_MINUTE = 3

    wrong = [post(client, {"orderName": "#1"}, f"wrong-secret-{index}").status_code for index in range(3)]
    with django_assert_num_queries(0):
        refused = post(client, {"orderName": "#1"}, "wrong-secret-4")
        right_but_refused = post(client, {"orderName": "#1"}, secret_of(shop))
    elsewhere = post(client, {"orderName": "#1"}, "wrong-secret-5", REMOTE_ADDR="198.51.100.7")

    assert wrong == [401, 401, 401]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert right_but_refused.status_code == 429  # from that address nothing is looked up this minute
    assert elsewhere.status_code == 401


def test_behind_a_trusted_proxy_wrong_tokens_count_by_the_forwarded_address(client, shop, settings):
    settings.ECOMDROP_CALLBACK_BAD_TOKENS_PER_MINUTE = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    first = post(client, {"orderName": "#1"}, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.1")
    again = post(client, {"orderName": "#1"}, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.1")
    other_client = post(client, {"orderName": "#1"}, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert [first.status_code, again.status_code, other_client.status_code] == [401, 429, 401]
