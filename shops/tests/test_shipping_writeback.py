"""Shipping transitions written back to Shopify, exactly once: one order from placement to
delivered (fulfillment created once with the right tracking, events added, stage tags moved),
again with Shopify throttling and with a lost answer or a lost worker mid-write; Dropi
cancelling, returning, never giving a guía, an unknown status, a guía change, and a shop whose
token lacks the fulfillment scopes. Against the Shopify and Dropi simulators."""

import datetime
import time

import pytest
from django.utils import timezone

from connector.work import work_requeue_lost
from shops.models import DropiOrder, ShippingUpdate, ShopConfiguration
from shops.services.shipping_writeback import SHIPPING_UPDATE, shipping_update_process
from shops.tests.dropi_shop import SHOP
from shops.tests.shipping import fulfillments, move, shopify_order, stage_tags
from simulators.shopify_fulfillments import switches

pytestmark = pytest.mark.django_db
Stage = DropiOrder._meta.get_field("shipping_stage").choices
GUIA = "240041234567"


@pytest.fixture
def placed(dropi_shop, settings):
    settings.SHIPPING_UPDATE_RETRY_BASE_SECONDS = 0.01
    order = dropi_shop.record()  # app_on_order: placed in Dropi and tagged at once
    assert order.state == DropiOrder.State.PLACED
    return order


def calls(shop, operation):
    return shop.shopify.count(f"graphql:{operation}")


def shopify_calls_of_last_update():
    return ShippingUpdate.objects.order_by("-id").values_list("shopify_calls", flat=True).first()


def test_one_order_from_placement_to_delivered(dropi_shop, placed):
    ShopConfiguration.objects.filter(shop=SHOP).update(shopify_notify_customer=True)
    move(placed, "pending")
    assert stage_tags(dropi_shop, placed) == ["dropi:pending"]
    assert fulfillments(dropi_shop, placed) == []

    order = move(placed, "guide_generated", guia=GUIA, carrier="SERVIENTREGA S.A.")
    assert shopify_calls_of_last_update() == 2  # read the fulfillment orders, create (with the tag)
    (fulfillment,) = fulfillments(dropi_shop, placed)
    assert fulfillment["trackingInfo"] == {
        "company": "Servientrega",
        "number": GUIA,
        "url": f"https://www.servientrega.com/wps/portal/rastreo-envio/detalle?id={GUIA}",
    }
    assert fulfillment["notifyCustomer"] is True
    assert order.shopify_fulfillment_id == fulfillment["id"]
    assert order.tracking_url == fulfillment["trackingInfo"]["url"]
    assert stage_tags(dropi_shop, placed) == ["dropi:guide_generated"]

    for stage, status in (
        ("in_transit", "IN_TRANSIT"),
        ("out_for_delivery", "OUT_FOR_DELIVERY"),
        ("delivered", "DELIVERED"),
    ):
        move(placed, stage)
        assert shopify_calls_of_last_update() == 1  # the event, with the tag
        assert fulfillment["events"][-1]["status"] == status
        assert stage_tags(dropi_shop, placed) == [f"dropi:{stage}"]

    assert calls(dropi_shop, "FulfillmentCreate") == 1
    assert [event["status"] for event in fulfillment["events"]] == ["IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"]
    assert f"dropi:{placed.dropi_order_id}" in shopify_order(dropi_shop, placed)["tags"]  # the Dropi id tag stays
    assert set(ShippingUpdate.objects.values_list("state", flat=True)) == {"done"}


def test_the_same_transition_recorded_twice_writes_once(dropi_shop, placed):
    at = timezone.now()
    move(placed, "guide_generated", guia=GUIA, carrier="Coordinadora", at=at)
    order = DropiOrder.objects.get(pk=placed.pk)
    from shops.services.shipping_transitions import transition_recorded

    transition_recorded(order, previous_stage="", previous_guia="", previous_carrier="")
    assert ShippingUpdate.objects.count() == 1
    assert calls(dropi_shop, "FulfillmentCreate") == 1


