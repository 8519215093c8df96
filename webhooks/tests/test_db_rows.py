"""The hand-written INSERT of the webhook intake (``connector.db_rows``) writes what the ORM
would: defaults, times, JSON, and the ORM's error for a duplicate."""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from connector.db_rows import insert_instance
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def test_a_row_is_written_as_the_orm_would_write_it():
    before = timezone.now()
    payload = {"id": 1, "name": "#1001", "nested": {"ñ": [1, 2]}}
    triggered = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)

    pk = insert_instance(
        WebhookEvent,
        {
            "shop": "a.myshopify.com",
            "topic": "orders/create",
            "event_id": "e-1",
            "payload": payload,
            "triggered_at": triggered,
        },
    ).pk

    event = WebhookEvent.objects.get(pk=pk)
    assert event.payload == payload
    assert event.triggered_at == triggered
    assert event.state == WebhookEvent.Status.PENDING  # the model's default
    assert event.attempts == 0
    assert event.attempt_errors == []
    assert event.created_at >= before  # auto_now fields: the insert's time
    assert event.updated_at >= before
    assert event.task_id is None


def test_a_duplicate_raises_the_orms_integrity_error():
    row = {"shop": "a.myshopify.com", "topic": "orders/create", "event_id": "e-1", "payload": {}}
    insert_instance(WebhookEvent, row)

    with pytest.raises(IntegrityError):
        insert_instance(WebhookEvent, row)
    assert WebhookEvent.objects.count() == 1


def test_an_unknown_field_is_refused_before_anything_is_written():
    with pytest.raises(TypeError, match="colour"):
        insert_instance(
            WebhookEvent, {"shop": "a.myshopify.com", "topic": "t", "event_id": "e", "payload": {}, "colour": 1}
        )
    assert not WebhookEvent.objects.exists()


def test_an_inserted_instance_is_as_create_returns_it_and_saves_as_an_update():
    event = insert_instance(
        WebhookEvent, {"shop": "a.myshopify.com", "topic": "t", "event_id": "e", "payload": {"a": 1}}
    )

    assert event.pk is not None
    assert event.state == WebhookEvent.Status.PENDING
    assert event.created_at is not None
    event.state = WebhookEvent.Status.PROCESSED
    event.save()  # an UPDATE of the same row, not a second INSERT
    assert list(WebhookEvent.objects.values_list("pk", "state", "payload")) == [
        (event.pk, WebhookEvent.Status.PROCESSED, {"a": 1})
    ]


def _event(number):
    return {"shop": "a.myshopify.com", "topic": "orders/create", "event_id": f"e-{number}", "payload": {}}


def test_a_refused_duplicate_is_none_and_the_callers_transaction_goes_on_without_a_savepoint():
    """MySQL/MariaDB and SQLite undo only the refused INSERT: the transaction keeps what it
    wrote before and after, with no SAVEPOINT/RELEASE round trips per insert."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from connector.db_rows import insert_unless_duplicate

    insert_instance(WebhookEvent, _event(1))
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        before = insert_unless_duplicate(WebhookEvent, _event(2))
        refused = insert_unless_duplicate(WebhookEvent, _event(1))
        after = insert_unless_duplicate(WebhookEvent, _event(3))

    assert refused is None
    assert before is not None
    assert after is not None
    assert sorted(WebhookEvent.objects.values_list("event_id", flat=True)) == ["e-1", "e-2", "e-3"]
    assert not [query["sql"] for query in queries.captured_queries if "SAVEPOINT" in query["sql"].upper()]


def test_on_a_database_whose_refusal_breaks_the_transaction_a_savepoint_guards_it(monkeypatch):
    """Elsewhere (PostgreSQL aborts the whole transaction on a refused statement) the insert
    runs in a savepoint, as ``transaction.atomic`` nested does."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from connector import db_rows

    monkeypatch.setattr(db_rows, "STATEMENT_ROLLBACK_VENDORS", frozenset())
    insert_instance(WebhookEvent, _event(1))
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert db_rows.insert_unless_duplicate(WebhookEvent, _event(1)) is None

    assert [query["sql"] for query in queries.captured_queries if "SAVEPOINT" in query["sql"].upper()]
