"""The Dropi simulator's random order failures: seeded, before acting (nothing stored, 503) or
after (the order stored, then a 502 or a late answer)."""

import json
import urllib.error
import urllib.request

import pytest

from simulators.dropi import DropiSimulator, dropi_product

TOKEN = "sim-token-0123456789"


@pytest.fixture
def dropi():
    simulator = DropiSimulator()
    simulator.start()
    simulator.add_account(TOKEN, country="CO")
    simulator.add_product(TOKEN, dropi_product(name="Correa", product_id=502))
    yield simulator
    simulator.stop()


def create(dropi, number, timeout=5.0):
    body = {
        "shop_order_id": str(number),
        "state": "Cundinamarca",
        "city": "Bogotá",
        "products": [{"id": 502, "quantity": 1, "price": 30000}],
    }
    request = urllib.request.Request(  # noqa: S310 (the local simulator)
        f"{dropi.base_url}/co/integrations/orders/myorders",
        data=json.dumps(body).encode(),
        headers={"dropi-integration-key": TOKEN, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except TimeoutError:
        return "timeout"


def test_every_call_fails_before_or_after_creating_as_drawn(dropi):
    dropi.orders.fail_randomly(1.0, after_share=0.5, stall_share=0.0, seed=3)
    statuses = [create(dropi, number) for number in range(40)]

    before = dropi.orders.failures_drawn[("orders_create", "before")]
    after = dropi.orders.failures_drawn[("orders_create", "after")]
    assert before + after == 40
    assert min(before, after) > 5
    assert statuses.count(503) == before
    assert statuses.count(502) == after
    # A failure after acting stored the order; one before did not.
    assert len(dropi.orders.of(TOKEN)) == after


def test_the_draws_repeat_with_the_same_seed_and_stop_at_rate_zero(dropi):
    dropi.orders.fail_randomly(0.5, stall_share=0.0, seed=11)
    first = [create(dropi, number) for number in range(20)]
    dropi.orders.fail_randomly(0.5, stall_share=0.0, seed=11)
    assert [create(dropi, number) for number in range(20)] == first
    assert set(first) == {200, 502, 503}

    dropi.orders.fail_randomly(0.0)
    assert [create(dropi, number) for number in range(5)] == [200] * 5


def test_a_stalled_failure_creates_the_order_and_answers_too_late(dropi):
    dropi.orders.fail_randomly(1.0, after_share=1.0, stall_share=1.0, stall_seconds=0.6)
    assert create(dropi, 1, timeout=0.3) == "timeout"
    assert [order["shop_order_id"] for order in dropi.orders.of(TOKEN)] == ["1"]
