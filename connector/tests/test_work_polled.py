"""Polled jobs (connector/work/polled.py) and the worker's runner (connector/work/runner.py):
batch claims with SKIP LOCKED, per-shop shares, rows run concurrently exactly once, idle
polling that backs off."""

import dataclasses
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connector.work import work_claim_due, work_is_polled, work_polled_jobs
from connector.work.runner import Runner
from webhooks.models import WebhookEvent
from webhooks.services.inbox import WEBHOOK_EVENT

Status = WebhookEvent.Status


def events(shop, count, *, topic="connector_test/none", **columns):
    return [
        WebhookEvent.objects.create(
            shop=shop,
            topic=topic,
            event_id=f"{shop}-{topic}-{number}-{time.monotonic_ns()}",
            webhook_id="w",
            payload={},
            state=Status.PENDING,
            next_attempt_at=timezone.now(),
            **columns,
        )
        for number in range(count)
    ]


@pytest.mark.django_db
def test_only_the_jobs_named_in_the_settings_are_polled_and_only_on_the_database_queue(settings, database_queue):
    assert work_is_polled(WEBHOOK_EVENT)
    assert WEBHOOK_EVENT in work_polled_jobs()
    settings.WORKER_POLLED_JOBS = []
    assert not work_is_polled(WEBHOOK_EVENT)
    settings.WORKER_POLLED_JOBS = ["webhooks.services.inbox.WEBHOOK_EVENT"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert not work_is_polled(WEBHOOK_EVENT)  # an inline backend runs the task after the commit


@pytest.mark.django_db
def test_a_claim_reads_back_its_own_rows_whole_and_converted_in_id_order(database_queue):
    from connector.work.claim_sql import claimed_rows

    first, second, other = events("a.myshopify.com", 3, triggered_at=timezone.now())
    WebhookEvent.objects.filter(pk__in=[first.pk, second.pk]).update(lease_owner="mine", payload={"n": "ñ"})
    WebhookEvent.objects.filter(pk=other.pk).update(lease_owner="theirs")

    rows = list(claimed_rows(WEBHOOK_EVENT, [second.pk, other.pk, first.pk], "mine"))

    assert [row.pk for row in rows] == [first.pk, second.pk]
    assert all(isinstance(row, WebhookEvent) and not row.get_deferred_fields() for row in rows)
    assert rows[0].payload == {"n": "ñ"}  # JSON decoded
    assert rows[0].triggered_at == first.triggered_at
    assert timezone.is_aware(rows[0].triggered_at)


@pytest.mark.django_db
def test_a_batch_claim_takes_due_free_rows_oldest_first_and_counts_an_attempt(database_queue):
    due = events("a.myshopify.com", 3)
    later = events("a.myshopify.com", 1)[0]
    WebhookEvent.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timezone.timedelta(hours=1))
    leased = events("a.myshopify.com", 1)[0]
    WebhookEvent.objects.filter(pk=leased.pk).update(lease_until=timezone.now() + timezone.timedelta(minutes=1))

    claims = work_claim_due(job=WEBHOOK_EVENT, limit=10)

    assert [claim.pk for claim in claims] == [event.pk for event in due]
    assert {(claim.row.state, claim.row.attempts) for claim in claims} == {(Status.PROCESSING, 1)}
    assert len({claim.owner for claim in claims}) == 1
    assert work_claim_due(job=WEBHOOK_EVENT, limit=10) == []  # nothing left that is due and free