def test_throttled_on_the_first_try_is_written_once(dropi_shop, placed):
    switches(dropi_shop.shopify, SHOP).throttle["FulfillmentCreate"] = 1
    move(placed, "guide_generated", guia=GUIA, carrier="TCC")
    assert len(fulfillments(dropi_shop, placed)) == 1
    assert calls(dropi_shop, "FulfillmentCreate") == 2


def test_throttled_beyond_the_client_waits_is_retried_later_and_written_once(dropi_shop, placed):
    switches(dropi_shop.shopify, SHOP).throttle["FulfillmentEventCreate"] = 4
    move(placed, "guide_generated", guia=GUIA, carrier="TCC")
    move(placed, "in_transit")
    update = ShippingUpdate.objects.order_by("-id").first()
    assert (update.state, update.error_code, update.needs_lookup) == ("pending", "throttled", False)

    ShippingUpdate.objects.filter(pk=update.pk).update(next_attempt_at=timezone.now())
    assert shipping_update_process(update_id=update.pk) == "done"
    (fulfillment,) = fulfillments(dropi_shop, placed)
    assert [event["status"] for event in fulfillment["events"]] == ["IN_TRANSIT"]


def test_a_lost_answer_is_read_back_never_written_twice(dropi_shop, placed, settings):
    settings.HTTP_TIMEOUT_SECONDS = 0.5
    switches(dropi_shop.shopify, SHOP).stall_after_write["FulfillmentCreate"] = 1.0
    move(placed, "guide_generated", guia=GUIA, carrier="TCC")
    update = ShippingUpdate.objects.get()
    assert (update.state, update.error_code, update.needs_lookup) == ("pending", "unconfirmed", True)
    assert len(fulfillments(dropi_shop, placed)) == 1  # Shopify did it; the answer was lost
    time.sleep(0.6)  # the simulator counts the request once its late answer is out

    ShippingUpdate.objects.filter(pk=update.pk).update(next_attempt_at=timezone.now())
    assert shipping_update_process(update_id=update.pk) == "done"
    assert len(fulfillments(dropi_shop, placed)) == 1
    assert calls(dropi_shop, "FulfillmentCreate") == 1
    assert ShippingUpdate.objects.get().steps["tracking"] == "found"


def test_a_worker_lost_mid_write_is_recovered_by_reading_back(dropi_shop, placed):
    move(placed, "guide_generated", guia=GUIA, carrier="TCC")
    (fulfillment,) = fulfillments(dropi_shop, placed)
    # A worker wrote the event and died before recording it: its row is left as it was.
    fulfillment["events"].append({"status": "IN_TRANSIT", "fulfillmentId": fulfillment["id"]})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("shops.services.shipping_transitions.shipping_update_schedule", lambda pk, **kw: None)
        move(placed, "in_transit")
    update = ShippingUpdate.objects.order_by("-id").first()
    ShippingUpdate.objects.filter(pk=update.pk).update(
        state="sending", writing="action", needs_lookup=True, lease_owner="dead", attempts=1,
        lease_until=timezone.now() - datetime.timedelta(seconds=1),
    )  # fmt: skip

    assert work_requeue_lost(job=SHIPPING_UPDATE).get("requeued_lookup") == 1
    update.refresh_from_db()
    if update.state == "pending":
        shipping_update_process(update_id=update.pk)
    update.refresh_from_db()
    assert update.state == "done"
    assert update.steps["action"] == "found"
    assert [event["status"] for event in fulfillment["events"]] == ["IN_TRANSIT"]
    assert calls(dropi_shop, "FulfillmentEventCreate") == 0
    assert stage_tags(dropi_shop, placed) == ["dropi:in_transit"]


def test_a_guia_change_replaces_the_tracking(dropi_shop, placed):
    move(placed, "guide_generated", guia=GUIA, carrier="TCC")
    move(placed, "guide_generated", guia="NEW-1", carrier="Coordinadora")
    (fulfillment,) = fulfillments(dropi_shop, placed)
    assert fulfillment["trackingInfo"]["number"] == "NEW-1"
    assert fulfillment["trackingInfo"]["company"] == "Coordinadora"
    assert calls(dropi_shop, "FulfillmentTrackingInfoUpdate") == 1
    assert shopify_calls_of_last_update() == 1
    link = "https://coordinadora.com/rastreo/rastreo-de-guia/detalle-de-rastreo-de-guia/?guia=NEW-1"
    assert fulfillment["trackingInfo"]["url"] == link
    assert DropiOrder.objects.get(pk=placed.pk).tracking_url == link


