"""The leased-work machine (connector.work) on its own: claims, leases, back-off, queueing and
recovery, with a job of this module's own on the webhook inbox's table (any table built on
``LeasedWork`` would do). Races and row locks need MySQL/MariaDB."""

import datetime
import threading
import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskContext, task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from connector.work import (
    SUPERSEDED,
    Job,
    LeaseLost,
    LostReason,
    Recovery,
    RetryPolicy,
    work_claim,
    work_finish,
    work_is_lost,
    work_recover_expired,
    work_renew,
    work_requeue_lost,
    work_retry_delay,
    work_retry_or_fail,
    work_schedule,
    work_task_run,
)
from webhooks.models import WebhookEvent

State = WebhookEvent.Status
LEASE = datetime.timedelta(seconds=60)


def process(pk):
    claim = work_claim(job=JOB, pk=pk)
    if claim is None:
        return "not claimed"
    work_finish(claim, state=State.PROCESSED)
    return State.PROCESSED


def lost(row, reason, now):
    if reason is LostReason.TASK:
        return Recovery("lost_task", {"next_attempt_at": now})
    if row.attempts >= 3:
        return Recovery("failed", {"state": State.FAILED})
    return Recovery("lost_worker", {"state": State.RETRYING, "next_attempt_at": now})


@task(takes_context=True)
def run_test_job(context, pk=None):
    return work_task_run(job=JOB, pk=pk, context=context)


JOB = Job(
    name="test_job",
    model=WebhookEvent,
    task=f"{__name__}.run_test_job",
    process=process,
    waiting_states=(State.PENDING, State.RETRYING),
    running_states=(State.PROCESSING,),
    claim_state=State.PROCESSING,
    retry_state=State.RETRYING,
    failed_state=State.FAILED,
    lease=lambda: LEASE,
    retry=lambda: RetryPolicy(base_seconds=30, max_seconds=3600, max_attempts=3),
    lost=lost,
)


def row(number=1, **fields):
    return WebhookEvent.objects.create(
        shop="tienda.myshopify.com",
        topic="connector_test/work",
        event_id=f"work-{number}",
        webhook_id=f"work-{number}",
        payload={},
        **fields,
    )


def read(item):
    return WebhookEvent.objects.get(pk=item.pk)


def ago(seconds):
    return timezone.now() - datetime.timedelta(seconds=seconds)


# --------------------------------------------------------------------------- claim, renew, finish
@pytest.mark.django_db
def test_a_claim_takes_a_due_waiting_row_with_a_lease_and_counts_the_attempt():
    item = row(state=State.PENDING, next_attempt_at=ago(1))

    claim = work_claim(job=JOB, pk=item.pk)

    stored = read(item)
    assert claim is not None
    assert (stored.state, stored.attempts, stored.lease_owner) == (State.PROCESSING, 1, claim.owner)
    assert timezone.now() + LEASE - datetime.timedelta(seconds=5) < stored.lease_until <= timezone.now() + LEASE
    assert claim.attempt == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        lambda now: {"state": State.PROCESSED},  # not waiting
        lambda now: {"state": State.RETRYING, "next_attempt_at": now + datetime.timedelta(minutes=5)},  # not due
        lambda now: {"state": State.PENDING, "lease_owner": "other", "lease_until": now + LEASE},  # leased
    ],
)
def test_a_row_that_is_not_waiting_due_and_free_is_not_claimed(fields):
    # Times are taken when the test runs, not when the suite is collected minutes earlier.
    item = row(**fields(timezone.now()))

    assert work_claim(job=JOB, pk=item.pk) is None
    assert read(item).attempts == 0


@pytest.mark.django_db
def test_a_lease_that_ran_out_can_be_claimed_again_and_the_first_worker_finds_out():
    item = row(state=State.PENDING)
    first = work_claim(job=JOB, pk=item.pk)
    WebhookEvent.objects.filter(pk=item.pk).update(state=State.RETRYING, lease_until=ago(1))

    second = work_claim(job=JOB, pk=item.pk)

    assert second is not None
    assert second.attempt == 2
    with pytest.raises(LeaseLost):
        work_renew(first)
    assert work_finish(first, state=State.FAILED) is False
    assert read(item).state == State.PROCESSING  # the first worker wrote nothing
    work_renew(second, last_error="still mine")
    assert work_finish(second, state=State.PROCESSED) is True
    stored = read(item)
    assert (stored.state, stored.lease_owner, stored.lease_until, stored.last_error) == (
        State.PROCESSED,
        "",
        None,
        "still mine",
    )


@pytest.mark.django_db
def test_a_row_moved_out_of_its_running_state_is_no_longer_held():
    item = row(state=State.PENDING)
    claim = work_claim(job=JOB, pk=item.pk)
    WebhookEvent.objects.filter(pk=item.pk).update(state=State.IGNORED)  # staff, meanwhile

    assert work_finish(claim, state=State.PROCESSED) is False
    assert read(item).state == State.IGNORED


