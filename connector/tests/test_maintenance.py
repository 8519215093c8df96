"""The worker's maintenance sweep: one failing job's recovery neither stops the others nor
the recovery thread (a Retry-After of 1e12 once killed it for good, and with it every
recovery until a restart)."""

import logging
import time

import pytest

from connector.maintenance import MaintenanceFailed, failed_hooks, run_maintenance
from connector.management.commands.worker import RecoveryThread, recover_once

RAN = []


def overflowing_hook():
    RAN.append("overflowing")
    raise OverflowError("date value out of range")


def broken_hook():
    RAN.append("broken")
    raise ValueError("a bug in one job's rule")


def working_hook():
    RAN.append("working")
    return {"requeued": 1}


@pytest.fixture
def hooks(settings):
    RAN.clear()
    settings.WORKER_MAINTENANCE = [
        f"{__name__}.overflowing_hook",
        f"{__name__}.broken_hook",
        f"{__name__}.working_hook",
    ]


def test_a_hook_that_raises_is_logged_counted_and_the_next_one_runs(hooks, caplog):
    with caplog.at_level(logging.ERROR, logger="connector.maintenance"):
        results = run_maintenance()

    assert RAN == ["overflowing", "broken", "working"]
    assert results[f"{__name__}.working_hook"] == {"requeued": 1}
    assert results[f"{__name__}.broken_hook"] == MaintenanceFailed(error="ValueError")
    assert failed_hooks(results) == [f"{__name__}.overflowing_hook", f"{__name__}.broken_hook"]
    assert "Maintenance hook connector.tests.test_maintenance.broken_hook failed" in caplog.text


@pytest.mark.django_db
def test_one_sweep_reports_how_many_hooks_failed(hooks):
    assert recover_once() == 2
    assert RAN == ["overflowing", "broken", "working"]


@pytest.mark.django_db(transaction=True)
def test_the_recovery_thread_keeps_sweeping_whatever_its_hooks_raise(hooks, settings):
    settings.WORKER_MAINTENANCE = [f"{__name__}.not_there", *settings.WORKER_MAINTENANCE]
    thread = RecoveryThread(interval=0.05)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while RAN.count("working") < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        thread.stopped.set()
        thread.join(timeout=5)

    assert RAN.count("working") >= 3  # every sweep went on past the failures
    assert thread.failures >= 9  # three failing hooks (one does not even import) in each sweep
    assert not thread.is_alive()


@pytest.mark.django_db
def test_every_sweep_records_that_a_worker_is_alive(hooks):
    from connector.heartbeat import worker_last_seen

    assert worker_last_seen() is None

    run_maintenance()  # each sweep of the worker (recover_once) runs it
    first = worker_last_seen()
    run_maintenance()

    assert first is not None
    assert worker_last_seen() >= first
