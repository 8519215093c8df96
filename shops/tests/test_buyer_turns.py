"""One conversation per buyer: deliveries to one (shop, phone) run one at a time, in arrival
order, and each delivery's contact fields and flow reach Ecomdrop as one unit.

Two workers (threads, each with its own database connection) are given the same deliveries in
opposite orders while Ecomdrop answers slowly; the Ecomdrop simulator's log of contact writes
and flow sends must show, for the buyer's contact, each flow sent with its own order's fields
and no other delivery's write in between.
"""

import datetime
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from connector.work.turns import turn_waiting_q
from shops.models import DeliveryRules, FlowDelivery
from shops.services import deliveries
from shops.services.delivery_job import FLOW_DELIVERY
from shops.services.draft_carts import flow_delivery_record_draft
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import checkout_payload, order_payload

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
Status = FlowDelivery.Status
FINAL = (Status.SENT, Status.SKIPPED, Status.FAILED, Status.UNCONFIRMED)


@pytest.fixture
def account(ecomdrop_simulator, database_queue):
    account = ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(
        shop=SHOP,
        ecomdrop_api_key=KEY,
        nuevo_pedido_flow_id="9001",
        carrito_abandonado_flow_id="9002",
        dropi_country="CO",
        installed_at=timezone.now(),
    )
    return account


def orders_of_one_buyer(count):
    items = [[{"title": f"Producto {n}", "quantity": n, "price": "1000.00", "sku": f"P-{n}"}] for n in range(count)]
    payloads = [order_payload(line_items=items[n]) for n in range(count)]
    return [deliveries.flow_delivery_record_order(shop=SHOP, order=payload)[0] for payload in payloads]


def states(rows):
    found = FlowDelivery.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
    return list(found.values_list("state", flat=True))


def run_workers(rows, *, seconds=40):
    """Two threads process the deliveries over and over, in opposite orders, until all end."""
    errors = []

    def worker(order):
        try:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if all(state in FINAL for state in states(rows)):
                    return
                for row in order:
                    deliveries.flow_delivery_process(delivery_id=row.pk)
                time.sleep(0.02)
        except Exception as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(list(rows),)), threading.Thread(target=worker, args=(rows[::-1],))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 10)
    assert not errors


def conversation(account):
    """The log of the buyer's contact, as (what, name or flow, value)."""
    (contact_id,) = {entry[1] for entry in account.log}
    return [(what, name, value) for what, _contact, name, value in account.log if _contact == contact_id]


def test_two_workers_send_one_buyers_orders_one_at_a_time_each_with_its_own_fields(ecomdrop_simulator, account):
    rows = orders_of_one_buyer(3)
    ecomdrop_simulator.stall_next("set_field", seconds=0.15, times=40)
    ecomdrop_simulator.stall_next("find_contact", seconds=0.15, times=10)

    run_workers(rows)

    assert states(rows) == [Status.SENT] * 3
    log = conversation(account)
    sends = [index for index, entry in enumerate(log) if entry[0] == "send"]
    assert len(sends) == 3
    # Each flow went out with its own order on the contact, in arrival order...
    start = 0
    for row, send in zip(rows, sends, strict=True):
        written = {name: value for what, name, value in log[start:send] if what == "field"}
        assert written["pedido_id"] == row.shopify_object_id
        assert written["pedido_nombre"] == row.order_name
        # ...and nothing of another order was written between its fields and its flow.
        assert {value for what, name, value in log[start:send] if name == "pedido_id"} == {row.shopify_object_id}
        start = send + 1


def test_a_blocked_delivery_runs_when_the_buyers_earlier_one_ends(account, run_worker):
    first, second = orders_of_one_buyer(2)

    # The second is not claimable while the first waits, whoever asks first.
    assert deliveries.flow_delivery_process(delivery_id=second.pk) == Status.PENDING
    run_worker()

    assert states([first, second]) == [Status.SENT, Status.SENT]
    assert [flow for what, _c, flow, _v in account.log if what == "send"] == ["9001", "9001"]


def test_deliveries_of_other_buyers_do_not_wait(account):
    first = orders_of_one_buyer(1)[0]
    other, _ = deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload(phone="+573009998877"))

    assert deliveries.flow_delivery_process(delivery_id=other.pk) == Status.SENT
    assert states([first]) == [Status.PENDING]


