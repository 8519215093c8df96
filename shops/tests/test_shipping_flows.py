"""WhatsApp shipping updates and the shipping settings: Configuración saves a flow per stage
(with when it was enabled) and the Shopify write-back options; a transition to a stage with a
flow sends it once per order and stage, with guia, transportadora, tracking_url and estado_envio
on the buyer's contact, and never for transitions before the flow was enabled. Bad input is a
clear 400 that changes nothing."""

import datetime
import json

import pytest
from django.utils import timezone

from shops.models import FlowDelivery, ShopConfiguration
from shops.tests.dropi_shop import ECOMDROP_KEY, SHOP
from shops.tests.shipping import fulfillments, move, stage_tags

pytestmark = pytest.mark.django_db
GUIA = "240041234567"


@pytest.fixture
def call(client, session_token):
    def post(body):
        return client.post(
            "/app/api/shipping",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}",
        )

    return post


@pytest.fixture
def shop(dropi_shop, ecomdrop_simulator, settings):
    settings.SHIPPING_UPDATE_RETRY_BASE_SECONDS = 0.01
    dropi_shop.ecomdrop = ecomdrop_simulator.add_account(
        ECOMDROP_KEY, flows={"9001": "Confirmación", "9101": "Tu guía", "9102": "Entregado", "9103": "Novedad"}
    )
    for name in ("guia", "transportadora", "tracking_url", "estado_envio"):
        ecomdrop_simulator.add_custom_field(ECOMDROP_KEY, name)
    ShopConfiguration.objects.filter(shop=SHOP).update(ecomdrop_api_key=ECOMDROP_KEY)
    return dropi_shop


def contact_fields(shop):
    contact = next(iter(shop.ecomdrop.contacts.values()))
    return {shop.ecomdrop.custom_fields[field_id][0]: value for field_id, value in contact.fields.items()}


def test_flows_are_saved_with_when_each_was_enabled(call, shop):
    answer = call({"flows": {"guide_generated": "9101", "delivered": "9102"}})
    assert answer.status_code == 200, answer.content
    flows = answer.json()["state"]["shipping"]["flows"]
    assert flows["guide_generated"]["flow_id"] == "9101"
    assert (flows["out_for_delivery"]["flow_id"], flows["out_for_delivery"]["enabled_at"]) == ("", None)
    enabled_at = flows["guide_generated"]["enabled_at"]

    # Another flow for the same stage keeps the date; a stage emptied forgets it.
    answer = call({"flows": {"guide_generated": "9103", "delivered": ""}})
    stored = ShopConfiguration.objects.get(shop=SHOP).shipping_flows
    assert stored == {"guide_generated": {"flow_id": "9103", "enabled_at": enabled_at}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"flows": {"in_the_moon": "9101"}}, "flows"),
        ({"flows": {"delivered": "404"}}, "shipping_flow_delivered"),
        ({"flows": ["9101"]}, "flows"),
        ({"flows": {"delivered": 9102}}, "flows"),
        ({"notify_customer": "yes"}, "notify_customer"),
        ({"cancel_shopify_order": 1, "flows": {"delivered": "9102"}}, "cancel_shopify_order"),
    ],
)
def test_bad_input_is_a_clear_400_and_changes_nothing(call, shop, body, field):
    answer = call(body)
    assert answer.status_code == 400
    assert answer.json()["field"] == field
    assert answer.json()["error"]
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    assert configuration.shipping_flows == {}
    assert not configuration.cancel_shopify_order_on_dropi_cancel


def test_the_shopify_options_are_saved(call, shop):
    answer = call({"notify_customer": True, "cancel_shopify_order": True})
    assert answer.status_code == 200
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    assert configuration.shopify_notify_customer
    assert configuration.cancel_shopify_order_on_dropi_cancel


