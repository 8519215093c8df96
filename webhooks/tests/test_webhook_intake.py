"""POST /webhooks: verify, store, queue, 200 — and every bad delivery refused, storing nothing."""

import json
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from connector.shopify.webhooks import MAX_BODY_BYTES, signed_delivery_headers, webhook_signature
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
ORDER = {"id": 820982911946154508, "name": "#1001", "email": "jon@example.com", "total_price": "199.00"}


def nothing_stored():
    return not WebhookEvent.objects.exists() and not DBTaskResult.objects.exists()


def test_a_signed_delivery_is_stored_queued_and_answered_200(database_queue, post_webhook):
    response = post_webhook(
        "orders/create", ORDER, event_id="event-1", webhook_id="webhook-1", triggered_at="2026-03-29T18:00:27Z"
    )

    assert response.status_code == 200
    assert response.content == b""
    event = WebhookEvent.objects.get()
    assert (event.topic, event.shop, event.event_id, event.webhook_id) == (
        "orders/create",
        SHOP,
        "event-1",
        "webhook-1",
    )
    assert event.api_version == "2026-10"
    assert event.triggered_at.isoformat() == "2026-03-29T18:00:27+00:00"
    assert event.payload == ORDER
    assert event.state == WebhookEvent.Status.PENDING
    assert event.attempts == 0
    # The event is polled (settings.WORKER_POLLED_JOBS): the row, pending and due, is the queue.
    assert event.next_attempt_at is not None
    assert event.task_id is None
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_delivery_is_one_insert_and_nothing_else(database_queue, post_webhook):
    with CaptureQueriesContext(connection) as queries:
        assert post_webhook("orders/create", ORDER, event_id="one-write").status_code == 200

    writes = [query["sql"] for query in queries.captured_queries if not query["sql"].startswith("SELECT")]
    assert len(writes) == 1
    assert writes[0].startswith(f"INSERT INTO {connection.ops.quote_name('connector_webhook_event')}")
    assert WebhookEvent.objects.get().event_id == "one-write"


def test_a_job_that_is_not_polled_gets_its_task_with_the_event(database_queue, post_webhook, settings):
    settings.WORKER_POLLED_JOBS = []
    post_webhook("orders/create", ORDER, event_id="event-1")

    event = WebhookEvent.objects.get()
    task = DBTaskResult.objects.get()
    assert task.id == event.task_id  # the task finds its event by this id
    assert task.task_path == "webhooks.tasks.process_webhook_event"
    assert task.args_kwargs == {"args": [], "kwargs": {}}


@pytest.mark.parametrize("path", ["/webhooks", "/webhooks/", "/webhooks/orders/create", "/webhooks/app/uninstalled"])
def test_the_old_per_topic_paths_keep_working_and_the_header_decides_the_topic(database_queue, post_webhook, path):
    response = post_webhook("orders/create", ORDER, path=path)

    assert response.status_code == 200
    assert WebhookEvent.objects.get().topic == "orders/create"


def test_a_repeated_delivery_of_the_same_event_stores_nothing_new(database_queue, post_webhook):
    first = post_webhook("orders/create", ORDER, event_id="same-event", webhook_id="delivery-1")
    # Shopify's retry: same event id, a new webhook id.
    second = post_webhook("orders/create", ORDER, event_id="same-event", webhook_id="delivery-2")
    third = post_webhook("orders/create", ORDER, event_id="same-event", webhook_id="delivery-1")

    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 200]
    assert WebhookEvent.objects.get().webhook_id == "delivery-1"
    assert not DBTaskResult.objects.exists()


def test_without_an_event_id_a_repeated_webhook_id_is_the_duplicate(database_queue, post_webhook):
    for _ in range(2):
        assert post_webhook(body=b"{}", webhook_id="only-id", drop=("X-Shopify-Event-Id",)).status_code == 200

    assert WebhookEvent.objects.get().event_id == "only-id"


def test_the_same_event_id_in_another_shop_or_topic_is_another_event(database_queue, post_webhook):
    post_webhook("orders/create", ORDER, event_id="shared")
    post_webhook("orders/create", ORDER, event_id="shared", shop="otra.myshopify.com")
    post_webhook("checkouts/create", ORDER, event_id="shared")

    assert WebhookEvent.objects.count() == 3