def test_a_newer_order_replaces_the_buyers_pending_cart_reminder(account):
    cart, _ = deliveries.flow_delivery_record_checkout(shop=SHOP, checkout=checkout_payload(phone="+573001234567"))
    draft, _ = flow_delivery_record_draft(
        shop=SHOP, draft={"id": 77, "status": "open", "tags": "releasit", "phone": "+573001234567"}
    )
    DeliveryRules.objects.create(shop=SHOP, cart_source="both", draft_tags=["releasit"])
    draft, _ = flow_delivery_record_draft(
        shop=SHOP, draft={"id": 77, "status": "open", "tags": "releasit", "phone": "+573001234567"}
    )
    order, _ = deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload())

    cart.refresh_from_db()
    draft.refresh_from_db()
    assert (cart.state, cart.skip_reason) == (Status.SKIPPED, FlowDelivery.SkipReason.REPLACED)
    assert (draft.state, draft.skip_reason) == (Status.SKIPPED, FlowDelivery.SkipReason.REPLACED)
    # The order does not wait for the reminders it replaced.
    assert deliveries.flow_delivery_process(delivery_id=order.pk) == Status.SENT


def test_a_later_cart_reminder_waits_for_the_buyers_order_flow(account, ecomdrop_simulator):
    (order,) = orders_of_one_buyer(1)
    cart, _ = deliveries.flow_delivery_record_checkout(shop=SHOP, checkout=checkout_payload(phone="+573001234567"))
    FlowDelivery.objects.filter(pk=cart.pk).update(next_attempt_at=None)  # its delay is over

    assert deliveries.flow_delivery_process(delivery_id=cart.pk) == Status.PENDING
    assert deliveries.flow_delivery_process(delivery_id=order.pk) == Status.SENT
    assert deliveries.flow_delivery_process(delivery_id=cart.pk) == Status.SENT
    assert [flow for what, _c, flow, _v in account.log if what == "send"] == ["9001", "9002"]


def held_by_a_dead_worker(row, state):
    FlowDelivery.objects.filter(pk=row.pk).update(
        state=state, lease_owner="dead-worker", lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_a_delivery_lost_while_sending_ends_unconfirmed_and_the_buyers_next_one_runs(account, run_worker):
    first, second = orders_of_one_buyer(2)
    held_by_a_dead_worker(first, Status.SENDING)

    assert deliveries.flow_delivery_process(delivery_id=second.pk) == Status.PENDING  # the first still runs
    assert deliveries.flow_deliveries_recover() == {"unconfirmed": 1}
    run_worker()

    assert states([first, second]) == [Status.UNCONFIRMED, Status.SENT]
    assert [flow for what, _c, flow, _v in account.log if what == "send"] == ["9001"]


def test_a_delivery_lost_before_sending_keeps_its_turn(account, run_worker):
    first, second = orders_of_one_buyer(2)
    held_by_a_dead_worker(first, Status.PROCESSING)

    deliveries.flow_deliveries_recover()
    run_worker()

    assert states([first, second]) == [Status.SENT, Status.SENT]
    sent_ids = [value for what, _contact, name, value in account.log if what == "field" and name == "pedido_id"]
    assert sent_ids.index(first.shopify_object_id) < sent_ids.index(second.shopify_object_id)


def test_selecting_due_deliveries_takes_only_the_first_of_each_buyer(account):
    first, _second = orders_of_one_buyer(2)
    other, _ = deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload(phone="+573009998877"))

    due = FlowDelivery.objects.filter(turn_waiting_q(FLOW_DELIVERY), state=Status.PENDING).order_by("pk")
    assert list(due.values_list("pk", flat=True)) == [first.pk, other.pk]


def test_a_claim_the_server_rolls_back_to_break_a_deadlock_is_taken_again(account, monkeypatch):
    """MySQL breaks a deadlock between two claims locking one buyer's rows by rolling one back
    (error 1213); that claim runs again instead of failing the worker's task."""
    from django.db import OperationalError

    from connector.work import leases

    (row,) = orders_of_one_buyer(1)
    real_turn_is_free = leases.turn_is_free
    calls = []

    def deadlocked_once(job, pk):
        calls.append(pk)
        if len(calls) == 1:
            raise OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")
        return real_turn_is_free(job, pk)

    monkeypatch.setattr(leases, "turn_is_free", deadlocked_once)

    claim = leases.work_claim(job=FLOW_DELIVERY, pk=row.pk)

    assert claim is not None
    assert claim.pk == row.pk
    assert calls == [row.pk, row.pk]
