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
