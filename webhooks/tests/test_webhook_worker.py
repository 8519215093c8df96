"""Processing stored webhook events: handlers, retries with back-off, failures, recovery."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from connector.errors import WebhookPayloadError
from connector.shopify.errors import ShopifyThrottled, ShopifyUnavailable
from shops.models import ShopConfiguration
from webhooks import services
from webhooks.models import WebhookEvent
from webhooks.services import inbox

pytestmark = pytest.mark.django_db

TOPIC = "connector_test/unit"
Status = WebhookEvent.Status


class Recorder:
    error = None
    calls = []

    def __call__(self, *, shop, payload, event):
        self.calls.append((shop, payload, event))
        if self.error is not None:
            raise self.error


RECORDER = Recorder()


def write_then_fail(*, shop, payload, event):
    ShopConfiguration.objects.create(shop=shop)
    raise RuntimeError("after writing")


@pytest.fixture
def handler(settings):
    """Map TOPIC to a test handler; set ``handler.error`` to make it raise."""
    RECORDER.error = None
    RECORDER.calls = []
    settings.WEBHOOK_HANDLERS = {**settings.WEBHOOK_HANDLERS, TOPIC: f"{__name__}.RECORDER"}
    return RECORDER


@pytest.fixture
def stored(database_queue, post_webhook):
    def store(topic=TOPIC, payload=None, **options):
        assert post_webhook(topic, payload or {"id": 7}, **options).status_code == 200
        return WebhookEvent.objects.order_by("-id").first()

    return store


def make_due(event):
    """Let time pass until the event's retry is due (its queued task too)."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=past)
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=past)


@pytest.mark.usefixtures("tasks_for_every_job")
def test_a_handled_topic_runs_its_handler_once_and_is_processed(stored, run_worker, handler):
    event = stored(payload={"id": 7, "note": "hola"}, triggered_at="2026-01-02T03:04:05Z")

    assert run_worker() == 1

    event.refresh_from_db()
    assert event.state == Status.PROCESSED
    assert event.attempts == 1
    assert event.processed_at is not None
    assert event.lease_until is None
    assert event.next_attempt_at is None
    ((shop, payload, info),) = handler.calls
    assert shop == "tienda.myshopify.com"
    assert payload == {"id": 7, "note": "hola"}
    assert (info.id, info.topic, info.attempt) == (event.pk, TOPIC, 1)
    assert info.happened_at.isoformat() == "2026-01-02T03:04:05+00:00"
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


@pytest.mark.usefixtures("tasks_for_every_job")
def test_an_unknown_topic_is_stored_and_marked_ignored(stored, run_worker):
    event = stored("products/update", {"id": 1})

    run_worker()

    event.refresh_from_db()
    assert event.state == Status.IGNORED
    assert event.attempts == 0


