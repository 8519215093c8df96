"""Bot actions on POST /api/ecomdrop/callback: confirm, cancel and update_address, each applied
once, recorded in the order's history; who places the order decided when it arrived; bad input
answered 4xx with nothing changed."""

import json

import pytest

from shops.models import DropiOrder, DropiOrderEvent, ShopConfiguration
from shops.tests.dropi_shop import SHOP
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db
State = DropiOrder.State


def call(client, configuration, body, **headers):
    secret = configuration.callback_secret.reveal()
    return client.post(
        "/api/ecomdrop/callback",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_CONNECTOR_TOKEN=secret,
        **headers,
    )


@pytest.fixture
def shop(dropi_shop):
    dropi_shop.set_mode("app_on_confirm")
    return dropi_shop


def act(client, shop, order, action, **fields):
    return call(client, shop.configuration, {"orderId": order.shopify_order_id, "action": action, **fields})


def test_confirm_places_the_order_once_however_often_it_arrives(client, shop):
    order = shop.record(name="#1014")
    assert order.state == State.AWAITING

    answers = [act(client, shop, order, "confirm") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert [answer.json()["changed"] for answer in answers] == [True, False, False]
    body = answers[0].json()
    assert body["orderName"] == "#1014"
    assert body["orderId"] == f"gid://shopify/Order/{order.shopify_order_id}"
    assert body["tags"] == []
    order.refresh_from_db()
    assert order.state == State.PLACED
    assert order.confirmed_at is not None
    assert len(shop.created()) == 1
    assert list(order.events.filter(kind="confirmed").values_list("actor", flat=True)) == ["bot"]
    assert shop.shopify.count("graphql:TagsAdd") == 1  # dropi:<id> only; the action asked for no tag


def test_an_action_id_is_applied_once(client, shop):
    order = shop.record()

    first = act(client, shop, order, "confirm", action_id="conv-77:confirm")
    again = act(client, shop, order, "confirm", action_id="conv-77:confirm")

    assert (first.json()["changed"], again.json()["changed"]) == (True, False)
    assert DropiOrderEvent.objects.filter(order=order, action_id="conv-77:confirm").count() == 1


@pytest.mark.parametrize(("mode", "state"), [("bot", State.BOT), ("manual", State.AWAITING)])
def test_confirm_in_the_bot_and_manual_modes_records_without_placing(client, shop, mode, state):
    shop.set_mode(mode)
    order = shop.record()

    answer = act(client, shop, order, "confirm")

    order.refresh_from_db()
    assert answer.json()["changed"] is True
    assert order.state == state
    assert order.confirmed_at is not None
    assert shop.created() == []


def test_the_mode_an_order_arrived_with_decides_whatever_the_mode_is_now(client, shop):
    confirm_mode = shop.record()  # arrives in app_on_confirm
    shop.set_mode("bot")
    bot_mode = shop.record()  # arrives in bot
    shop.set_mode("app_on_confirm")

    act(client, shop, confirm_mode, "confirm")
    act(client, shop, bot_mode, "confirm")

    confirm_mode.refresh_from_db()
    bot_mode.refresh_from_db()
    assert (confirm_mode.mode, confirm_mode.state) == ("app_on_confirm", State.PLACED)
    assert (bot_mode.mode, bot_mode.state) == ("bot", State.BOT)
    assert [created["shop_order_id"] for created in shop.created()] == [confirm_mode.shopify_order_id]


def test_cancel_before_placement_ends_the_order_and_a_later_confirm_is_refused(client, shop):
    order = shop.record()

    cancelled = act(client, shop, order, "cancel")
    again = act(client, shop, order, "cancel")
    confirm = act(client, shop, order, "confirm")

    order.refresh_from_db()
    assert (cancelled.json()["changed"], again.json()["changed"]) == (True, False)
    assert order.state == State.CANCELLED
    assert confirm.status_code == 409
    assert order.confirmed_at is None
    assert shop.created() == []
    assert shop.shopify.count("graphql:OrderCancel") == 0  # the shop did not ask for it


def test_cancel_after_placement_says_dropi_must_cancel_it_and_cancels_shopify_once(client, shop):
    ShopConfiguration.objects.filter(shop=SHOP).update(cancel_shopify_order_on_bot_cancel=True)
    order = shop.record()
    act(client, shop, order, "confirm")
    order.refresh_from_db()

    first = act(client, shop, order, "cancel")
    second = act(client, shop, order, "cancel")

    order.refresh_from_db()
    assert first.status_code == 200
    assert first.json()["dropi"]["mustCancelInDropi"] is True
    assert order.dropi_order_id in first.json()["message"]
    assert "Dropi" in first.json()["message"]
    assert second.json()["changed"] is False
    assert (order.state, order.dropi_cancel_required) == (State.PLACED, True)
    assert order.shopify_cancelled_at is not None
    assert len(shop.created()) == 1
    assert shop.shopify.count("graphql:OrderCancel") == 1
    variables = shop.shopify.requests_of("graphql:OrderCancel")[0].json()["variables"]
    assert (variables["restock"], variables["refundMethod"]) == (True, {"originalPaymentMethodsRefund": False})
    assert variables["staffNote"]
    assert list(order.events.filter(kind="dropi_cancel_required").values_list("actor", flat=True)) == ["app"]


def test_a_shopify_failure_on_cancel_changes_nothing_and_calling_again_finishes_it(client, shop):
    ShopConfiguration.objects.filter(shop=SHOP).update(cancel_shopify_order_on_bot_cancel=True)
    order = shop.record()
    shop.shopify.fail_next("graphql:OrderCancel", status=503, times=1)

    failed = act(client, shop, order, "cancel")
    order.refresh_from_db()
    assert failed.status_code == 502
    assert (order.state, order.cancelled_at) == (State.AWAITING, None)

    done = act(client, shop, order, "cancel")
    order.refresh_from_db()
    assert done.status_code == 200
    assert order.state == State.CANCELLED
    assert order.shopify_cancelled_at is not None


NEW_ADDRESS = {"address1": "Carrera 43A # 1-50", "address2": "", "city": "Medellín", "province_code": "ANT"}


def test_update_address_changes_shopify_and_the_order_before_placement(client, shop):
    order = shop.record()

    first = act(client, shop, order, "update_address", address={**NEW_ADDRESS, "phone": "+57 310 555 1234"})
    again = act(client, shop, order, "update_address", address=NEW_ADDRESS)
    act(client, shop, order, "confirm")

    order.refresh_from_db()
    assert (first.status_code, first.json()["changed"], again.json()["changed"]) == (200, True, False)
    assert order.address["city"] == "Medellín"
    assert order.phone.reveal() == "+573105551234"
    shipping = shop.shopify.shop_data[SHOP]["orders"][0]["shippingAddress"]
    assert (shipping["address1"], shipping["provinceCode"], shipping["phone"]) == (
        "Carrera 43A # 1-50",
        "ANT",
        "+573105551234",
    )
    (created,) = shop.created()
    assert (created["state"], created["city"], created["dir"]) == ("ANTIOQUIA", "MEDELLIN", "CARRERA 43A # 1-50")
    event = order.events.get(kind="address_changed")
    assert (event.actor, event.detail) == (
        "bot",
        {"fields": ["address1", "address2", "city", "phone", "province_code"]},
    )


def test_update_address_after_the_dropi_order_exists_is_409(client, shop):
    order = shop.record()
    act(client, shop, order, "confirm")

    answer = act(client, shop, order, "update_address", address=NEW_ADDRESS)

    order.refresh_from_db()
    assert answer.status_code == 409
    assert order.dropi_order_id in answer.json()["error"]
    assert order.address["city"] == "Bogotá"
    assert shop.shopify.count("graphql:OrderUpdateShippingAddress") == 0


def test_update_address_of_an_address_dropi_refused_places_the_order(client, shop):
    shop.set_mode("app_on_order")
    shop.dropi.orders.refuse_address()
    order = shop.record()
    assert order.state == State.ADDRESS

    answer = act(client, shop, order, "update_address", address=NEW_ADDRESS)

    order.refresh_from_db()
    assert answer.json()["changed"] is True
    assert order.state == State.PLACED
    assert len(shop.created()) == 1


def test_tags_keep_working_next_to_an_action(client, shop):
    order = shop.record()

    answer = act(client, shop, order, "cancel", tags=["cancelado"], status="completed")

    assert answer.json()["tags"] == ["cancelado", "ecomdrop-completed"]
    tags = shop.shopify.shop_data[SHOP]["orders"][0]["tags"]
    assert tags == ["cancelado", "ecomdrop-completed"]


def test_an_action_on_the_test_order_changes_nothing(client, shop):
    answer = call(client, shop.configuration, {"orderId": "0", "action": "confirm"})

    assert answer.status_code == 200
    assert answer.json()["test"] is True
    assert DropiOrderEvent.objects.filter(kind="confirmed").count() == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"action": "refund"}, 400),
        ({"action": ["confirm"]}, 400),
        ({"action": "confirm", "action_id": "x" * 101}, 400),
        ({"action": "update_address", "address": {"country_code": "US"}}, 400),
        ({"action": "update_address", "address": {"city": "x" * 101}}, 400),
        ({"action": "update_address", "address": {"address1": ""}}, 400),
        ({"action": "update_address", "address": {"phone": "12"}}, 400),
        ({"action": "update_address", "address": "Calle 1"}, 400),
    ],
)
def test_bad_input_is_a_clear_4xx_and_changes_nothing(client, shop, body, status):
    order = shop.record()

    answer = call(client, shop.configuration, {"orderId": order.shopify_order_id, **body})

    assert answer.status_code == status
    assert answer.json()["error"]
    order.refresh_from_db()
    assert (order.state, order.confirmed_at, order.address["city"]) == (State.AWAITING, None, "Bogotá")
    assert list(order.events.values_list("kind", flat=True)) == ["recorded"]
    assert shop.shopify.count("graphql:OrderUpdateShippingAddress") == 0
    assert shop.shopify.count("graphql:TagsAdd") == 0


