"""Placing orders in Dropi exactly once: the create, ambiguous failures looked up before any
retry, "Too Many Attempts", refused addresses, unlinked lines, lost workers, and the Shopify tag."""

import datetime

import pytest
from django.utils import timezone

from connector.errors import ApplicationError
from shops.maintenance import recover_dropi_orders
from shops.models import DropiOrder
from shops.services import dropi_account, dropi_order_job, dropi_orders
from shops.services.dropi_order_events import Actor
from shops.tests.dropi_shop import DROPI_TOKEN, SHOP, make_due

pytestmark = pytest.mark.django_db
State = DropiOrder.State


def process(order):
    make_due(order)
    state = dropi_order_job.dropi_order_process(order_id=order.pk)
    order.refresh_from_db()
    return state


def kinds(order):
    return list(order.events.values_list("kind", flat=True))


def test_an_order_is_placed_once_with_its_dropi_ids_and_the_shopify_order_is_tagged(dropi_shop):
    order = dropi_shop.record(name="#1014")

    assert order.state == State.PLACED
    (created,) = dropi_shop.created()
    assert str(created["id"]) == order.dropi_order_id
    assert created["shop_order_id"] == order.shopify_order_id
    assert created["rate_type"] == "CON RECAUDO"
    assert created["notes"].startswith("Pedido Shopify #1014")
    assert (created["state"], created["city"]) == ("CUNDINAMARCA", "BOGOTA")
    details = [
        (line["product"]["id"], (line["variation"] or {}).get("id"), line["quantity"])
        for line in created["orderdetails"]
    ]
    assert details == [("501", str(dropi_shop.variable["variations"][1]["id"]), 2), ("502", None, 1)]
    assert dropi_shop.shopify_tags(order) == [f"dropi:{order.dropi_order_id}"]
    assert order.shopify_tagged_at is not None
    assert kinds(order) == ["recorded", "attempt", "placed", "tagged"]
    assert dropi_shop.dropi.count("orders_list") == 0  # no look-up without a reason


def test_a_paid_order_is_placed_without_collection(dropi_shop):
    dropi_shop.record(financial_status="paid", gateway="shopify_payments", payment_gateway_names=["shopify_payments"])

    assert dropi_shop.created()[0]["rate_type"] == "SIN RECAUDO"


@pytest.mark.parametrize(
    "ambiguity",
    [
        "late answer after creating",
        "5xx after creating",
        "a 500 before creating",
    ],
)
def test_an_ambiguous_create_is_looked_up_before_any_retry_and_exists_once(dropi_shop, settings, ambiguity):
    settings.HTTP_TIMEOUT_SECONDS = 0.5
    if ambiguity == "late answer after creating":
        dropi_shop.dropi.orders.stall_after_create(seconds=1.5)
    elif ambiguity == "5xx after creating":
        dropi_shop.dropi.orders.fail_after_create(status=502)
    else:
        dropi_shop.dropi.fail_next("orders_create", status=500)

    order = dropi_shop.record()

    assert (order.state, order.needs_lookup, order.error_code) == (State.QUEUED, True, "unconfirmed")
    assert process(order) == State.PLACED
    assert len(dropi_shop.created()) == 1
    assert order.dropi_order_id == str(dropi_shop.created()[0]["id"])
    assert dropi_shop.dropi.count("orders_list") >= 1
    if ambiguity == "a 500 before creating":  # refused before creating: looked up, not found, created
        assert dropi_shop.dropi.count("orders_create") == 2
    assert "lookup" in kinds(order)


def test_a_503_is_retried_without_a_look_up(dropi_shop):
    dropi_shop.dropi.fail_next("orders_create", status=503)

    order = dropi_shop.record()

    assert (order.state, order.needs_lookup, order.error_code) == (State.QUEUED, False, "unavailable")
    assert process(order) == State.PLACED
    assert dropi_shop.dropi.count("orders_list") == 0
    assert len(dropi_shop.created()) == 1


def test_too_many_attempts_pauses_the_shops_dropi_calls_and_the_order_waits(dropi_shop, settings):
    settings.DROPI_RATE_LIMIT_BACKOFF_SECONDS = 600
    dropi_shop.dropi.block(60)

    order = dropi_shop.record()

    assert (order.state, order.attempts, order.error_code) == (State.QUEUED, 0, "rate_limited")
    assert order.next_attempt_at > timezone.now() + datetime.timedelta(seconds=590)
    with pytest.raises(ApplicationError) as paused:
        dropi_account.dropi_pause_enforce(shop=SHOP)  # the catalogue waits too
    assert paused.value.status == 429
    calls = dropi_shop.dropi.count("orders_create")
    assert process(order) == State.QUEUED  # still paused: Dropi is not asked
    assert dropi_shop.dropi.count("orders_create") == calls


