"""Dropi orders with real `manage.py worker` processes killed mid-placement: exactly one Dropi
order, always.

A worker killed before the create (while it reads Dropi's department list) leaves the order to
be taken over and placed by another worker; a worker killed while the create is in flight
(Dropi created the order, its answer had not arrived) leaves it to be looked up by
``shop_order_id`` — found, never created again. The workers run against this test run's
database (MySQL/MariaDB) and the Dropi and Shopify simulators, with a 3-second lease and a
recovery sweep every 0.5 s.
"""

import signal
import time

import pytest

from shops.models import DropiOrder
from webhooks.tests.test_webhook_worker_process import WorkerProcess, wait_for

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]
State = DropiOrder.State


def start_worker(tmp_path, name, shop):
    urls = ",".join(f"{country}={url}" for country, url in shop.dropi.api_urls().items())
    return WorkerProcess(
        tmp_path,
        name,
        handler_seconds=0,
        env={
            "DROPI_API_URLS": urls,
            "DROPI_LOCATIONS_ENABLED": "true",
            "SHOPIFY_ADMIN_ORIGIN": shop.shopify.origin_template(),
            "HTTP_TIMEOUT_SECONDS": "1.5",
            "DROPI_ORDER_LEASE_SECONDS": "3",
            "DROPI_ORDER_RETRY_BASE_SECONDS": "0.2",
        },
    )


def state_of(order):
    return DropiOrder.objects.filter(pk=order.pk).values_list("state", flat=True).get()


def stop_all(*workers):
    for worker in workers:
        if worker is not None and worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(timeout=5)


@pytest.mark.parametrize(
    ("stalled_call", "killed_while", "lookups"),
    [
        # Killed before the create: another worker takes the order over and creates it.
        ("departments", State.PLACING, 0),
        # Killed while the create is in flight (Dropi created it and answers late): looked up, found.
        ("orders_create", State.SENDING, 1),
    ],
)
def test_a_worker_killed_mid_placement_leaves_exactly_one_dropi_order(
    tmp_path, dropi_shop, database_queue, stalled_call, killed_while, lookups
):
    if stalled_call == "orders_create":
        dropi_shop.dropi.orders.stall_after_create(seconds=1.2)
    else:
        dropi_shop.dropi.orders.stall_before(stalled_call, seconds=1.2)
    order = dropi_shop.record()  # app_on_order: queued in the database
    assert order.state == State.QUEUED
    in_the_stalled_call = {
        "departments": lambda: state_of(order) == State.PLACING,
        "orders_create": lambda: state_of(order) == State.SENDING and dropi_shop.created(),
    }[stalled_call]
    first = start_worker(tmp_path, "placer-a", dropi_shop)
    second = None
    try:
        wait_for(in_the_stalled_call, timeout=30, what=f"worker A to be {killed_while}", workers=[first])
        time.sleep(0.2)
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL

        second = start_worker(tmp_path, "placer-b", dropi_shop)
        wait_for(
            lambda: state_of(order) == State.PLACED, timeout=40, what="the order to be placed", workers=[first, second]
        )
        time.sleep(1.5)  # more recovery sweeps: nothing may be created again

        assert len(dropi_shop.created()) == 1
        assert dropi_shop.dropi.count("orders_create") == 1
        # Look-ups list by creation date; the shop's status sync (started by the workers'
        # maintenance) lists by status change and is not counted.
        by_creation = [
            request
            for request in dropi_shop.dropi.requests_of("orders_list")
            if request.query.get("filter_date_by") == ["FECHA DE CREADO"]
        ]
        assert len(by_creation) == lookups
        order.refresh_from_db()
        assert order.dropi_order_id == str(dropi_shop.created()[0]["id"])
        # One Dropi id tag (the shop's status sync, run by the same workers, may add its stage tag).
        tags = dropi_shop.shopify_tags(order)
        assert [tag for tag in tags if tag.removeprefix("dropi:").isdigit()] == [f"dropi:{order.dropi_order_id}"]
    finally:
        stop_all(first, second)