def test_a_wrong_token_or_another_shops_order_changes_nothing(client, shop):
    order = shop.record()
    other = ShopConfigurationFactory(shop="otra.myshopify.com")

    wrong_token = client.post(
        "/api/ecomdrop/callback",
        json.dumps({"orderId": order.shopify_order_id, "action": "confirm"}),
        content_type="application/json",
        HTTP_X_CONNECTOR_TOKEN="not-the-secret",
    )
    foreign = call(client, other, {"orderId": order.shopify_order_id, "action": "confirm"})
    by_name = call(client, other, {"orderName": order.order_name, "action": "cancel"})

    order.refresh_from_db()
    assert (wrong_token.status_code, foreign.status_code, by_name.status_code) == (401, 404, 404)
    assert (order.state, order.confirmed_at, order.cancelled_at) == (State.AWAITING, None, None)
    assert shop.created() == []


def test_cancel_of_an_order_dropi_may_have_created_looks_it_up_first(client, shop, settings):
    from shops.services import dropi_order_job
    from shops.tests.dropi_shop import make_due

    shop.set_mode("app_on_order")
    shop.dropi.orders.fail_after_create(status=502)
    order = shop.record()
    assert (order.state, order.needs_lookup) == (State.QUEUED, True)

    answer = act(client, shop, order, "cancel")
    make_due(order)
    dropi_order_job.dropi_order_process(order_id=order.pk)

    order.refresh_from_db()
    assert answer.status_code == 200
    assert "Dropi" in answer.json()["message"]
    assert (order.state, order.dropi_cancel_required) == (State.PLACED, True)
    assert order.dropi_order_id == str(shop.created()[0]["id"])
    assert shop.dropi.count("orders_create") == 1


def test_cancel_of_an_order_dropi_never_created_ends_it_after_the_look_up(client, shop):
    from shops.services import dropi_order_job
    from shops.tests.dropi_shop import make_due

    shop.set_mode("app_on_order")
    shop.dropi.fail_next("orders_create", status=500)  # refused before creating, but ambiguous
    order = shop.record()

    act(client, shop, order, "cancel")
    make_due(order)
    dropi_order_job.dropi_order_process(order_id=order.pk)

    order.refresh_from_db()
    assert (order.state, order.dropi_cancel_required, order.needs_lookup) == (State.CANCELLED, False, False)
    assert shop.created() == []
    assert shop.dropi.count("orders_list") == 1