def test_retries_stop_after_the_maximum_attempts_and_reintentar_starts_again(dropi_shop, settings):
    settings.DROPI_ORDER_MAX_ATTEMPTS = 2
    dropi_shop.dropi.fail_next("orders_create", status=503, times=2)

    order = dropi_shop.record()
    assert process(order) == State.FAILED
    dropi_orders.dropi_order_retry(shop=SHOP, order_id=order.shopify_order_id)

    order.refresh_from_db()
    assert order.state == State.PLACED
    assert len(dropi_shop.created()) == 1


def test_a_refused_address_waits_for_a_correction_that_places_it(dropi_shop):
    dropi_shop.dropi.orders.refuse_address()

    order = dropi_shop.record()

    assert (order.state, order.error_code) == (State.ADDRESS, "address")
    assert "ciudad" in order.last_error.lower()
    assert dropi_shop.created() == []
    dropi_orders.dropi_order_address_change(
        order=order, fields={"city": "Medellín", "province_code": "ANT"}, actor=Actor.MERCHANT
    )

    order.refresh_from_db()
    assert order.state == State.PLACED
    (created,) = dropi_shop.created()
    assert (created["state"], created["city"]) == ("ANTIOQUIA", "MEDELLIN")
    shopify_order = dropi_shop.shopify.shop_data[SHOP]["orders"][0]
    assert (shopify_order["shippingAddress"]["city"], shopify_order["shippingAddress"]["provinceCode"]) == (
        "Medellín",
        "ANT",
    )


def test_lines_without_a_dropi_link_wait_and_a_retry_after_linking_places_the_order(dropi_shop):
    from products.models import VariantMapping

    VariantMapping.objects.filter(shopify_variant_id="gid://shopify/ProductVariant/112").delete()

    order = dropi_shop.record()

    assert (order.state, order.error_code, order.unresolved_count) == (State.NEEDS_LINK, "needs_link", 1)
    assert dropi_shop.created() == []
    VariantMapping.objects.create(
        association_id=VariantMapping.objects.get().association_id,
        dropi_variation_id=str(dropi_shop.variable["variations"][1]["id"]),
        shopify_variant_id="gid://shopify/ProductVariant/112",
    )
    dropi_orders.dropi_order_retry(shop=SHOP, order_id=order.shopify_order_id)

    order.refresh_from_db()
    assert (order.state, order.unresolved_count) == (State.PLACED, 0)
    assert len(dropi_shop.created()) == 1


def test_dropi_not_configured_fails_with_the_reason(dropi_shop):
    DropiOrder.objects.all().delete()
    dropi_shop.configuration.__class__.objects.filter(shop=SHOP).update(dropi_token=None)

    order = dropi_shop.record()

    assert (order.state, order.error_code) == (State.FAILED, "dropi_not_configured")


def test_a_worker_lost_while_sending_is_looked_up_and_never_created_again(dropi_shop):
    dropi_shop.set_mode("manual")
    order = dropi_shop.record()
    # The lost worker's create reached Dropi; its answer never came back.
    dropi_shop.dropi.orders.add(DROPI_TOKEN, shop_order_id=order.shopify_order_id)
    DropiOrder.objects.filter(pk=order.pk).update(
        state=State.SENDING, lease_owner="dead", lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert recover_dropi_orders() == {"requeued_lookup": 1}
    order.refresh_from_db()

    assert order.state == State.PLACED
    assert order.dropi_order_id == str(dropi_shop.created()[0]["id"])
    assert dropi_shop.dropi.count("orders_create") == 0
    assert len(dropi_shop.created()) == 1


def test_a_worker_lost_before_sending_is_simply_placed(dropi_shop):
    dropi_shop.set_mode("manual")
    order = dropi_shop.record()
    DropiOrder.objects.filter(pk=order.pk).update(
        state=State.PLACING, lease_owner="dead", lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert recover_dropi_orders() == {"requeued": 1}

    order.refresh_from_db()
    assert order.state == State.PLACED
    assert dropi_shop.dropi.count("orders_list") == 0


def test_the_shopify_tag_is_retried_on_its_own(dropi_shop):
    dropi_shop.shopify.fail_next("graphql:TagsAdd", status=503, times=1)

    order = dropi_shop.record()

    assert order.state == State.TAGGING
    assert order.dropi_order_id
    assert process(order) == State.PLACED
    assert dropi_shop.shopify_tags(order) == [f"dropi:{order.dropi_order_id}"]
    assert len(dropi_shop.created()) == 1


def test_a_tag_shopify_refuses_for_good_leaves_the_order_placed_with_the_reason(dropi_shop):
    dropi_shop.shopify.fail_next("graphql:TagsAdd", status=403, times=1)

    order = dropi_shop.record()

    assert order.state == State.PLACED
    assert order.shopify_tagged_at is None
    assert "Shopify" in order.last_error
    assert "tag_failed" in kinds(order)
