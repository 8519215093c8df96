"""The Dropi status sync with real `manage.py worker` processes: a worker killed mid-run (its
first page recorded, the second not yet asked for) leaves the run to another worker once its
lease runs out, and every change is recorded exactly once.

The workers run against this test run's database (MySQL/MariaDB) and the Dropi simulator, with
a 3-second lease, calls to one account 2 s apart and a recovery sweep every 0.5 s.
"""

import signal
import time

import pytest

from connector.work import work_schedule
from shops.models import DropiOrder, DropiOrderEvent, DropiTrackingSync
from shops.services.tracking_sync import TRACKING_SYNC
from shops.tests.dropi_shop import DROPI_TOKEN, SHOP
from shops.tests.status_words import status_words  # noqa: F401 (a fixture)
from webhooks.tests.test_webhook_worker_process import WorkerProcess, wait_for

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("status_words")]


def start_worker(tmp_path, name, shop):
    urls = ",".join(f"{country}={url}" for country, url in shop.dropi.api_urls().items())
    return WorkerProcess(
        tmp_path,
        name,
        handler_seconds=0,
        env={
            "DROPI_API_URLS": urls,
            "HTTP_TIMEOUT_SECONDS": "1.5",
            "DROPI_ORDER_LEASE_SECONDS": "3",
            "DROPI_TRACKING_CALL_SPACING_SECONDS": "2",
        },
    )


def recorded() -> int:
    return DropiOrder.objects.filter(shop=SHOP).exclude(shipping_stage="").count()


def test_a_worker_killed_mid_run_leaves_it_to_another_and_no_change_is_recorded_twice(
    tmp_path, dropi_shop, database_queue
):
    for number in range(150):
        dropi = dropi_shop.dropi.orders.add(DROPI_TOKEN, shop_order_id=str(9_000 + number), status="EN TRANSPORTE")
        DropiOrder.objects.create(
            shop=SHOP,
            shopify_order_id=str(9_000 + number),
            order_name=f"#{4000 + number}",
            mode="bot",
            state="bot",
            dropi_order_id=str(dropi["id"]),
        )
    sync = DropiTrackingSync.objects.create(shop=SHOP)
    work_schedule(job=TRACKING_SYNC, pk=sync.pk)
    first = start_worker(tmp_path, "sync-a", dropi_shop)
    second = None
    try:
        # The first page (100 orders) is recorded; the worker waits 2 s before asking for the next.
        wait_for(lambda: recorded() >= 100, timeout=30, what="worker A's first page", workers=[first])
        assert recorded() == 100
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL

        second = start_worker(tmp_path, "sync-b", dropi_shop)
        wait_for(
            lambda: DropiTrackingSync.objects.filter(pk=sync.pk, last_result="ok").exists(),
            timeout=40,
            what="the run to be finished by worker B",
            workers=[first, second],
        )
        time.sleep(1.0)  # more recovery sweeps: nothing may be recorded again
        assert recorded() == 150
        lines = DropiOrderEvent.objects.filter(order__shop=SHOP, kind="status")
        assert lines.count() == 150
        assert lines.values("order_id").distinct().count() == 150
        sync.refresh_from_db()
        assert (sync.state, sync.lease_owner, sync.last_orders_read) == ("waiting", "", 150)
    finally:
        for worker in (first, second):
            if worker is not None and worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait(timeout=5)
