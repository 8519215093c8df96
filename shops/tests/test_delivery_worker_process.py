"""Flow deliveries with real `manage.py worker` processes killed mid-delivery: the buyer gets
the flow exactly once.

A worker killed before the flow call leaves the delivery to be taken over and sent by another
worker; a worker killed while the flow call is in flight leaves it *unconfirmed* — the flow
reached Ecomdrop, and it is never sent a second time. The workers run against this test run's
database (MySQL/MariaDB) and the Ecomdrop simulator, with a 3-second lease and a recovery
sweep every 0.5 s.
"""

import signal
import time

import pytest
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shops.models import FlowDelivery
from shops.services import deliveries
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import order_payload
from webhooks.tests.test_webhook_worker_process import WorkerProcess, wait_for

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
Status = FlowDelivery.Status


@pytest.fixture
def account(ecomdrop_simulator, mode):
    account = ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(
        shop=SHOP, ecomdrop_api_key=KEY, nuevo_pedido_flow_id="9001", dropi_country="CO", installed_at=timezone.now()
    )
    return account


def start_worker(tmp_path, name, simulator, mode="polled"):
    return WorkerProcess(
        tmp_path,
        name,
        handler_seconds=0,
        mode=mode,
        env={
            "ECOMDROP_API_URL": simulator.base_api_url(),
            "HTTP_TIMEOUT_SECONDS": "1.5",
            "FLOW_DELIVERY_LEASE_SECONDS": "3",
            "FLOW_DELIVERY_RETRY_BASE_SECONDS": "0.2",
        },
    )


def status_of(delivery):
    return FlowDelivery.objects.filter(pk=delivery.pk).values_list("state", flat=True).get()


def stop_all(*workers):
    for worker in workers:
        if worker is not None and worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(timeout=5)


@pytest.mark.parametrize(
    ("stalled_call", "killed_while", "ends_as"),
    [
        # Killed before the flow call: another worker takes the delivery over and sends it.
        ("find_contact", "looking for the contact", Status.SENT),
        # Killed while the flow call is in flight (Ecomdrop starts the flow, then answers late):
        # unconfirmed, never sent again.
        ("send_flow", "sending the flow", Status.UNCONFIRMED),
    ],
)
def test_a_worker_killed_mid_delivery_leaves_exactly_one_flow(
    tmp_path, ecomdrop_simulator, account, mode, stalled_call, killed_while, ends_as
):
    ecomdrop_simulator.stall_next(stalled_call, seconds=1.2)
    delivery, _ = deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload())
    in_the_stalled_call = {
        # Past the contact-field list, the next call (find contact) stalls.
        "find_contact": lambda: ecomdrop_simulator.count("custom_fields") and status_of(delivery) == Status.PROCESSING,
        "send_flow": lambda: account.sends and status_of(delivery) == Status.SENDING,
    }[stalled_call]
    first = start_worker(tmp_path, "deliverer-a", ecomdrop_simulator, mode)
    second = None
    try:
        wait_for(in_the_stalled_call, timeout=30, what=f"worker A to be {killed_while}", workers=[first])
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL

        second = start_worker(tmp_path, "deliverer-b", ecomdrop_simulator, mode)
        wait_for(
            lambda: status_of(delivery) == ends_as,
            timeout=40,
            what=f"the delivery to end {ends_as}",
            workers=[first, second],
        )
        time.sleep(1.5)  # more recovery sweeps: nothing may be sent again

        assert len(account.sends) == 1
        assert len(account.contacts) == 1
        assert status_of(delivery) == ends_as
        # The killed worker's task row is closed, not left "running" forever (never pruned).
        assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
    finally:
        stop_all(first, second)


def test_many_deliveries_on_two_concurrent_workers_one_killed_send_each_flow_once(
    tmp_path, ecomdrop_simulator, account, mode
):
    """Two workers with 4 slots each (4 × 2 deliveries at once; none in the "tasks" mode, which
    runs one at a time), 24 orders of which some are still being sent when worker A is killed:
    each buyer gets the flow at most once, the deliveries in flight end unconfirmed or are
    taken over, and none is lost."""
    ecomdrop_simulator.latency = 0.05
    orders = [
        order_payload(id=820982911946154600 + number, phone=f"+57300555{number:04d}", name=f"#{2000 + number}")
        for number in range(24)
    ]
    for order in orders:
        deliveries.flow_delivery_record_order(shop=SHOP, order=order)
    # The same orders delivered again (Shopify's retries) record nothing new.
    for order in orders[:5]:
        deliveries.flow_delivery_record_order(shop=SHOP, order=order)
    assert FlowDelivery.objects.count() == 24
    first = start_worker(tmp_path, "many-a", ecomdrop_simulator, mode)
    second = None
    try:
        wait_for(lambda: len(account.sends) >= 3, timeout=30, what="worker A to send a few flows", workers=[first])
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL
        second = start_worker(tmp_path, "many-b", ecomdrop_simulator, mode)
        finished = (Status.SENT, Status.UNCONFIRMED)
        wait_for(
            lambda: FlowDelivery.objects.filter(state__in=finished).count() == 24,
            timeout=60,
            what="every delivery to end sent or unconfirmed",
            workers=[first, second],
        )
        time.sleep(1.5)  # more recovery sweeps: nothing may be sent again

        sends_per_contact = [contact for contact, _flow, _at in account.sends]
        assert len(sends_per_contact) == len(set(sends_per_contact))  # nobody got it twice
        sent = FlowDelivery.objects.filter(state=Status.SENT).count()
        assert sent <= len(account.sends) <= 24
        assert len(account.sends) >= sent  # an unconfirmed one may or may not have gone out
    finally:
        stop_all(first, second)
