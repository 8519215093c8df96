"""Abandoned carts of COD form apps: ``draft_orders/*`` webhooks (Shopify's example payloads:
tagged, untagged, completed, deleted) through the inbox and the worker, to the 'Carrito
Abandonado' flow after the shop's delay — or cancelled."""

import datetime

import pytest
from django.utils import timezone, translation

from shops.models import DeliveryRules, FlowDelivery
from shops.services import deliveries
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import checkout_payload, draft_order_payload, order_payload
from shops.views.pages import delivery_problem
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
Status = FlowDelivery.Status
Skip = FlowDelivery.SkipReason


@pytest.fixture
def account(ecomdrop_simulator):
    account = ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(
        shop=SHOP,
        ecomdrop_api_key=KEY,
        nuevo_pedido_flow_id="9001",
        carrito_abandonado_flow_id="9002",
        dropi_country="CO",
        abandoned_cart_delay_minutes=45,
        installed_at=timezone.now(),
    )
    return account


@pytest.fixture
def drafts_on(account):
    return DeliveryRules.objects.create(shop=SHOP, cart_source="both", draft_tags=["Releasit", "easysell"])


def reminder_of(draft):
    return FlowDelivery.objects.filter(shop=SHOP, shopify_object_id=f"draft:{draft['id']}").first()


def make_due(delivery):
    FlowDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    deliveries.flow_delivery_process_due()
    delivery.refresh_from_db()


def test_a_tagged_draft_becomes_a_reminder_sent_after_the_delay(drafts_on, account, deliver, ecomdrop_simulator):
    draft = draft_order_payload()
    event = deliver("draft_orders/create", draft)

    reminder = reminder_of(draft)
    assert event.state == WebhookEvent.Status.PROCESSED
    assert (reminder.kind, reminder.state) == (FlowDelivery.Kind.CART_ABANDONED, Status.PENDING)
    assert reminder.next_attempt_at > timezone.now() + datetime.timedelta(minutes=44)
    assert account.sends == []

    make_due(reminder)

    assert reminder.state == Status.SENT
    assert [send[1] for send in account.sends] == ["9002"]
    contact = ecomdrop_simulator.contact_by_phone(KEY, "+573015551234")
    assert draft["invoice_url"] in contact.fields.values()


def test_an_update_refreshes_the_pending_reminder_once(drafts_on, account, deliver):
    draft = draft_order_payload()
    deliver("draft_orders/create", draft)
    deliver("draft_orders/update", {**draft, "total_price": "99000.00"})

    assert FlowDelivery.objects.filter(shop=SHOP).count() == 1
    assert reminder_of(draft).fields["order_total"] == "99000.00"


@pytest.mark.parametrize("tags", ["", "mayorista", None, ["otra-app"]])
def test_an_untagged_draft_is_not_a_cart(drafts_on, account, deliver, tags):
    event = deliver("draft_orders/create", draft_order_payload(tags=tags))

    assert event.state == WebhookEvent.Status.PROCESSED
    assert not FlowDelivery.objects.filter(shop=SHOP).exists()


def test_any_open_draft_counts_when_the_merchant_says_so(drafts_on, account, deliver):
    DeliveryRules.objects.filter(shop=SHOP).update(draft_any_open=True, draft_tags=[])
    draft = draft_order_payload(tags="")
    deliver("draft_orders/create", draft)
    assert reminder_of(draft).state == Status.PENDING


def test_drafts_are_ignored_while_the_source_is_checkouts_only(account, deliver):
    draft = draft_order_payload()
    deliver("draft_orders/create", draft)
    assert reminder_of(draft) is None


def test_checkouts_are_ignored_while_the_source_is_drafts_only(account, deliver):
    DeliveryRules.objects.create(shop=SHOP, cart_source="drafts", draft_tags=["releasit"])
    deliver("checkouts/create", checkout_payload())
    assert not FlowDelivery.objects.filter(shop=SHOP).exists()


