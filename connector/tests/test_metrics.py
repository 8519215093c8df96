"""/metrics: Prometheus text for scaling out (queue depth, oldest due row), behind a token."""

import datetime

import pytest
from django.utils import timezone

from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def event(number, **columns):
    return WebhookEvent.objects.create(
        shop="a.myshopify.com", topic="orders/create", event_id=f"e-{number}", webhook_id="w", payload={}, **columns
    )


def test_metrics_are_off_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", TOKEN, "Basic " + TOKEN, "Bearer"])
def test_metrics_refuse_a_missing_or_wrong_token(client, token, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert b"connector_work" not in response.content


def test_metrics_show_each_polled_jobs_depth_and_oldest_due_row(client, token, database_queue):
    now = timezone.now()
    event(1, state="pending", next_attempt_at=now - datetime.timedelta(seconds=90))
    event(2, state="pending", next_attempt_at=now)
    event(3, state="retrying", next_attempt_at=now + datetime.timedelta(hours=1))  # not due
    event(4, state="processing", lease_until=now + datetime.timedelta(minutes=1))
    event(5, state="processed")  # finished rows are not counted

    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, HTTP_HOST="10.0.0.7")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'connector_work_rows{job="webhook_event",state="pending"} 2' in text
    assert 'connector_work_rows{job="webhook_event",state="retrying"} 1' in text
    assert 'connector_work_rows{job="webhook_event",state="processing"} 1' in text
    assert 'connector_work_due{job="webhook_event"} 2' in text
    assert 'connector_work_due{job="flow_delivery"} 0' in text
    oldest = next(
        line for line in text.splitlines() if line.startswith('connector_work_oldest_due_seconds{job="webhook_event"}')
    )
    assert 89 <= float(oldest.split()[-1]) < 120
    assert "# TYPE connector_tasks_ready gauge" in text