def test_each_stage_flow_is_sent_once_with_the_shipping_fields(call, shop):
    assert call({"flows": {"guide_generated": "9101", "delivered": "9102", "incident": "9103"}}).status_code == 200
    order = shop.record()
    move(order, "guide_generated", guia=GUIA, carrier="INTER RAPIDISIMO")
    move(order, "in_transit")
    move(order, "incident")
    move(order, "in_transit")
    move(order, "incident")  # a second "novedad": the stage's flow went out already
    move(order, "delivered")

    sent = [flow_id for _contact, flow_id, _at in shop.ecomdrop.sends]
    assert sent == ["9101", "9103", "9102"]
    kinds = list(FlowDelivery.objects.filter(shop=SHOP).order_by("id").values_list("kind", "state"))
    assert kinds == [("ship_guide", "sent"), ("ship_incident", "sent"), ("ship_delivered", "sent")]
    fields = contact_fields(shop)
    assert fields["guia"] == GUIA
    assert fields["transportadora"] == "Interrapidísimo"
    assert fields["tracking_url"] == f"https://www.interrapidisimo.com/sigue-tu-envio/?guia={GUIA}"
    assert fields["estado_envio"] == "Entregado"


def test_transitions_before_the_flow_was_enabled_send_nothing(call, shop):
    order = shop.record()
    long_ago = timezone.now() - datetime.timedelta(days=3)
    assert call({"flows": {"delivered": "9102"}}).status_code == 200
    move(order, "delivered", guia=GUIA, carrier="TCC", at=long_ago)  # the first sync of an old order

    assert shop.ecomdrop.sends == []
    assert not FlowDelivery.objects.filter(kind__startswith="ship_").exists()


def test_estado_shows_the_missing_scopes_with_the_fix(client, shop, session_token):
    shop.shopify.scope = "read_orders,write_orders"  # the token Shopify grants lacks them
    ShopConfiguration.objects.filter(shop=SHOP).update(shipping_writeback_problem="missing_fulfillment_scopes")
    page = client.get(
        "/app/configuration?tab=status", HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    assert b"data-shipping-problem" in page.content
    assert b"accept the new permissions" in page.content


def test_one_order_from_placement_to_delivered_writes_shopify_once_and_sends_each_flow_once(call, shop):
    flows = {"guide_generated": "9101", "out_for_delivery": "9103", "delivered": "9102"}
    assert call({"flows": flows, "notify_customer": True}).status_code == 200
    order = shop.record()  # the app places it in Dropi as soon as it arrives
    assert order.state == "placed"

    move(order, "pending")
    move(order, "guide_generated", guia=GUIA, carrier="COORDINADORA")
    move(order, "in_transit")
    move(order, "out_for_delivery")
    order = move(order, "delivered")
    from shops.services.shipping_transitions import transition_recorded

    # The sync sees the same change again (an overlapping window): nothing is written or sent twice.
    transition_recorded(order, previous_stage="out_for_delivery", previous_guia=GUIA, previous_carrier="COORDINADORA")

    (fulfillment,) = fulfillments(shop, order)
    assert fulfillment["trackingInfo"]["number"] == GUIA
    assert fulfillment["trackingInfo"]["company"] == "Coordinadora"
    assert fulfillment["notifyCustomer"] is True
    assert [event["status"] for event in fulfillment["events"]] == ["IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"]
    assert shop.shopify.count("graphql:FulfillmentCreate") == 1
    assert stage_tags(shop, order) == ["dropi:delivered"]
    assert [flow_id for _contact, flow_id, _at in shop.ecomdrop.sends] == ["9101", "9103", "9102"]
    assert contact_fields(shop)["estado_envio"] == "Entregado"
    # Pedidos' history of the order tells it.
    history = list(order.events.order_by("id").values_list("kind", flat=True))
    assert history.count("shopify_fulfilled") == 1
    assert history.count("shipping_flow_sent") == 3


def test_estado_stops_showing_the_problem_once_the_token_has_the_scope(client, shop, session_token):
    from connector.models import ShopifySession

    shop.shopify.scope = "read_orders,write_orders"
    ShopConfiguration.objects.filter(shop=SHOP).update(shipping_writeback_problem="missing_fulfillment_scopes")
    ShopifySession.objects.filter(shop=SHOP).update(scope=shop.shopify.scope)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {session_token(SHOP)}"}
    assert b"data-shipping-problem" in client.get("/app/configuration?tab=status", **headers).content

    # The merchant accepted the new scopes (the token exchange recorded them).
    ShopifySession.objects.filter(shop=SHOP).update(
        scope="read_orders,write_orders,write_merchant_managed_fulfillment_orders"
    )
    assert b"data-shipping-problem" not in client.get("/app/configuration?tab=status", **headers).content