def test_a_completed_draft_cancels_the_reminder(drafts_on, account, deliver):
    draft = draft_order_payload()
    deliver("draft_orders/create", draft)
    deliver(
        "draft_orders/update",
        {**draft, "status": "completed", "order_id": 450789469, "completed_at": "2026-11-25T10:20:00-05:00"},
    )

    reminder = reminder_of(draft)
    assert (reminder.state, reminder.skip_reason) == (Status.SKIPPED, Skip.DRAFT_COMPLETED)
    with translation.override("es"):
        assert delivery_problem(reminder) == "El pedido borrador se completó"
    make_due(reminder)
    assert account.sends == []


def test_a_deleted_draft_cancels_the_reminder(drafts_on, account, deliver):
    draft = draft_order_payload()
    deliver("draft_orders/create", draft)
    event = deliver("draft_orders/delete", {"id": draft["id"]})

    reminder = reminder_of(draft)
    assert event.state == WebhookEvent.Status.PROCESSED
    assert (reminder.state, reminder.skip_reason) == (Status.SKIPPED, Skip.DRAFT_DELETED)


def test_a_delete_of_an_unknown_draft_changes_nothing(drafts_on, account, deliver):
    assert deliver("draft_orders/delete", {"id": 1}).state == WebhookEvent.Status.PROCESSED


@pytest.mark.parametrize("topic", ["draft_orders/create", "draft_orders/delete"])
def test_a_draft_without_id_fails_with_a_reason(drafts_on, account, deliver, topic):
    event = deliver(topic, {"status": "open"})
    assert event.state == WebhookEvent.Status.FAILED
    assert "no id" in event.last_error


def test_an_order_from_the_same_phone_before_the_delay_cancels_it(drafts_on, account, deliver):
    draft = draft_order_payload()
    deliver("draft_orders/create", draft)
    order = order_payload(shipping_address={**order_payload()["shipping_address"], "phone": "301 555 1234"})
    deliver("orders/create", order)

    reminder = reminder_of(draft)
    assert (reminder.state, reminder.skip_reason) == (Status.SKIPPED, Skip.REPLACED)
    assert [send[1] for send in account.sends] == ["9001"]


def test_a_draft_without_phone_is_kept_and_skipped_with_a_reason(drafts_on, account, deliver):
    draft = draft_order_payload(shipping_address=None, customer={"id": 1, "phone": None}, phone=None)
    deliver("draft_orders/create", draft)
    reminder = reminder_of(draft)
    make_due(reminder)

    assert (reminder.state, reminder.skip_reason) == (Status.SKIPPED, Skip.NO_PHONE)
    with translation.override("en"):
        assert delivery_problem(reminder) == "The buyer has no phone number"


def test_the_cart_test_event_goes_to_the_carrito_abandonado_flow(account):
    delivery = deliveries.flow_delivery_send_test(shop=SHOP, phone="+573001234567", event="cart")
    delivery.refresh_from_db()

    assert delivery.state == Status.SENT
    assert [send[1] for send in account.sends] == ["9002"]


def test_a_reminder_due_in_quiet_hours_waits_for_the_window(drafts_on, account, deliver):
    now = timezone.localtime(timezone.now(), datetime.UTC)
    DeliveryRules.objects.filter(shop=SHOP).update(
        quiet_hours_enabled=True,
        quiet_start=(now - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0),
        quiet_end=(now + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )
    draft = draft_order_payload(status="invoice_sent", tags=["Releasit"])
    deliver("draft_orders/create", draft)
    reminder = reminder_of(draft)
    make_due(reminder)

    assert (reminder.state, reminder.hold_reason) == (Status.PENDING, FlowDelivery.HoldReason.QUIET_HOURS)
    assert reminder.next_attempt_at > timezone.now()
    assert account.sends == []
    with translation.override("es"):
        assert delivery_problem(reminder).startswith("Horario de silencio: el flujo espera hasta las ")