def test_a_tracking_url_from_dropi_is_kept(dropi_shop, placed):
    DropiOrder.objects.filter(pk=placed.pk).update(tracking_url="https://dropi.example/rastreo/1")
    move(placed, "guide_generated", guia=GUIA, carrier="TCC")
    (fulfillment,) = fulfillments(dropi_shop, placed)
    assert fulfillment["trackingInfo"]["url"] == "https://dropi.example/rastreo/1"


def test_dropi_cancels_before_shipping(dropi_shop, placed):
    ShopConfiguration.objects.filter(shop=SHOP).update(cancel_shopify_order_on_dropi_cancel=True)
    move(placed, "pending")
    order = move(placed, "cancelled")
    cancellation = shopify_order(dropi_shop, placed)["cancellation"]
    assert (cancellation["restock"], cancellation["refund"]) == (True, False)
    assert cancellation["staffNote"]
    assert order.shopify_cancelled_at is not None
    assert stage_tags(dropi_shop, placed) == ["dropi:cancelled"]


def test_dropi_cancels_and_the_shop_keeps_its_order_by_default(dropi_shop, placed):
    move(placed, "cancelled")
    assert shopify_order(dropi_shop, placed)["cancelledAt"] is None
    assert stage_tags(dropi_shop, placed) == ["dropi:cancelled"]


def test_returned_gets_a_note_and_a_tag_never_a_refund(dropi_shop, placed):
    move(placed, "guide_generated", guia=GUIA, carrier="Envía")
    move(placed, "in_transit")
    move(placed, "returned")
    order = shopify_order(dropi_shop, placed)
    assert "devuelto" in order["note"]
    assert GUIA in order["note"]
    assert order["cancelledAt"] is None
    assert stage_tags(dropi_shop, placed) == ["dropi:returned"]


def test_never_a_guia_means_tags_only(dropi_shop, placed):
    move(placed, "pending")
    move(placed, "delivered")
    assert fulfillments(dropi_shop, placed) == []
    assert ShippingUpdate.objects.order_by("-id").first().steps["action"] == "no_fulfillment"
    assert stage_tags(dropi_shop, placed) == ["dropi:delivered"]


def test_an_unknown_status_is_tagged_other_only(dropi_shop, placed):
    move(placed, "guide_generated", guia=GUIA, carrier="TCC")
    move(placed, "other")
    (fulfillment,) = fulfillments(dropi_shop, placed)
    assert fulfillment["events"] == []
    assert stage_tags(dropi_shop, placed) == ["dropi:other"]


def test_a_shop_without_fulfillment_scopes_sees_the_problem_and_tags_go_on(dropi_shop, placed):
    from connector.models import ShopifySession

    dropi_shop.shopify.scope = "read_products,write_products,read_orders,write_orders"
    dropi_shop.shopify.uninstall(SHOP)  # the tokens with every scope are gone
    ShopifySession.objects.filter(shop=SHOP).update(access_token=dropi_shop.shopify.issue_token(SHOP))
    move(placed, "guide_generated", guia=GUIA, carrier="TCC")
    move(placed, "in_transit")

    assert fulfillments(dropi_shop, placed) == []
    assert stage_tags(dropi_shop, placed) == ["dropi:in_transit"]
    assert ShopConfiguration.objects.get(shop=SHOP).shipping_writeback_problem == "missing_fulfillment_scopes"
    assert set(ShippingUpdate.objects.values_list("state", flat=True)) == {"done"}

    # Once the merchant accepts the scopes, the next transition ships the order with its guía.
    dropi_shop.shopify.scope += ",write_merchant_managed_fulfillment_orders"
    dropi_shop.shopify.uninstall(SHOP)
    ShopifySession.objects.filter(shop=SHOP).update(access_token=dropi_shop.shopify.issue_token(SHOP))
    move(placed, "out_for_delivery")
    (fulfillment,) = fulfillments(dropi_shop, placed)
    assert fulfillment["trackingInfo"]["number"] == GUIA
    assert ShopConfiguration.objects.get(shop=SHOP).shipping_writeback_problem == ""