@pytest.mark.django_db(transaction=True)
def test_a_finish_or_renewal_the_server_rolls_back_to_break_a_deadlock_is_written_again(monkeypatch):
    """A renewal or finish is one UPDATE of its own; when MySQL ends it as a deadlock victim
    (error 1213: it locks the row, then its index entries, the reverse of a claim's locking
    read) it is run again, instead of failing the worker's task and leaving the row to wait a
    whole lease for recovery (a sent flow would then be recorded as unconfirmed)."""
    from django.db import OperationalError

    from connector.work import leases

    item = row(state=State.PENDING)
    claim = work_claim(job=JOB, pk=item.pk)
    real_row_update = leases.row_update
    calls = []

    def deadlocked_every_other(*args, **kwargs):
        calls.append(args[1])
        if len(calls) % 2:
            raise OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")
        return real_row_update(*args, **kwargs)

    monkeypatch.setattr(leases, "row_update", deadlocked_every_other)

    work_renew(claim, last_error="renewed")
    assert work_finish(claim, state=State.PROCESSED) is True

    assert calls == [item.pk] * 4
    stored = read(item)
    assert (stored.state, stored.lease_owner, stored.last_error) == (State.PROCESSED, "", "renewed")


@pytest.mark.django_db
def test_inside_a_callers_transaction_a_deadlocked_finish_is_not_run_again(monkeypatch):
    """The rollback ended the caller's whole transaction: running the UPDATE again alone would
    write half of it; the error goes to the caller."""
    from django.db import OperationalError

    from connector.work import leases

    item = row(state=State.PENDING)
    claim = work_claim(job=JOB, pk=item.pk)
    calls = []

    def deadlocked(*args, **kwargs):
        calls.append(args[1])
        raise OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")

    monkeypatch.setattr(leases, "row_update", deadlocked)

    with pytest.raises(OperationalError), transaction.atomic():
        work_finish(claim, state=State.PROCESSED)
    assert calls == [item.pk]


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_of_two_workers_claiming_at_once_exactly_one_wins():
    items = [row(number, state=State.PENDING) for number in range(10)]
    for item in items:
        barrier = threading.Barrier(2)
        claims = []

        def worker(pk=item.pk, barrier=barrier, claims=claims):
            barrier.wait()
            try:
                claims.append(work_claim(job=JOB, pk=pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        winners = [claim for claim in claims if claim is not None]
        assert len(winners) == 1
        assert read(item).lease_owner == winners[0].owner
        assert read(item).attempts == 1


# --------------------------------------------------------------------------- back-off
@pytest.mark.parametrize("attempt", [1, 2, 3, 5, 8, 12, 100, 10**6])
@pytest.mark.parametrize(("jitter", "low"), [(0.5, 0.5), (1.0, 0.0), (0.0, 1.0)])
def test_the_delay_doubles_per_attempt_up_to_the_cap_with_its_share_of_jitter(attempt, jitter, low):
    policy = RetryPolicy(base_seconds=30, max_seconds=3600, max_attempts=8, jitter=jitter)
    ceiling = min(3600, 30 * 2 ** min(attempt - 1, 60))

    delays = {work_retry_delay(policy=policy, attempt=attempt).total_seconds() for _ in range(40)}

    assert all(ceiling * low <= delay <= ceiling for delay in delays)
    assert (len(delays) > 1) == (jitter > 0)


def test_attempt_zero_waits_like_the_first():
    policy = RetryPolicy(base_seconds=10, max_seconds=100, max_attempts=3)

    assert 5 <= work_retry_delay(policy=policy, attempt=0).total_seconds() <= 10


@pytest.mark.parametrize("asked", [1e12, float("inf"), 10**30])
def test_a_vendor_asking_for_centuries_is_clamped_and_never_overflows(settings, asked):
    settings.HTTP_MAX_RETRY_AFTER_SECONDS = 300
    policy = RetryPolicy(base_seconds=1, max_seconds=3600, max_attempts=3)

    delay = work_retry_delay(policy=policy, attempt=1, retry_after=asked)

    assert delay == datetime.timedelta(seconds=300)
    assert timezone.now() + delay < timezone.now() + datetime.timedelta(minutes=6)


@pytest.mark.parametrize("asked", [float("nan"), -50, 0])
def test_a_meaningless_vendor_wait_leaves_the_back_off_alone(asked):
    policy = RetryPolicy(base_seconds=30, max_seconds=3600, max_attempts=3)

    assert 15 <= work_retry_delay(policy=policy, attempt=1, retry_after=asked).total_seconds() <= 30


def test_a_longer_vendor_wait_wins_but_not_over_the_policy_cap():
    policy = RetryPolicy(base_seconds=1, max_seconds=60, max_attempts=3)

    assert work_retry_delay(policy=policy, attempt=1, retry_after=40).total_seconds() == 40
    assert work_retry_delay(policy=policy, attempt=1, retry_after=250).total_seconds() == 60


def test_settings_that_are_not_numbers_never_reach_the_dates():
    policy = RetryPolicy(base_seconds=float("inf"), max_seconds=float("inf"), max_attempts=3, jitter=float("nan"))

    assert work_retry_delay(policy=policy, attempt=40).total_seconds() <= 24 * 3600


@pytest.mark.django_db
def test_retry_or_fail_queues_the_next_attempt_with_back_off_then_fails_at_the_budget(database_queue):
    item = row(state=State.PENDING)

    claim = work_claim(job=JOB, pk=item.pk)
    before = timezone.now()
    assert work_retry_or_fail(claim, retryable=True, attempt=claim.attempt, error_text="E: 1") == State.RETRYING
    stored = read(item)
    assert before + datetime.timedelta(seconds=15) <= stored.next_attempt_at <= before + datetime.timedelta(seconds=31)
    assert (stored.last_error, stored.lease_owner) == ("E: 1", "")
    queued = DBTaskResult.objects.get(id=stored.task_id)
    assert (queued.status, queued.run_after) == (TaskResultStatus.READY, stored.next_attempt_at)

    WebhookEvent.objects.filter(pk=item.pk).update(next_attempt_at=ago(1), attempts=2)
    claim = work_claim(job=JOB, pk=item.pk)
    assert work_retry_or_fail(claim, retryable=True, attempt=claim.attempt, error_text="E: 3") == State.FAILED
    stored = read(item)
    assert (stored.state, stored.attempts, stored.next_attempt_at, stored.last_error) == (State.FAILED, 3, None, "E: 3")


@pytest.mark.django_db
def test_a_final_error_fails_at_once_and_a_lost_claim_writes_nothing(database_queue):
    item = row(state=State.PENDING)
    claim = work_claim(job=JOB, pk=item.pk)

    assert work_retry_or_fail(claim, retryable=False, attempt=1, error_text="E") == State.FAILED
    assert work_retry_or_fail(claim, retryable=True, attempt=1, error_text="again") is None
    assert read(item).last_error == "E"
    assert not DBTaskResult.objects.exists()


# --------------------------------------------------------------------------- queueing and the task
@pytest.mark.django_db
def test_scheduling_on_the_database_queue_stores_the_task_on_the_row(database_queue, run_worker):
    item = row(state=State.PENDING)

    work_schedule(job=JOB, pk=item.pk)

    queued = DBTaskResult.objects.get()
    assert read(item).task_id == queued.id
    assert queued.task_path == f"{__name__}.run_test_job"
    assert run_worker() == 1
    assert read(item).state == State.PROCESSED


@pytest.mark.django_db
def test_a_task_replaced_by_another_does_nothing(database_queue, run_worker):
    item = row(state=State.PENDING)
    work_schedule(job=JOB, pk=item.pk)
    replaced = read(item).task_id
    work_schedule(job=JOB, pk=item.pk)

    assert run_worker() == 2

    assert DBTaskResult.objects.get(id=replaced).return_value == SUPERSEDED
    assert DBTaskResult.objects.get(id=read(item).task_id).return_value == State.PROCESSED


@pytest.mark.django_db
def test_an_inline_backend_runs_the_row_after_the_commit(django_capture_on_commit_callbacks):
    item = row(state=State.PENDING)

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        work_schedule(job=JOB, pk=item.pk)
        assert read(item).state == State.PENDING  # nothing ran inside the transaction

    assert len(callbacks) == 1
    callbacks[0]()
    assert read(item).state == State.PROCESSED
    assert read(item).task_id is None


@pytest.mark.django_db
def test_an_inline_backend_gets_no_deferred_run_it_cannot_defer(django_capture_on_commit_callbacks):
    item = row(state=State.PENDING)

    with django_capture_on_commit_callbacks() as callbacks:
        work_schedule(job=JOB, pk=item.pk, run_after=timezone.now() + datetime.timedelta(minutes=1))

    assert callbacks == []


@pytest.mark.django_db
def test_a_task_without_a_row_id_finds_its_row_by_its_own_id(database_queue):
    item = row(state=State.PENDING, task_id=uuid.uuid4())
    context = TaskContext(task_result=run_test_job.enqueue())

    assert work_task_run(job=JOB, pk=None, context=context) == SUPERSEDED
    WebhookEvent.objects.filter(pk=item.pk).update(task_id=context.task_result.id)
    assert work_task_run(job=JOB, pk=None, context=context) == State.PROCESSED


# --------------------------------------------------------------------------- recovery
def running_task(*, started_ago):
    result = DBTaskResult.objects.get(id=run_test_job.enqueue().id)
    result.status = TaskResultStatus.RUNNING
    result.started_at = ago(started_ago)
    result.save()
    return result


@pytest.mark.django_db
def test_an_expired_lease_gets_the_jobs_rule_and_its_dead_task_is_closed(database_queue):
    dead = running_task(started_ago=600)
    lost_once = row(1, state=State.PROCESSING, attempts=1, lease_owner="gone", lease_until=ago(1), task_id=dead.id)
    last_attempt = row(2, state=State.PROCESSING, attempts=3, lease_owner="gone", lease_until=ago(1))
    alive = row(3, state=State.PROCESSING, attempts=1, lease_owner="busy", lease_until=ago(-30))

    assert work_requeue_lost(job=JOB) == {"lost_worker": 1, "failed": 1}

    requeued = read(lost_once)
    assert (requeued.state, requeued.lease_owner, requeued.lease_until) == (State.RETRYING, "", None)
    assert DBTaskResult.objects.get(id=requeued.task_id).status == TaskResultStatus.READY
    assert DBTaskResult.objects.get(id=dead.id).status == TaskResultStatus.FAILED
    assert read(last_attempt).state == State.FAILED
    assert read(alive).lease_owner == "busy"
    assert work_requeue_lost(job=JOB) == {}  # a second sweep finds nothing


@pytest.mark.django_db
def test_a_running_row_without_a_lease_counts_as_lost_once_it_has_not_moved_for_a_lease(database_queue):
    old = row(1, state=State.PROCESSING, attempts=1)
    WebhookEvent.objects.filter(pk=old.pk).update(updated_at=ago(LEASE.total_seconds() + 5))
    fresh = row(2, state=State.PROCESSING, attempts=1)

    assert work_recover_expired(job=JOB) == {"lost_worker": 1}
    assert work_is_lost(job=JOB, row=read(fresh)) is False
    assert read(fresh).state == State.PROCESSING


@pytest.mark.django_db
def test_waiting_rows_whose_task_is_missing_or_dead_are_queued_again_but_a_live_task_is_left_alone(
    database_queue, run_worker
):
    overdue = ago(LEASE.total_seconds() + 5)
    missing = row(1, state=State.PENDING, next_attempt_at=overdue, task_id=uuid.uuid4())
    dead = row(2, state=State.PENDING, next_attempt_at=overdue, task_id=running_task(started_ago=600).id)
    queued = row(3, state=State.PENDING, next_attempt_at=overdue, task_id=run_test_job.enqueue().id)
    running = row(4, state=State.PENDING, next_attempt_at=overdue, task_id=running_task(started_ago=5).id)
    not_overdue = row(5, state=State.PENDING, next_attempt_at=ago(5))
    assert work_is_lost(job=JOB, row=read(missing)) is True
    assert work_is_lost(job=JOB, row=read(queued)) is False

    assert work_requeue_lost(job=JOB) == {"lost_task": 2}

    assert DBTaskResult.objects.get(id=dead.task_id).status == TaskResultStatus.FAILED
    assert str(read(queued).task_id) == str(queued.task_id)
    assert str(read(running).task_id) == str(running.task_id)
    assert read(not_overdue).task_id is None
    assert work_requeue_lost(job=JOB) == {}
    run_worker()
    assert {read(item).state for item in (missing, dead)} == {State.PROCESSED}


@pytest.mark.django_db
def test_lost_tasks_are_left_alone_without_the_database_queue():
    row(state=State.PENDING, next_attempt_at=ago(3600))

    assert work_requeue_lost(job=JOB) == {}


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_recovery_skips_a_row_locked_by_its_live_worker_and_two_sweeps_recover_each_row_once(database_queue):
    locked = row(1, state=State.PROCESSING, attempts=1, lease_owner="slow", lease_until=ago(60))
    others = [row(number, state=State.PROCESSING, attempts=1, lease_until=ago(60)) for number in range(2, 12)]
    holding, release = threading.Event(), threading.Event()

    def worker_in_its_transaction():
        try:
            with transaction.atomic():
                list(WebhookEvent.objects.select_for_update().filter(pk=locked.pk))
                holding.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    results = []

    def sweep():
        try:
            results.append(work_recover_expired(job=JOB))
        finally:
            connection.close()

    holder = threading.Thread(target=worker_in_its_transaction)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        sweeps = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in sweeps:
            thread.start()
        for thread in sweeps:
            thread.join()
    finally:
        release.set()
        holder.join(timeout=20)

    assert sum(result["lost_worker"] for result in results) == len(others)
    assert read(locked).state == State.PROCESSING
    assert DBTaskResult.objects.count() == len(others)  # one new task per recovered row