@pytest.mark.parametrize(
    ("description", "options", "status"),
    [
        ("missing signature", {"drop": ("X-Shopify-Hmac-Sha256",)}, 401),
        ("wrong signature", {"headers": {"X-Shopify-Hmac-Sha256": "bm90IHRoZSBzaWduYXR1cmU="}}, 401),
        ("missing topic", {"drop": ("X-Shopify-Topic",)}, 400),
        ("missing shop", {"drop": ("X-Shopify-Shop-Domain",)}, 400),
        ("shop not on myshopify.com", {"shop": "tienda.example.com"}, 400),
        ("shop look-alike", {"shop": "tienda.myshopify.com.evil.io"}, 400),
        ("no delivery id at all", {"drop": ("X-Shopify-Webhook-Id", "X-Shopify-Event-Id")}, 400),
        ("invalid JSON with a valid signature", {"body": b'{"id": 1,'}, 400),
        ("JSON that is not an object", {"body": b"[1, 2, 3]"}, 400),
        ("NaN is not JSON", {"body": b'{"id": NaN}'}, 400),
        ("unpaired surrogate", {"body": b'{"note": "\\ud800"}'}, 400),
    ],
)
def test_bad_deliveries_get_a_clear_status_and_store_nothing(
    database_queue, post_webhook, description, options, status
):
    response = post_webhook("orders/create", ORDER, **options)

    assert response.status_code == status, description
    assert response["Content-Type"].startswith("text/plain")
    assert nothing_stored()


def test_a_signature_of_a_different_body_is_a_401(database_queue, post_webhook, settings):
    other_body = json.dumps({**ORDER, "total_price": "1.00"}).encode()
    signature_of_other = webhook_signature(other_body, secret=settings.SHOPIFY_API_SECRET)

    response = post_webhook("orders/create", ORDER, headers={"X-Shopify-Hmac-Sha256": signature_of_other})

    assert response.status_code == 401
    assert nothing_stored()


def test_a_signature_made_with_another_secret_is_a_401(database_queue, post_webhook):
    body = json.dumps(ORDER).encode()

    response = post_webhook(body=body, headers={"X-Shopify-Hmac-Sha256": webhook_signature(body, secret="not-ours")})

    assert response.status_code == 401
    assert nothing_stored()


def test_a_body_above_2_mb_is_refused_with_413_before_it_is_checked(database_queue, post_webhook):
    padding = "x" * MAX_BODY_BYTES
    response = post_webhook(body=json.dumps({"id": 1, "note": padding}).encode())

    assert response.status_code == 413
    assert nothing_stored()


def test_a_body_of_exactly_2_mb_is_accepted(database_queue, post_webhook):
    skeleton = len(json.dumps({"id": 1, "note": ""}).encode())
    body = json.dumps({"id": 1, "note": "x" * (MAX_BODY_BYTES - skeleton)}).encode()
    assert len(body) == MAX_BODY_BYTES

    assert post_webhook(body=body).status_code == 200


def test_the_intake_answers_before_the_middleware_it_does_not_need(database_queue, post_webhook):
    # The busiest address (every Shopify webhook): no session, user, locale, CSRF, messages,
    # framing policy or login guard; the signature authenticates it. Security headers stay.
    response = post_webhook("orders/create", ORDER)

    assert response.status_code == 200
    assert "Content-Language" not in response  # LocaleMiddleware did not run
    assert "X-Frame-Options" not in response  # nor the framing middleware
    assert response["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware did
    assert WebhookEvent.objects.count() == 1


def test_a_delivery_to_a_host_not_allowed_is_a_400_and_stores_nothing(database_queue, post_webhook, settings):
    settings.ALLOWED_HOSTS = ["connector.test"]

    response = post_webhook("orders/create", ORDER, http_client=Client(HTTP_HOST="elsewhere.example"))

    assert response.status_code == 400
    assert nothing_stored()


def test_a_failure_while_storing_is_a_500_that_stores_nothing(database_queue, post_webhook, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("webhooks.services.webhook_event_receive", broken)

    response = post_webhook("orders/create", ORDER, http_client=Client(raise_request_exception=False))

    assert response.status_code == 500  # Shopify delivers it again later
    assert nothing_stored()
    assert any(record.name == "django.request" and record.levelname == "ERROR" for record in caplog.records)


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "head"])
def test_only_post_is_allowed(client, method):
    response = getattr(client, method)("/webhooks")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert nothing_stored()


def test_no_csrf_token_is_needed(database_queue, post_webhook, settings):
    csrf_checking_client = Client(enforce_csrf_checks=True)

    assert post_webhook("orders/create", ORDER, http_client=csrf_checking_client).status_code == 200


