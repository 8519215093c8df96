"""The order flow's guardrails: payment × sales channel × tags × quiet hours × duplicates, each
combination with the reason the merchant reads on Pedidos; and bad or missing data (no phone,
no tags, unknown gateway, odd time zones) ending with a readable reason, never a crash."""

import datetime
import itertools
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from shops.models import DeliveryRules, FlowDelivery
from shops.services import deliveries
from shops.services.guardrails import deliveries_waiting_behind, quiet_hours_until
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import order_payload
from shops.views.pages import delivery_json, delivery_problem
from simulators.shopify_orders import add_order

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
ZONE = "America/Bogota"
Status = FlowDelivery.Status
Skip = FlowDelivery.SkipReason

PAYMENTS = {
    "cod": {"gateway": "Cash on Delivery (COD)", "payment_gateway_names": ["Cash on Delivery (COD)"]},
    "manual": {"gateway": "manual", "payment_gateway_names": ["manual"], "financial_status": "pending"},
    "pending": {
        "gateway": "Pago al recibir",
        "payment_gateway_names": ["Pago al recibir"],
        "financial_status": "pending",
    },
    "prepaid": {"gateway": "Tarjeta", "payment_gateway_names": ["Tarjeta"], "financial_status": "paid"},
    "unknown": {"gateway": None, "payment_gateway_names": [], "financial_status": None},
}
CHANNELS = {"web": "web", "pos": "pos"}
TAGS = {"no_tags": "", "skip_tag": "mayorista, vip"}


@pytest.fixture
def account(ecomdrop_simulator):
    return ecomdrop_simulator.add_account(KEY)


@pytest.fixture
def configured(account):
    return ShopConfigurationFactory(
        shop=SHOP,
        ecomdrop_api_key=KEY,
        nuevo_pedido_flow_id="9001",
        carrito_abandonado_flow_id="9002",
        dropi_country="CO",
        iana_timezone=ZONE,
        installed_at=timezone.now(),
    )


def local_now(zone=ZONE):
    return timezone.now().astimezone(zoneinfo.ZoneInfo(zone))


def rules(*, quiet, **changes):
    """The default rules plus a skip tag; quiet hours around now (or away from now)."""
    now = local_now()
    if quiet:
        start, end = (now - datetime.timedelta(hours=1)).time(), (now + datetime.timedelta(hours=1)).time()
    else:
        start, end = (now + datetime.timedelta(hours=1)).time(), (now + datetime.timedelta(hours=2)).time()
    values = {
        "skip_tags": ["mayorista"],
        "quiet_hours_enabled": True,
        "quiet_start": start.replace(second=0, microsecond=0),
        "quiet_end": end.replace(second=0, microsecond=0),
        "duplicate_window_minutes": 30,
    }
    return DeliveryRules.objects.create(shop=SHOP, **{**values, **changes})


def order(payment="cod", channel="web", tags="", **overrides):
    return order_payload(**{"source_name": CHANNELS[channel], "tags": tags, **PAYMENTS[payment], **overrides})


