"""bench/dropi_orders.py at a tiny size, faulty: 20 confirmed orders over 2 shops placed by 2
real `manage.py worker` processes while 20 % of Dropi's order calls fail before or after
acting; every Shopify order gets exactly one Dropi order (the simulator's own store says so).
Not timed: the figures are the benchmark's."""

from collections import Counter

import dropi_orders
import pytest

from webhooks.tests.test_webhook_worker_process import database_url_of_this_run

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]


def test_the_faulty_run_places_every_confirmed_order_in_dropi_exactly_once(database_queue, tmp_path):
    simulators = dropi_orders.simulators_start(latency=0.02)
    try:
        dropi_orders.shops_prepare(simulators, 2)
        result = dropi_orders.run(
            simulators,
            database_url=database_url_of_this_run(),
            shops=2,
            per_shop=10,
            workers=2,
            failure_rate=0.2,
            log=tmp_path / "workers.log",
            timeout=120,
        )
    finally:
        simulators.stop()

    log = (tmp_path / "workers.log").read_text()
    assert result.per_order == Counter({1: 20}), log[-3000:]
    assert result.states == Counter({"placed": 20}), log[-3000:]
    assert result.tagged == 20
    # Failures were drawn on both sides of the create, and an ambiguous one was looked up.
    drawn = {when for (kind, when) in result.failures if kind == "orders_create"}
    assert drawn == {"before", "after"}
    assert result.calls["orders_list"] >= 1
    # A create is repeated only after a failure before creating: never after an ambiguous one.
    assert result.calls["orders_create"] == 20 + result.failures[("orders_create", "before")]
