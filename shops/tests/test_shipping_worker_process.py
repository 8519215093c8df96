"""The shipping write-back with a real `manage.py worker` killed mid-write: the fulfillment is
created once, with its tracking, however the worker dies.

Worker A takes the transition, records the intent and sends ``fulfillmentCreate``; Shopify (the
simulator) creates the fulfillment and its answer is late; A is killed (SIGKILL) in that
moment. Worker B's recovery sweep finds the lease run out while ``sending``, queues the
transition again to be read back, and B finds the fulfillment with the guía in Shopify instead
of creating another. Runs against this test run's database (MySQL/MariaDB) and the Shopify
simulator, with a 3-second lease and a recovery sweep every 0.5 s.
"""

import signal
import time

import pytest

from shops.models import DropiOrder, DropiOrderMode, ShippingUpdate
from shops.tests.dropi_shop import SHOP
from shops.tests.shipping import fulfillments, move, stage_tags
from simulators.shopify_fulfillments import switches
from webhooks.tests.test_webhook_worker_process import WorkerProcess, wait_for

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]
GUIA = "240041234567"


def start_worker(tmp_path, name, shop):
    return WorkerProcess(
        tmp_path,
        name,
        handler_seconds=0,
        env={
            "SHOPIFY_ADMIN_ORIGIN": shop.shopify.origin_template(),
            "HTTP_TIMEOUT_SECONDS": "1.5",
            "SHIPPING_UPDATE_LEASE_SECONDS": "3",
            "SHIPPING_UPDATE_RETRY_BASE_SECONDS": "0.2",
        },
    )


def update_state():
    return ShippingUpdate.objects.values_list("state", flat=True).first()


def test_a_worker_killed_while_creating_the_fulfillment_leaves_exactly_one(tmp_path, dropi_shop, database_queue):
    dropi_shop.set_mode(DropiOrderMode.BOT)  # placed by the bot: the app only follows its shipping
    order = dropi_shop.record()
    assert order.state == DropiOrder.State.BOT
    switches(dropi_shop.shopify, SHOP).stall_after_write["FulfillmentCreate"] = 1.2
    move(order, "guide_generated", guia=GUIA, carrier="Servientrega")  # queued in the database
    assert update_state() == "pending"

    first = start_worker(tmp_path, "shipper-a", dropi_shop)
    second = None
    try:
        wait_for(
            lambda: update_state() == "sending" and fulfillments(dropi_shop, order),
            timeout=30,
            what="worker A to be creating the fulfillment",
            workers=[first],
        )
        time.sleep(0.2)
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL

        second = start_worker(tmp_path, "shipper-b", dropi_shop)
        wait_for(lambda: update_state() == "done", timeout=40, what="the write-back to finish", workers=[second])
        time.sleep(1.5)  # more recovery sweeps: nothing may be written again

        (fulfillment,) = fulfillments(dropi_shop, order)
        assert fulfillment["trackingInfo"]["number"] == GUIA
        assert dropi_shop.shopify.count("graphql:FulfillmentCreate") == 1
        update = ShippingUpdate.objects.get()
        assert update.steps["tracking"] == "found"
        assert update.attempts == 2
        order.refresh_from_db()
        assert order.shopify_fulfillment_id == fulfillment["id"]
        assert stage_tags(dropi_shop, order) == ["dropi:guide_generated"]
    finally:
        for worker in (first, second):
            if worker is not None and worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait(timeout=5)