def test_refusals_and_storage_never_log_the_payload_or_the_signature(database_queue, post_webhook, caplog, settings):
    caplog.set_level("DEBUG")
    body = json.dumps(ORDER).encode()
    signature = signed_delivery_headers(
        body, secret=settings.SHOPIFY_API_SECRET, topic="orders/create", shop=SHOP, webhook_id="w"
    )["X-Shopify-Hmac-Sha256"]

    post_webhook("orders/create", ORDER)
    post_webhook("orders/create", ORDER, headers={"X-Shopify-Hmac-Sha256": "wrong"})
    post_webhook(body=b"{broken", shop=SHOP)

    logged = caplog.text + " ".join(str(record.__dict__) for record in caplog.records)
    assert "jon@example.com" not in logged
    assert signature not in logged
    assert "broken" not in logged


def test_unusual_but_valid_json_is_stored_as_received(database_queue, post_webhook):
    payload = {"note": "emoji 😀 \u00f1 \u0000 \\ud800", "big": 10**30, "nested": [[[{"a": None}]]], "": ""}

    # A topic stored whole (orders/create is stored reduced: shops/tests/test_payload_minimisation.py).
    assert post_webhook("checkouts/create", body=json.dumps(payload).encode()).status_code == 200

    assert WebhookEvent.objects.get().payload == payload


def test_deliveries_for_a_shop_that_never_installed_are_stored(database_queue, post_webhook):
    assert post_webhook("orders/create", ORDER, shop="nunca-instalo.myshopify.com").status_code == 200

    assert WebhookEvent.objects.get().shop == "nunca-instalo.myshopify.com"


def test_with_an_inline_queue_the_event_is_processed_after_the_commit(post_webhook, django_capture_on_commit_callbacks):
    # TASKS_BACKEND=immediate (local use without a worker): processing runs once the row is committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook("app/scopes_update", {"current": ["read_orders"]})

    assert response.status_code == 200
    assert WebhookEvent.objects.get().state == WebhookEvent.Status.PROCESSED


def explode(**kwargs):
    raise RuntimeError("handler bug")


def test_a_failing_handler_with_an_inline_queue_still_answers_200(
    post_webhook, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOK_HANDLERS = {**settings.WEBHOOK_HANDLERS, "orders/create": f"{__name__}.explode"}
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook("orders/create", ORDER)

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.Status.RETRYING
    assert "handler bug" in event.last_error


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_store_it_exactly_once(database_queue, settings):
    threads_count = 8
    body = json.dumps(ORDER).encode()
    barrier = threading.Barrier(threads_count)
    statuses = []
    lock = threading.Lock()

    def deliver(number):
        headers = signed_delivery_headers(
            body,
            secret=settings.SHOPIFY_API_SECRET,
            topic="orders/create",
            shop=SHOP,
            webhook_id=str(uuid.uuid4()),
            event_id="raced-event",
        )
        content_type = headers.pop("Content-Type")
        try:
            barrier.wait(timeout=10)
            response = Client().generic("POST", "/webhooks", body, content_type=content_type, headers=headers)
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(number,)) for number in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [200] * threads_count
    assert WebhookEvent.objects.filter(event_id="raced-event").count() == 1
    assert not DBTaskResult.objects.exists()


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_a_connection_that_stored_a_webhook_a_moment_ago_is_not_pinged_before_the_next(
    database_queue, post_webhook, monkeypatch
):
    """Django's health check pings the connection once per request; in a burst the intake's
    requests follow each other within milliseconds, so a connection that stored a webhook just
    now is not pinged again. An idle one is, and a refused delivery (no write) does not count."""
    from django.core.signals import request_started
    from django.db.backends.mysql.base import DatabaseWrapper

    from connector import db_connections

    pings = []
    real_is_usable = DatabaseWrapper.is_usable

    def counted(self):
        pings.append(1)
        return real_is_usable(self)

    def rearmed(**kwargs):  # what Django's close_old_connections does at each request's start
        connection.health_check_done = False

    monkeypatch.setattr(DatabaseWrapper, "is_usable", counted)
    monkeypatch.setattr(db_connections._used, "at", None, raising=False)
    request_started.connect(rearmed)
    try:
        connection.ensure_connection()

        def pings_of(**post):
            before = len(pings)
            post_webhook("orders/create", ORDER, **post)
            return len(pings) - before

        assert pings_of() == 1  # no webhook stored on this connection yet
        assert pings_of() == 0  # one stored just now
        db_connections._used.at -= 60  # a minute idle
        forged = {"X-Shopify-Hmac-Sha256": "bm90IHRoZSBzaWduYXR1cmU="}
        assert pings_of(headers=forged) == 0  # refused before any query: the connection is not "used"
        assert pings_of() == 1
        monkeypatch.setattr(db_connections, "FRESH_CONNECTION_SECONDS", 0.0)
        assert pings_of() == 1  # idle for longer than the threshold
    finally:
        request_started.disconnect(rearmed)
    assert WebhookEvent.objects.count() == 4