@pytest.mark.usefixtures("tasks_for_every_job")
def test_a_handler_exception_is_recorded_and_retried_later(stored, run_worker, handler, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    handler.error = RuntimeError("Ecomdrop said no")
    event = stored()
    before = timezone.now()

    run_worker()

    event.refresh_from_db()
    assert event.state == Status.RETRYING
    assert event.attempts == 1
    assert "RuntimeError: Ecomdrop said no" in event.last_error
    assert "Traceback" in event.last_error  # an unexpected exception keeps its traceback on the row
    assert event.attempt_errors == [
        {
            "attempt": 1,
            "at": event.attempt_errors[0]["at"],
            "error": "RuntimeError: Ecomdrop said no",
            "retryable": True,
        }
    ]
    assert (
        before + datetime.timedelta(seconds=30)
        <= event.next_attempt_at
        <= timezone.now() + datetime.timedelta(seconds=60)
    )
    retry_task = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry_task.id == event.task_id
    assert retry_task.run_after == event.next_attempt_at
    assert run_worker() == 0  # not due yet


def test_retries_back_off_until_the_last_attempt_then_the_event_fails(stored, run_worker, handler, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    handler.error = ShopifyUnavailable("Shopify 503")
    event = stored()

    for _ in range(4):
        run_worker()
        event.refresh_from_db()
        make_due(event)

    assert event.state == Status.FAILED
    assert event.attempts == 4
    assert [entry["attempt"] for entry in event.attempt_errors] == [1, 2, 3, 4]
    assert event.last_error == "ShopifyUnavailable: Shopify 503"
    assert len(handler.calls) == 4
    assert run_worker() == 0


def test_a_non_retryable_error_fails_the_event_at_once(stored, run_worker, handler):
    handler.error = WebhookPayloadError("'current' is not a list of scopes")
    event = stored()

    run_worker()

    event.refresh_from_db()
    assert event.state == Status.FAILED
    assert event.attempts == 1
    assert event.attempt_errors[0]["retryable"] is False
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


def test_the_handlers_writes_roll_back_when_it_fails(stored, run_worker, handler, settings):
    settings.WEBHOOK_HANDLERS = {**settings.WEBHOOK_HANDLERS, TOPIC: f"{__name__}.write_then_fail"}
    stored()

    run_worker()

    assert not ShopConfiguration.objects.exists()


def test_after_a_transient_failure_the_retry_succeeds(stored, run_worker, handler):
    handler.error = ShopifyUnavailable("timeout")
    event = stored()
    run_worker()
    handler.error = None
    make_due(event)

    run_worker()

    event.refresh_from_db()
    assert event.state == Status.PROCESSED
    assert event.attempts == 2
    assert len(event.attempt_errors) == 1
    assert event.last_error == ""


def test_a_duplicate_or_early_task_changes_nothing(stored, run_worker, handler):
    event = stored()
    run_worker()

    assert services.webhook_event_process(event_id=event.pk) == Status.PROCESSED
    WebhookEvent.objects.filter(pk=event.pk).update(
        state=Status.RETRYING, next_attempt_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert services.webhook_event_process(event_id=event.pk) == Status.RETRYING
    assert services.webhook_event_process(event_id=10**9) == "missing"
    assert len(handler.calls) == 1


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 6, 7, 8, 12])
def test_the_retry_delay_grows_exponentially_with_jitter_and_a_cap(settings, attempt):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600
    ceiling = min(3600, 30 * 2 ** (attempt - 1))

    delays = {services.webhook_retry_delay(attempt=attempt).total_seconds() for _ in range(50)}

    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(delays) > 1  # jittered


def test_the_retry_delay_respects_a_longer_wait_the_error_asks_for(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 1
    throttled = ShopifyThrottled("bucket empty", wait_seconds=40)

    assert services.webhook_retry_delay(attempt=1, error=throttled).total_seconds() == 40


def stranded(event, *, attempts=1, lease_ago=10, task_status=TaskResultStatus.RUNNING, started_ago=600):
    """Leave ``event`` as a killed worker would: processing, lease expired, its task running."""
    now = timezone.now()
    task = DBTaskResult.objects.get(id=event.task_id)
    task.status = task_status
    task.started_at = now - datetime.timedelta(seconds=started_ago)
    task.save()
    WebhookEvent.objects.filter(pk=event.pk).update(
        state=Status.PROCESSING, attempts=attempts, lease_until=now - datetime.timedelta(seconds=lease_ago)
    )


@pytest.mark.usefixtures("tasks_for_every_job")
def test_recovery_queues_again_an_event_whose_worker_died(stored, run_worker, handler):
    event = stored()
    dead_task_id = event.task_id
    stranded(event)

    summary = services.webhook_events_recover()

    assert (summary.lost_workers, summary.lost_tasks, summary.failed) == (1, 0, 0)
    event.refresh_from_db()
    assert event.state == Status.RETRYING
    assert "worker stopped during attempt 1" in event.attempt_errors[-1]["error"]
    assert event.task_id != dead_task_id
    dead = DBTaskResult.objects.get(id=dead_task_id)
    assert dead.status == TaskResultStatus.FAILED
    assert dead.exception_class_path == "connector.errors.WebhookWorkerLost"

    run_worker()

    event.refresh_from_db()
    assert event.state == Status.PROCESSED
    assert event.attempts == 2
    assert len(handler.calls) == 1


@pytest.mark.usefixtures("tasks_for_every_job")
def test_recovery_fails_an_event_that_used_its_last_attempt(stored, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    event = stored()
    stranded(event, attempts=3)

    assert services.webhook_events_recover().failed == 1

    event.refresh_from_db()
    assert event.state == Status.FAILED


@pytest.mark.usefixtures("tasks_for_every_job")
def test_recovery_leaves_processing_events_within_their_lease_alone(stored):
    event = stored()
    stranded(event, lease_ago=-60)  # the lease ends in a minute

    assert not services.webhook_events_recover()
    event.refresh_from_db()
    assert event.state == Status.PROCESSING


def overdue(event, *, seconds=3600):
    WebhookEvent.objects.filter(pk=event.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


@pytest.mark.usefixtures("tasks_for_every_job")
def test_recovery_requeues_a_waiting_event_whose_task_was_lost(stored, run_worker, handler):
    missing = stored()
    DBTaskResult.objects.filter(id=missing.task_id).delete()
    dead = stored()
    DBTaskResult.objects.filter(id=dead.task_id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    for event in (missing, dead):
        overdue(event)

    assert services.webhook_events_recover().lost_tasks == 2

    assert DBTaskResult.objects.get(id=dead.task_id).status == TaskResultStatus.FAILED
    run_worker()
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {Status.PROCESSED}
    assert len(handler.calls) == 2


def test_recovery_leaves_a_queue_that_is_merely_behind_alone(stored):
    queued = stored()
    running = stored()
    DBTaskResult.objects.filter(id=running.task_id).update(status=TaskResultStatus.RUNNING, started_at=timezone.now())
    for event in (queued, running):
        overdue(event)
    tasks_before = DBTaskResult.objects.count()

    assert not services.webhook_events_recover()
    assert DBTaskResult.objects.count() == tasks_before


def test_recovery_does_nothing_without_the_database_queue(post_webhook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        post_webhook("products/update", {"id": 1})
    WebhookEvent.objects.update(state=Status.PROCESSING, lease_until=timezone.now() - datetime.timedelta(hours=1))

    assert not services.webhook_events_recover()


@pytest.mark.usefixtures("tasks_for_every_job")
def test_a_task_replaced_by_a_retry_does_nothing(stored, run_worker, handler):
    event = stored()
    replaced = event.task_id
    WebhookEvent.objects.filter(pk=event.pk).update(state=Status.RETRYING)
    assert services.webhook_events_retry(event_ids=[event.pk]) == 1

    assert run_worker() == 2

    assert DBTaskResult.objects.get(id=replaced).return_value == "superseded"
    event.refresh_from_db()
    assert event.state == Status.PROCESSED
    assert len(handler.calls) == 1


def test_a_claim_taken_over_meanwhile_does_not_run_the_handler(stored, handler):
    event = stored()
    claimed_event, claimed_handler, attempt = inbox._webhook_event_claim(event_id=event.pk)
    # Between the claim and the handler, recovery gave the event to another attempt.
    WebhookEvent.objects.filter(pk=event.pk).update(state=Status.RETRYING, attempts=attempt + 1)

    status = inbox._webhook_event_handle(event=claimed_event, handler=claimed_handler, attempt=attempt)

    assert status == Status.RETRYING
    assert handler.calls == []


def test_retry_requeues_failed_ignored_and_waiting_events_only(stored, run_worker, handler):
    handler.error = WebhookPayloadError("bad")
    failed = stored()
    run_worker()
    ignored = stored("products/update")
    run_worker()
    handler.error = None
    processed = stored()
    run_worker()

    assert services.webhook_events_retry(event_ids=[failed.pk, ignored.pk, processed.pk]) == 2

    failed.refresh_from_db()
    assert (failed.state, failed.attempts, len(failed.attempt_errors)) == (Status.PENDING, 0, 1)
    run_worker()
    failed.refresh_from_db()
    ignored.refresh_from_db()
    processed.refresh_from_db()
    assert failed.state == Status.PROCESSED
    assert ignored.state == Status.IGNORED  # still no handler for its topic
    assert processed.attempts == 1


def test_ignore_stops_waiting_events_but_not_finished_ones(stored, run_worker, handler):
    handler.error = RuntimeError("flaky")
    waiting = stored()
    run_worker()
    handler.error = None
    done = stored()
    run_worker()
    pending = stored()

    assert services.webhook_events_ignore(event_ids=[waiting.pk, done.pk, pending.pk]) == 2

    make_due(waiting)
    run_worker()
    statuses = dict(WebhookEvent.objects.values_list("pk", "state"))
    assert statuses == {waiting.pk: Status.IGNORED, done.pk: Status.PROCESSED, pending.pk: Status.IGNORED}
    assert len(handler.calls) == 2


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_recovery_skips_an_event_whose_handler_is_still_running(database_queue, post_webhook, settings):
    """A handler that outlives its lease holds the event's row lock: recovery must not steal it."""
    assert post_webhook(TOPIC, {"id": 1}).status_code == 200
    event = WebhookEvent.objects.get()
    WebhookEvent.objects.filter(pk=event.pk).update(
        state=Status.PROCESSING, attempts=1, lease_until=timezone.now() - datetime.timedelta(minutes=5)
    )
    locked = threading.Event()
    release = threading.Event()

    def long_handler_transaction():
        try:
            with transaction.atomic():
                list(WebhookEvent.objects.select_for_update().filter(pk=event.pk))
                locked.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    holder = threading.Thread(target=long_handler_transaction)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        assert not services.webhook_events_recover()
    finally:
        release.set()
        holder.join(timeout=20)

    assert services.webhook_events_recover().lost_workers == 1