@pytest.mark.django_db
def test_a_batch_claim_keeps_each_shop_within_its_share(database_queue):
    busy = events("busy.myshopify.com", 6)
    quiet = events("quiet.myshopify.com", 2)

    first = work_claim_due(job=WEBHOOK_EVENT, limit=8, per_key=2)
    assert [claim.pk for claim in first] == [busy[0].pk, busy[1].pk, quiet[0].pk, quiet[1].pk]

    # busy holds its 2: nothing more of it, whatever the free slots.
    assert work_claim_due(job=WEBHOOK_EVENT, limit=8, full={"busy.myshopify.com"}, per_key=2) == []
    # one of busy's finished: one more of it.
    again = work_claim_due(job=WEBHOOK_EVENT, limit=8, quotas={"busy.myshopify.com": 1}, per_key=2)
    assert [claim.pk for claim in again] == [busy[2].pk]


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_two_batch_claims_at_once_never_take_the_same_row(database_queue):
    events("a.myshopify.com", 40)
    taken: list[list[int]] = []
    barrier = threading.Barrier(4)

    def claim():
        try:
            barrier.wait(timeout=10)
            mine = []
            while batch := work_claim_due(job=WEBHOOK_EVENT, limit=3):
                mine += [claim.pk for claim in batch]
            taken.append(mine)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    every = [pk for mine in taken for pk in mine]
    assert len(every) == len(set(every)) == 40
    assert set(WebhookEvent.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_the_runner_gives_a_quiet_shop_a_slot_while_a_busy_one_holds_its_share(database_queue):
    runner = Runner(slots=4, share=0.5)
    events("busy.myshopify.com", 6)
    quiet = events("quiet.myshopify.com", 1)[0]
    with runner.lock:
        runner.running = {("webhook_event", -1): "busy.myshopify.com", ("webhook_event", -2): "busy.myshopify.com"}

    claims = runner._claim(WEBHOOK_EVENT, 2, fair=True)

    assert [claim.pk for claim in claims] == [quiet.pk]
    # With spill, the slot no other shop wants goes to the busy shop.
    assert len(runner._claim(WEBHOOK_EVENT, 1, fair=False)) == 1


@pytest.mark.django_db
def test_a_look_beside_the_shops_at_their_share_that_found_nothing_waits_before_the_next(database_queue, monkeypatch):
    # Leaving a shop out reads every due row of it on the way to another shop's (the (state,
    # due) index holds no shop): in a one-shop burst, the whole backlog on every dispatch.
    clock = [1000.0]
    monkeypatch.setattr("connector.work.runner.time.monotonic", lambda: clock[0])
    runner = Runner(slots=4, share=0.5, fair_probe_interval=0.5)
    busy = events("busy.myshopify.com", 6)
    with runner.lock:
        runner.running = {("webhook_event", -1): "busy.myshopify.com", ("webhook_event", -2): "busy.myshopify.com"}
    assert runner._claim(WEBHOOK_EVENT, 2, fair=True) == []
    quiet = events("quiet.myshopify.com", 1)[0]

    clock[0] += 0.4
    with CaptureQueriesContext(connection) as queries:
        assert runner._claim(WEBHOOK_EVENT, 2, fair=True) == []
    assert len(queries) == 0
    # Spilling still claims in the index's order meanwhile.
    assert [claim.pk for claim in runner._claim(WEBHOOK_EVENT, 1, fair=False)] == [busy[0].pk]

    clock[0] += 0.2
    assert [claim.pk for claim in runner._claim(WEBHOOK_EVENT, 2, fair=True)] == [quiet.pk]


@pytest.mark.django_db
def test_a_fair_claim_of_a_worker_with_no_shop_at_its_share_looks_every_time(database_queue):
    runner = Runner(slots=4, share=0.5, fair_probe_interval=60)
    assert runner._claim(WEBHOOK_EVENT, 2, fair=True) == []
    quiet = events("quiet.myshopify.com", 1)[0]
    assert [claim.pk for claim in runner._claim(WEBHOOK_EVENT, 2, fair=True)] == [quiet.pk]


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_the_runner_runs_every_row_once_at_once_and_idles_without_busy_polling(database_queue, settings):
    # A topic without a handler: each row is claimed, then ends ignored.
    rows = events("a.myshopify.com", 30) + events("b.myshopify.com", 5)
    runner = Runner(slots=8, share=0.5, min_interval=0.01, max_interval=0.5)
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while WebhookEvent.objects.filter(state=Status.IGNORED).count() < len(rows) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert WebhookEvent.objects.filter(state=Status.IGNORED, attempts=1).count() == len(rows)
        # A slot counts its row once its thread is done with it, just after the row's commit.
        while runner.finished < len(rows) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert runner.finished == len(rows)

        time.sleep(1)  # idle: the wait doubles from 0.01 s up to max_interval (0.5 s)
        polls = runner.polls
        time.sleep(2)
        assert runner.polls - polls <= 5  # one poll every 0.5 s, not hundreds

        fresh = events("c.myshopify.com", 1)[0]  # found at the next poll
        deadline = time.monotonic() + 5
        while not WebhookEvent.objects.filter(pk=fresh.pk, state=Status.IGNORED).exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        runner.stop()
        runner.join(timeout=10)
    assert not runner.is_alive()


@pytest.mark.django_db
def test_a_claimed_row_a_runner_thread_cannot_finish_keeps_its_lease_for_recovery(database_queue, monkeypatch):
    event = events("a.myshopify.com", 1)[0]
    claim = work_claim_due(job=WEBHOOK_EVENT, limit=1)[0]
    runner = Runner(slots=1, share=1)

    def broken(claim):
        raise RuntimeError("database gone")

    monkeypatch.setattr("connector.work.runner.work_run_claimed", broken)
    monkeypatch.setattr("connector.work.runner.close_old_connections", lambda: None)
    with runner.lock:
        runner.running[("webhook_event", claim.pk)] = "a.myshopify.com"
    runner._run_one(claim)

    event.refresh_from_db()
    assert (event.state, event.lease_owner) == (Status.PROCESSING, claim.owner)
    assert runner.running == {}


@pytest.mark.django_db
def test_a_lazy_renewal_writes_only_once_half_the_lease_is_gone_and_still_finds_a_takeover(database_queue):
    from django.test.utils import CaptureQueriesContext

    from connector.work import LeaseLost, work_renew, work_renew_lazily

    events("a.myshopify.com", 1)
    claim = work_claim_due(job=WEBHOOK_EVENT, limit=1)[0]
    with CaptureQueriesContext(connection) as queries:
        work_renew_lazily(claim)
    assert len(queries) == 0  # the whole lease is left: nothing to write

    claim.held_until[:] = [timezone.now() + timezone.timedelta(seconds=1)]  # most of it is gone
    with CaptureQueriesContext(connection) as queries:
        work_renew_lazily(claim)
    assert len(queries) == 1
    assert claim.held_until[0] > timezone.now() + timezone.timedelta(seconds=60)

    WebhookEvent.objects.filter(pk=claim.pk).update(lease_owner="someone-else")
    claim.held_until[:] = [timezone.now()]  # the lease ran out: the renewal writes, and finds it taken
    with pytest.raises(LeaseLost):
        work_renew_lazily(claim)
    with pytest.raises(LeaseLost):
        work_renew(claim, state=Status.PROCESSING)  # a renewal with changes always writes


def test_rows_of_one_batch_running_at_once_read_a_shared_value_once():
    """``work_shared``: the rows claimed together start together in several threads; the first
    to ask reads, the others wait for its value; a read that fails is tried again."""
    from concurrent.futures import ThreadPoolExecutor

    from connector.work.leases import Claim
    from connector.work.polled import work_run_claimed, work_shared

    reads, failures = [], [1]
    started = threading.Barrier(8)

    def read():
        if failures:
            failures.pop()
            raise RuntimeError("the database went away")
        reads.append(1)
        time.sleep(0.05)  # long enough for every other row to ask meanwhile
        return {"flow": "9001"}

    def run(claim):
        started.wait()
        try:
            return work_shared(("configuration", "tienda"), read)
        except RuntimeError:
            return work_shared(("configuration", "tienda"), read)

    job = dataclasses.replace(WEBHOOK_EVENT, run_claimed=run)
    batch = {}
    claims = [Claim(job=job, row=WebhookEvent(pk=pk), owner="o", batch=batch) for pk in range(8)]
    with ThreadPoolExecutor(8) as pool:
        values = list(pool.map(work_run_claimed, claims))

    assert values == [{"flow": "9001"}] * 8
    assert len(reads) == 1


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_a_slot_pings_its_connection_only_after_it_was_idle(database_queue, monkeypatch):
    """Django's health check pings the connection once per unit of work; in a burst a slot's
    rows follow each other within milliseconds, so a connection that finished a row just now
    is not pinged again — one idle for longer than ``FRESH_CONNECTION_SECONDS`` is."""
    from django.db.backends.mysql.base import DatabaseWrapper

    from connector import db_connections

    assert connection.health_check_enabled
    pings = []
    real_is_usable = DatabaseWrapper.is_usable

    def counted(self):
        pings.append(threading.get_ident())
        return real_is_usable(self)

    monkeypatch.setattr(DatabaseWrapper, "is_usable", counted)
    events("a.myshopify.com", 3)
    runner = Runner(slots=1, share=1)

    def run_next():
        (claim,) = work_claim_due(job=WEBHOOK_EVENT, limit=1)
        with runner.lock:
            runner.running[("webhook_event", claim.pk)] = "a.myshopify.com"
        before = len(pings)
        runner._run_one(claim)
        return len(pings) - before

    connection.ensure_connection()
    assert run_next() == 1  # no row ran on this connection yet: checked
    assert run_next() == 0  # its last row ended just now
    monkeypatch.setattr(db_connections, "FRESH_CONNECTION_SECONDS", 0.0)
    assert run_next() == 1  # idle for longer: checked again
    assert WebhookEvent.objects.filter(state=Status.IGNORED).count() == 3