def process(payload):
    delivery, _ = deliveries.flow_delivery_record_order(shop=SHOP, order=payload)
    deliveries.flow_delivery_process(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def expected(payment, channel, tags, quiet, duplicate):
    """(state, skip reason, words of the reason on Pedidos) in the guardrails' order."""
    if duplicate and quiet:  # the buyer's earlier order is held: this one waits its turn behind it
        return Status.PENDING, "", "Waits until this buyer's earlier message (#"
    if channel == "pos":
        return Status.SKIPPED, Skip.CHANNEL, "Sales channel without the order flow (pos)"
    if tags == "skip_tag":
        return Status.SKIPPED, Skip.TAG, "Order tag without the order flow (mayorista)"
    if payment == "unknown":
        return Status.SKIPPED, Skip.PAYMENT_UNKNOWN, "Unknown payment method"
    if payment == "prepaid":
        words = "Payment method without the order flow (Prepaid (paid online): Tarjeta)"
        return Status.SKIPPED, Skip.PAYMENT, words
    if duplicate:
        return Status.SKIPPED, Skip.DUPLICATE, "Possible duplicate (#"
    if quiet:
        return Status.PENDING, "", "Quiet hours: the flow waits until"
    return Status.SENT, "", ""


MATRIX = list(itertools.product(PAYMENTS, CHANNELS, TAGS, (False, True), (False, True)))


@pytest.mark.parametrize(("payment", "channel", "tags", "quiet", "duplicate"), MATRIX)
def test_guardrail_matrix(configured, account, payment, channel, tags, quiet, duplicate):
    rules(quiet=quiet)
    items = [{"title": "Reloj", "quantity": 1, "price": "1000.00", "sku": "RJ-1", "variant_id": 44}]
    if duplicate:
        deliveries.flow_delivery_record_order(shop=SHOP, order=order(line_items=items))
    sends_before = len(account.sends)
    delivery = process(order(payment, channel, TAGS[tags], line_items=items))

    state, reason, words = expected(payment, channel, tags, quiet, duplicate)
    assert (delivery.state, delivery.skip_reason) == (state, reason)
    with translation.override("en"):
        problem = delivery_problem(delivery)
    assert problem.startswith(words) if words else problem == ""
    if state == Status.PENDING and not duplicate:
        assert delivery.hold_reason == FlowDelivery.HoldReason.QUIET_HOURS
        assert delivery.next_attempt_at > timezone.now()
        assert ZONE in problem
    if state != Status.SENT:
        assert len(account.sends) == sends_before
        assert delivery_json(delivery)["resendable"] is (state == Status.SKIPPED)


def test_every_reason_reads_in_spanish(configured, account):
    rules(quiet=False)
    delivery = process(order("prepaid"))
    with translation.override("es"):
        problem = delivery_problem(delivery)
    assert problem.startswith("Método de pago sin el flujo de pedido (Prepagado (pagado en línea): Tarjeta)")


def test_the_held_flow_goes_out_when_the_window_opens(configured, account):
    rules(quiet=True)
    delivery = process(order())
    assert delivery.state == Status.PENDING

    FlowDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    DeliveryRules.objects.filter(shop=SHOP).update(quiet_hours_enabled=False)
    deliveries.flow_delivery_process(delivery_id=delivery.pk)
    delivery.refresh_from_db()

    assert (delivery.state, delivery.hold_reason) == (Status.SENT, "")
    assert len(account.sends) == 1


def test_a_possible_duplicate_is_tagged_in_shopify_and_resend_sends_it(configured, account, shopify_simulator):
    from connector.models import ShopifySession

    ShopifySession.objects.create(id=f"offline_{SHOP}", shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))
    rules(quiet=False)
    items = [{"title": "Reloj", "quantity": 1, "price": "1000.00", "variant_id": 44}]
    first = process(order(line_items=items))
    shopify_order = add_order(shopify_simulator, SHOP, name="#2002")
    second = process(order(line_items=items, id=int(shopify_order["legacyResourceId"]), name="#2002"))

    assert first.state == Status.SENT
    assert (second.state, second.skip_reason) == (Status.SKIPPED, Skip.DUPLICATE)
    assert second.reason_detail == first.order_name
    assert shopify_order["tags"] == ["posible-duplicado"]
    assert second.last_error == ""
    with translation.override("es"):
        assert "posible duplicado" in delivery_problem(second).lower()

    deliveries.flow_delivery_resend(delivery=second)
    second.refresh_from_db()
    assert (second.state, second.guards_bypassed) == (Status.SENT, True)
    assert len(account.sends) == 2


