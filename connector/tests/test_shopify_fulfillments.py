"""Fulfillment operations (and the stage tags written with them) against the Shopify simulator."""

import pytest

from connector.shopify.errors import ShopifyForbidden, ShopifyThrottled, ShopifyUserErrors
from connector.shopify.failures import ShopifyFailure, shopify_failure
from connector.shopify.fulfillments import (
    StageTags,
    TrackingInfo,
    fulfillment_create,
    fulfillment_event_create,
    fulfillment_tracking_info_update,
    missing_scopes,
    order_fulfillment_state,
    order_note_update,
)
from connector.shopify.graphql import load_document
from connector.shopify.tags import tags_replace
from connector.tests.shopify_operations import SHOP, client_for
from simulators.shopify_fulfillments import fulfillments_of, switches
from simulators.shopify_orders import add_order

TRACKING = TrackingInfo(company="Servientrega", number="240041234567", url="https://example.test/240041234567")


def tags(order, stage, *others):
    return StageTags(order_id=order["id"], add=(f"dropi:{stage}",), remove=tuple(f"dropi:{other}" for other in others))


@pytest.mark.parametrize(
    ("name", "operation"),
    [
        ("order_fulfillment_state", "OrderFulfillmentState"),
        ("fulfillment_create", "FulfillmentCreate"),
        ("fulfillment_tracking_info_update", "FulfillmentTrackingInfoUpdate"),
        ("fulfillment_event_create", "FulfillmentEventCreate"),
        ("order_note_update", "OrderNoteUpdate"),
        ("tags_replace", "TagsReplace"),
    ],
)
def test_documents_are_named_like_their_functions(name, operation):
    assert load_document(name).operation_name == operation


def test_an_order_is_shipped_with_tracking_and_its_stage_tag_in_one_call(shopify_simulator):
    order = add_order(shopify_simulator, SHOP, tags=["vip", "dropi:pending"])
    client = client_for(shopify_simulator)
    state = order_fulfillment_state(client, order_id=order["id"])
    assert state is not None
    assert len(state.shippable) == 1
    assert state.fulfillments == ()

    result = fulfillment_create(
        client,
        fulfillment_order_ids=tuple(item.id for item in state.shippable),
        tracking=TRACKING,
        notify_customer=True,
        tags=tags(order, "guide_generated", "pending", "in_transit"),
    )

    assert result.tag_errors == ()
    assert shopify_simulator.count("graphql:FulfillmentCreate") == 1
    assert order["tags"] == ["vip", "dropi:guide_generated"]
    after = order_fulfillment_state(client, order_id=order["id"])
    assert after.shippable == ()
    assert after.fulfillment_with_number("240041234567").id == result.id
    assert after.fulfillments[0].tracking == (TRACKING,)
    assert fulfillments_of(shopify_simulator, SHOP, order["id"])[0]["notifyCustomer"] is True


def test_tracking_is_replaced_and_events_are_added(shopify_simulator):
    order = add_order(shopify_simulator, SHOP)
    client = client_for(shopify_simulator)
    state = order_fulfillment_state(client, order_id=order["id"])
    created = fulfillment_create(
        client, fulfillment_order_ids=(state.shippable[0].id,), tracking=TRACKING, notify_customer=False,
        tags=tags(order, "guide_generated"),
    )  # fmt: skip
    new = TrackingInfo(company="Coordinadora", number="999", url="")
    fulfillment_tracking_info_update(
        client, fulfillment_id=created.id, tracking=new, notify_customer=False, tags=tags(order, "guide_generated")
    )
    fulfillment_event_create(
        client, fulfillment_id=created.id, status="IN_TRANSIT", tags=tags(order, "in_transit", "guide_generated")
    )

    after = order_fulfillment_state(client, order_id=order["id"])
    assert after.fulfillments[0].tracking == (new,)
    assert after.fulfillments[0].event_statuses == ("IN_TRANSIT",)
    assert order["tags"] == ["dropi:in_transit"]


def test_a_closed_fulfillment_order_is_a_user_error(shopify_simulator):
    order = add_order(shopify_simulator, SHOP)
    client = client_for(shopify_simulator)
    ids = tuple(item.id for item in order_fulfillment_state(client, order_id=order["id"]).shippable)
    fulfillment_create(
        client, fulfillment_order_ids=ids, tracking=TRACKING, notify_customer=False, tags=tags(order, "x")
    )
    with pytest.raises(ShopifyUserErrors):
        fulfillment_create(
            client, fulfillment_order_ids=ids, tracking=TRACKING, notify_customer=False, tags=tags(order, "x")
        )
    assert len(fulfillments_of(shopify_simulator, SHOP, order["id"])) == 1


def test_without_the_fulfillment_scopes_shopify_denies_access_and_names_them(shopify_simulator):
    order = add_order(shopify_simulator, SHOP)
    client = client_for(shopify_simulator, scope="read_orders,write_orders")

    with pytest.raises(ShopifyForbidden) as denied:
        order_fulfillment_state(client, order_id=order["id"])

    assert shopify_failure(denied.value) is ShopifyFailure.FORBIDDEN
    assert "write_merchant_managed_fulfillment_orders" in missing_scopes(denied.value)
    tags_replace(client, resource_id=order["id"], add=["dropi:delivered"], remove=["dropi:in_transit"])
    assert order["tags"] == ["dropi:delivered"]


def test_throttled_writes_do_nothing_until_shopify_takes_them(shopify_simulator):
    order = add_order(shopify_simulator, SHOP)
    client = client_for(shopify_simulator)
    client.sleep = lambda seconds: None
    ids = tuple(item.id for item in order_fulfillment_state(client, order_id=order["id"]).shippable)
    switches(shopify_simulator, SHOP).throttle["FulfillmentCreate"] = 1

    fulfillment_create(
        client, fulfillment_order_ids=ids, tracking=TRACKING, notify_customer=False, tags=tags(order, "x")
    )

    assert shopify_simulator.count("graphql:FulfillmentCreate") == 2
    assert len(fulfillments_of(shopify_simulator, SHOP, order["id"])) == 1
    switches(shopify_simulator, SHOP).throttle["OrderNoteUpdate"] = 10
    with pytest.raises(ShopifyThrottled) as throttled:
        order_note_update(client, order_id=order["id"], note="x", tags=tags(order, "returned"))
    assert shopify_failure(throttled.value) is ShopifyFailure.THROTTLED
    assert order["note"] == ""