def test_shopify_refusing_a_step_ends_that_step_and_the_stage_tag_still_moves(dropi_shop, placed):
    move(placed, "guide_generated", guia=GUIA, carrier="TCC")
    fulfillments(dropi_shop, placed).clear()  # the merchant removed the fulfillment in Shopify
    move(placed, "in_transit")

    update = ShippingUpdate.objects.order_by("-id").first()
    assert (update.state, update.error_code) == ("done", "shopify_refused")
    assert update.steps["action"].startswith("refused")
    assert "Fulfillment does not exist" in update.last_error
    assert stage_tags(dropi_shop, placed) == ["dropi:in_transit"]


def test_a_lost_answer_to_a_tracking_change_is_read_back(dropi_shop, placed, settings):
    move(placed, "guide_generated", guia=GUIA, carrier="TCC")
    settings.HTTP_TIMEOUT_SECONDS = 0.5
    switches(dropi_shop.shopify, SHOP).stall_after_write["FulfillmentTrackingInfoUpdate"] = 1.0
    move(placed, "guide_generated", guia="NEW-2", carrier="TCC")
    update = ShippingUpdate.objects.order_by("-id").first()
    assert (update.state, update.needs_lookup, update.writing) == ("pending", True, "tracking")
    time.sleep(0.6)

    ShippingUpdate.objects.filter(pk=update.pk).update(next_attempt_at=timezone.now())
    assert shipping_update_process(update_id=update.pk) == "done"
    assert ShippingUpdate.objects.get(pk=update.pk).steps["tracking"] == "found"
    assert calls(dropi_shop, "FulfillmentTrackingInfoUpdate") == 1
    assert DropiOrder.objects.get(pk=placed.pk).shopify_tracking == "NEW-2|TCC"


def merchant_fulfils(dropi_shop, placed, tracking):
    from connector.shopify.fulfillments import StageTags, fulfillment_create, order_fulfillment_state
    from connector.tests.shopify_operations import client_for

    client = client_for(dropi_shop.shopify, shop=SHOP)
    order_gid = f"gid://shopify/Order/{placed.shopify_order_id}"
    state = order_fulfillment_state(client, order_id=order_gid)
    fulfillment_create(
        client, fulfillment_order_ids=(state.shippable[0].id,), tracking=tracking, notify_customer=False,
        tags=StageTags(order_id=order_gid, add=(), remove=()),
    )  # fmt: skip


def test_an_order_the_merchant_fulfilled_keeps_its_tracking_and_gets_the_events(dropi_shop, placed):
    from connector.shopify.fulfillments import TrackingInfo

    ShopConfiguration.objects.filter(shop=SHOP).update(shopify_notify_customer=True)
    merchant_fulfils(dropi_shop, placed, TrackingInfo(company="Otra", number="MINE-1", url=""))

    move(placed, "guide_generated", guia=GUIA, carrier="TCC")
    move(placed, "delivered")

    (fulfillment,) = fulfillments(dropi_shop, placed)
    assert fulfillment["trackingInfo"]["number"] == "MINE-1"
    assert fulfillment["notifications"] == 0
    assert [event["status"] for event in fulfillment["events"]] == ["DELIVERED"]
    assert calls(dropi_shop, "FulfillmentTrackingInfoUpdate") == 0
    assert ShippingUpdate.objects.order_by("id").first().steps["tracking"] == "adopted_kept"


def test_an_order_the_merchant_fulfilled_without_tracking_gets_the_guia_quietly(dropi_shop, placed):
    from connector.shopify.fulfillments import TrackingInfo

    ShopConfiguration.objects.filter(shop=SHOP).update(shopify_notify_customer=True)
    merchant_fulfils(dropi_shop, placed, TrackingInfo(company="", number="", url=""))

    move(placed, "guide_generated", guia=GUIA, carrier="TCC")

    (fulfillment,) = fulfillments(dropi_shop, placed)
    assert fulfillment["trackingInfo"]["number"] == GUIA
    assert fulfillment["notifications"] == 0
    assert calls(dropi_shop, "FulfillmentCreate") == 1  # the merchant's own
