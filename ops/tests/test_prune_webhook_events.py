"""`manage.py prune_webhook_events --older-than 30d`."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

Status = WebhookEvent.Status


def event(number, *, days_old, status=Status.PROCESSED):
    stored = WebhookEvent.objects.create(
        shop="tienda.myshopify.com",
        topic="orders/create",
        event_id=f"e-{number}",
        webhook_id=f"w-{number}",
        payload={"id": number},
        state=status,
    )
    WebhookEvent.objects.filter(pk=stored.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_old))
    return stored


def prune(*args):
    out = StringIO()
    call_command("prune_webhook_events", *args, stdout=out)
    return out.getvalue().strip()


def test_prune_deletes_old_finished_events_in_batches_and_keeps_the_rest():
    for number, status in enumerate([Status.PROCESSED, Status.FAILED, Status.IGNORED] * 3):
        event(number, days_old=40, status=status)
    waiting = [event(100, days_old=40, status=Status.RETRYING), event(101, days_old=40, status=Status.PENDING)]
    recent = event(200, days_old=5)

    assert prune("--older-than", "30d", "--batch-size", "2") == "Deleted 9 finished webhook event(s) older than 30d."

    assert sorted(WebhookEvent.objects.values_list("pk", flat=True)) == sorted([*(e.pk for e in waiting), recent.pk])


def test_dry_run_counts_and_deletes_nothing():
    event(1, days_old=2)

    assert prune("--older-than", "24h", "--dry-run") == "Would delete 1 finished webhook event(s) older than 24h."
    assert WebhookEvent.objects.count() == 1


def test_nothing_old_enough_is_fine():
    event(1, days_old=1)

    assert prune("--older-than", "2d") == "Deleted 0 finished webhook event(s) older than 2d."
    assert prune("--older-than", "90m") == "Deleted 1 finished webhook event(s) older than 90m."


@pytest.mark.parametrize("age", ["30", "thirty days", "0d", "-1d", "5w"])
def test_a_bad_age_is_refused(age):
    with pytest.raises(CommandError, match="30d, 12h or 90m"):
        prune(f"--older-than={age}")
