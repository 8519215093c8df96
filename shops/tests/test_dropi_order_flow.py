"""An order from Shopify to Dropi, end to end: the orders/create webhook → the "Nuevo Pedido"
flow with Dropi-ready contact fields → the bot's confirm on the callback → exactly one Dropi
order with the right product and variation ids → Pedidos shows it. Everything runs through the
intake, the database queue and the worker, against the Shopify, Ecomdrop and Dropi simulators."""

import json

import pytest

from shops.models import DropiOrder, FlowDelivery, ShopConfiguration
from shops.tests.dropi_shop import ECOMDROP_KEY, SHOP

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(dropi_shop, ecomdrop_simulator):
    account = ecomdrop_simulator.add_account(ECOMDROP_KEY)
    ShopConfiguration.objects.filter(shop=SHOP).update(
        ecomdrop_api_key=ECOMDROP_KEY, nuevo_pedido_flow_id="9001", dropi_order_mode="app_on_confirm"
    )
    dropi_shop.ecomdrop = account
    return dropi_shop


def test_webhook_flow_confirm_one_dropi_order_and_pedidos_shows_it(
    client, shop, post_webhook, run_worker, session_token
):
    payload = shop.order_payload(name="#1014")
    assert post_webhook("orders/create", payload, event_id="evt-1").status_code == 200
    assert post_webhook("orders/create", payload, event_id="evt-1").status_code == 200  # Shopify's retry
    run_worker()

    # The flow went out once, with the lines' Dropi ids for the bot.
    delivery = FlowDelivery.objects.get(shop=SHOP)
    assert delivery.state == FlowDelivery.Status.SENT
    assert len(shop.ecomdrop.sends) == 1
    contact = next(iter(shop.ecomdrop.contacts.values()))
    fields = {shop.ecomdrop.custom_fields[field_id][0]: value for field_id, value in contact.fields.items()}
    white = str(shop.variable["variations"][1]["id"])
    assert [(line["product_id"], line["variation_id"]) for line in json.loads(fields["pedido_dropi_json"])] == [
        ("501", white),
        ("502", None),
    ]
    assert DropiOrder.objects.get().state == DropiOrder.State.AWAITING
    assert shop.created() == []

    # The bot confirms (twice: its retry changes nothing).
    secret = shop.configuration.callback_secret.reveal()
    for _ in range(2):
        answer = client.post(
            "/api/ecomdrop/callback",
            json.dumps({"orderId": str(payload["id"]), "action": "confirm", "status": "success"}),
            content_type="application/json",
            HTTP_X_CONNECTOR_TOKEN=secret,
        )
        assert answer.status_code == 200, answer.content
        run_worker()

    (created,) = shop.created()
    assert created["shop_order_id"] == str(payload["id"])
    details = [(line["product"]["id"], (line["variation"] or {}).get("id")) for line in created["orderdetails"]]
    assert details == [("501", white), ("502", None)]
    order = DropiOrder.objects.get()
    assert (order.state, order.dropi_order_id) == (DropiOrder.State.PLACED, str(created["id"]))
    assert shop.shopify_tags(order) == ["ecomdrop-processed", f"dropi:{created['id']}"]

    # Pedidos shows it.
    listed = client.get("/app/api/orders", HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}").json()
    (row,) = [row for row in listed["orders"] if row["id"] == str(payload["id"])]
    assert row["dropi"]["state"] == "placed"
    assert row["dropi"]["dropi_order_id"] == str(created["id"])
    assert [entry["kind"] for entry in row["dropi"]["history"]] == [
        "recorded",
        "flow_sent",
        "confirmed",
        "attempt",
        "placed",
        "tagged",
    ]