def test_a_different_basket_or_an_older_order_is_no_duplicate(configured, account):
    rules(quiet=False, duplicate_window_minutes=30)
    first = process(order(line_items=[{"title": "Reloj", "quantity": 1, "variant_id": 44}]))
    other_items = process(order(line_items=[{"title": "Reloj", "quantity": 2, "variant_id": 44}]))
    FlowDelivery.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=31))
    FlowDelivery.objects.filter(pk=other_items.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=31))
    later = process(order(line_items=[{"title": "Reloj", "quantity": 1, "variant_id": 44}]))

    assert [first.state, other_items.state, later.state] == [Status.SENT] * 3


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"phone": None, "shipping_address": None, "customer": None, "billing_address": None}, Skip.NO_PHONE),
        ({"tags": None}, ""),
        ({"tags": ["mayorista"]}, Skip.TAG),
        ({"source_name": None}, ""),
        ({"gateway": "", "payment_gateway_names": None, "financial_status": "voided"}, Skip.PAYMENT_UNKNOWN),
        ({"line_items": None}, ""),
        ({"line_items": "not a list"}, ""),
    ],
)
def test_missing_or_odd_order_data_gets_a_readable_reason(configured, account, overrides, reason):
    rules(quiet=False)
    tags = overrides.pop("tags", "")
    delivery = process(order(tags=tags, **overrides))

    assert delivery.skip_reason == reason
    assert delivery.state == (Status.SKIPPED if reason else Status.SENT)
    if reason:
        assert delivery_problem(delivery)


@pytest.mark.parametrize("zone", ["", "Mars/Olympus", "America/St_Johns", "Pacific/Chatham", "Asia/Kathmandu"])
def test_quiet_hours_in_odd_or_unknown_time_zones(zone):
    rules_row = DeliveryRules(
        shop=SHOP, quiet_hours_enabled=True, quiet_start=datetime.time(21, 0), quiet_end=datetime.time(8, 0)
    )
    known = zone not in ("", "Mars/Olympus")
    tz = zoneinfo.ZoneInfo(zone if known else "UTC")
    night = datetime.datetime(2026, 12, 7, 23, 30, tzinfo=tz)
    day = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=tz)

    until, label = quiet_hours_until(rules_row, time_zone=zone, now=night)
    assert until == datetime.datetime(2026, 12, 8, 8, 0, tzinfo=tz)
    assert label.startswith("08:00 ")
    assert ("server zone" in label) is not known
    assert quiet_hours_until(rules_row, time_zone=zone, now=day) == (None, "")
    early = datetime.datetime(2026, 12, 7, 3, 0, tzinfo=tz)
    assert quiet_hours_until(rules_row, time_zone=zone, now=early)[0] == datetime.datetime(2026, 12, 7, 8, 0, tzinfo=tz)


def test_quiet_hours_off_or_empty_window_never_hold():
    now = timezone.now()
    assert quiet_hours_until(DeliveryRules(shop=SHOP, quiet_hours_enabled=False), time_zone=ZONE, now=now) == (None, "")
    same = DeliveryRules(shop=SHOP, quiet_hours_enabled=True, quiet_start=datetime.time(8), quiet_end=datetime.time(8))
    assert quiet_hours_until(same, time_zone=ZONE, now=now) == (None, "")


def test_test_events_ignore_the_guardrails(configured, account):
    rules(quiet=True)
    delivery = deliveries.flow_delivery_send_test(shop=SHOP, phone="+573001234567")
    delivery.refresh_from_db()
    assert delivery.state == Status.SENT


def test_a_page_of_deliveries_says_who_waits_behind_whom_with_one_query():
    """The Pedidos list tells which pending delivery waits for the buyer's earlier one: for a
    whole page in one query, not one per pending row."""
    rows = [
        FlowDelivery.objects.create(
            shop=SHOP,
            kind=FlowDelivery.Kind.ORDER_CREATED,
            shopify_object_id=str(n),
            order_name=f"#{n}",
            phone_key=f"buyer-{n % 5}",
        )
        for n in range(10)
    ]

    with CaptureQueriesContext(connection) as queries:
        waiting = deliveries_waiting_behind(rows)
        problems = [delivery_json(row, waiting)["problem"] for row in rows]

    assert len(queries.captured_queries) == 1
    assert {pk: ahead.pk for pk, ahead in waiting.items()} == {rows[n + 5].pk: rows[n].pk for n in range(5)}
    assert problems[:5] == [""] * 5
    assert all("#" + str(n) in problems[n + 5] for n in range(5))
    assert delivery_problem(rows[7]) == problems[7]  # one delivery alone: looked up for it
