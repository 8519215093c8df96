"""The admin console's webhook inbox and customer data exports."""

import json
import re
import uuid

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from webhooks.models import CustomerDataExport, WebhookEvent

pytestmark = pytest.mark.django_db

SHOP = "tienda-uno.myshopify.com"
Status = WebhookEvent.Status
CHANGELIST = reverse("admin:webhooks_webhookevent_changelist")
PAYLOAD = {
    "id": 1001,
    "name": "#1001",
    "email": "buyer@example.com",
    "phone": "+573001112233",
    "customer": {"id": 5, "first_name": "Ana", "last_name": "Pérez"},
    "shipping_address": {"name": "Ana Pérez", "address1": "Calle 10 # 4-20", "city": "Cali", "country": "CO"},
}


def event(number, *, shop=SHOP, topic="orders/create", state=Status.PROCESSED, **fields):
    return WebhookEvent.objects.create(
        shop=shop,
        topic=topic,
        event_id=f"event-{number}",
        webhook_id=f"webhook-{number}",
        payload=PAYLOAD,
        state=state,
        **fields,
    )


def ids(response):
    return sorted(row.pk for row in response.context["cl"].result_list)


def test_the_inbox_lists_filters_and_searches(admin_client):
    first = event(1, state=Status.FAILED, attempts=8)
    second = event(2, topic="app/uninstalled")
    third = event(3, shop="otra.myshopify.com", state=Status.IGNORED)

    assert ids(admin_client.get(CHANGELIST)) == [first.pk, second.pk, third.pk]
    assert ids(admin_client.get(CHANGELIST, {"state__exact": "failed"})) == [first.pk]
    assert ids(admin_client.get(CHANGELIST, {"topic": "app/uninstalled"})) == [second.pk]
    assert ids(admin_client.get(CHANGELIST, {"shop": "otra"})) == [third.pk]
    assert ids(admin_client.get(CHANGELIST, {"shop": "OTRA.myshopify.com"})) == [third.pk]
    assert ids(admin_client.get(CHANGELIST, {"q": "tienda-uno"})) == [first.pk, second.pk]
    assert ids(admin_client.get(CHANGELIST, {"q": "event-2"})) == [second.pk]
    assert ids(admin_client.get(CHANGELIST, {"q": "webhook-3"})) == [third.pk]
    assert ids(admin_client.get(CHANGELIST, {"q": str(first.pk)})) == [first.pk]
    WebhookEvent.objects.filter(pk=second.pk).update(task_id="4f1c9a52-4a3b-4d7e-9a39-8f2b1a6c0d11")
    assert ids(admin_client.get(CHANGELIST, {"q": "4f1c9a52-4a3b-4d7e-9a39-8f2b1a6c0d11"})) == [second.pk]
    year = first.created_at.year
    assert ids(admin_client.get(CHANGELIST, {"created_at__year": year, "state__exact": "ignored"})) == [third.pk]
    page = admin_client.get(CHANGELIST, {"state__exact": "failed", "shop": SHOP}).content.decode()
    assert 'name="state__exact" value="failed"' in page  # the shop box keeps the other filters


def test_the_changelist_costs_the_same_queries_for_3_or_60_events(admin_client):
    for number in range(3):
        event(number)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(CHANGELIST)
    for number in range(3, 60):
        event(number, shop=f"shop-{number}.myshopify.com")
    with CaptureQueriesContext(connection) as many:
        admin_client.get(CHANGELIST)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert not any("DISTINCT" in query["sql"].upper() for query in many.captured_queries)


BIG_COLUMNS = re.compile(r"\b(payload|last_error|attempt_errors)\b")


def event_queries(captured):
    return [query["sql"] for query in captured.captured_queries if "connector_webhook_event" in query["sql"]]


def test_the_changelist_never_reads_payloads_or_error_texts(admin_client):
    for number in range(3):
        event(number, state=Status.FAILED, last_error="RuntimeError: boom", attempt_errors=[{"error": "boom"}])

    with CaptureQueriesContext(connection) as listing:
        response = admin_client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as filtered:
        admin_client.get(CHANGELIST, {"state__exact": "failed", "q": SHOP})

    assert len(response.context["cl"].result_list) == 3
    for captured in (listing, filtered):
        queries = event_queries(captured)
        assert any("ORDER BY" in sql.upper() for sql in queries)  # the rows were read…
        assert [sql for sql in queries if BIG_COLUMNS.search(sql)] == []  # …without the big columns


def test_the_event_page_still_reads_payload_and_errors(admin_client):
    stored = event(1, state=Status.FAILED, last_error="RuntimeError: boom")

    with CaptureQueriesContext(connection) as captured:
        page = admin_client.get(reverse("admin:webhooks_webhookevent_change", args=[stored.pk]))

    assert page.status_code == 200
    assert any(BIG_COLUMNS.search(sql) for sql in event_queries(captured))
    assert "RuntimeError: boom" in page.content.decode()


def test_the_event_page_shows_the_payload_with_personal_data_masked(admin_client):
    stored = event(
        1,
        state=Status.RETRYING,
        attempts=2,
        last_error="RuntimeError: boom",
        attempt_errors=[
            {"attempt": 1, "at": "2026-01-01T00:00:00+00:00", "error": "ShopifyUnavailable: 503", "retryable": True},
            {"attempt": 2, "at": "2026-01-01T00:01:00+00:00", "error": "RuntimeError: boom", "retryable": True},
        ],
    )

    page = admin_client.get(reverse("admin:webhooks_webhookevent_change", args=[stored.pk])).content.decode()

    for personal in ("buyer@example.com", "3001112233", "Ana", "Pérez", "Calle 10", "Cali"):
        assert personal not in page
    assert "#1001" in page
    assert "ShopifyUnavailable: 503" in page
    assert "RuntimeError: boom" in page
    assert 'name="_save"' not in page  # read-only


def test_events_cannot_be_added_or_deleted_in_bulk(admin_client):
    event(1)

    assert admin_client.get(reverse("admin:webhooks_webhookevent_add")).status_code == 403
    actions = admin_client.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert [(name, str(label)) for name, label in actions if name] == [
        ("retry_events", "Reintentar"),
        ("ignore_events", "Marcar como ignorado"),
    ]


def test_retry_and_ignore_actions_call_the_services(admin_client, database_queue):
    failed = event(1, state=Status.FAILED, attempts=8)
    processed = event(2)
    waiting = event(3, state=Status.PENDING)

    response = admin_client.post(
        CHANGELIST,
        {"action": "retry_events", "_selected_action": [failed.pk, processed.pk]},
        headers={"Accept-Language": "en"},
        follow=True,
    )
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [
        "Queued 1 event for processing. 1 was left alone (only failed, ignored or waiting events are retried)."
    ]
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (Status.PENDING, 0)
    assert failed.task_id is None  # polled: pending and due, the row is queued as it is
    assert WebhookEvent.objects.filter(pk=failed.pk, state=Status.PENDING, lease_until__isnull=True).exists()

    admin_client.post(CHANGELIST, {"action": "ignore_events", "_selected_action": [waiting.pk, processed.pk]})
    waiting.refresh_from_db()
    processed.refresh_from_db()
    assert (waiting.state, processed.state) == (Status.IGNORED, Status.PROCESSED)


def test_staff_who_may_only_view_cannot_retry(client, database_queue):
    viewer = User.objects.create_user("soporte", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookevent"))
    client.force_login(viewer)
    failed = event(1, state=Status.FAILED)

    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "retry_events" not in response.content.decode()
    client.post(CHANGELIST, {"action": "retry_events", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.state == Status.FAILED


def test_a_data_export_is_shown_and_downloadable_but_not_editable(admin_client):
    document = {"customer": {"id": "7", "email": "buyer@example.com"}, "sections": {"webhook_events": []}}
    export = CustomerDataExport.objects.create(shop=SHOP, customer_id="7", document=document, source_event_id=123)

    listing = admin_client.get(reverse("admin:webhooks_customerdataexport_changelist"), {"q": "7"})
    page = admin_client.get(reverse("admin:webhooks_customerdataexport_change", args=[export.pk])).content.decode()
    download = admin_client.get(reverse("admin:webhooks_customerdataexport_download", args=[export.pk]))

    assert listing.context["cl"].result_count == 1
    assert "buyer@example.com" in page  # the export is the customer's data, for the operator
    assert reverse("admin:webhooks_webhookevent_change", args=[123]) in page
    assert 'name="_save"' not in page
    assert download["Content-Disposition"] == f'attachment; filename="customer-data-export-{export.pk}.json"'
    assert json.loads(download.content) == document
    assert admin_client.get(reverse("admin:webhooks_customerdataexport_add")).status_code == 403
    assert admin_client.get(reverse("admin:webhooks_customerdataexport_download", args=[999])).status_code == 404


def test_the_shop_links_lead_to_its_webhook_events(admin_client):
    stored = event(1)

    page = admin_client.get(reverse("admin:webhooks_webhookevent_change", args=[stored.pk])).content.decode()

    assert f"{CHANGELIST}?shop={SHOP}" in page


def test_bookmarks_of_the_inbox_under_its_old_app_label_open_the_same_pages(admin_client):
    stored = event(1)
    export = CustomerDataExport.objects.create(shop=SHOP, customer_id="7", document={})

    moved = {
        f"/admin/connector/webhookevent/?status=failed&q={SHOP}": f"{CHANGELIST}?status=failed&q={SHOP}",
        f"/admin/connector/webhookevent/{stored.pk}/change/": reverse(
            "admin:webhooks_webhookevent_change", args=[stored.pk]
        ),
        f"/admin/connector/customerdataexport/{export.pk}/download/": reverse(
            "admin:webhooks_customerdataexport_download", args=[export.pk]
        ),
    }
    for old, new in moved.items():
        response = admin_client.get(old)
        assert response.status_code == 301
        assert response["Location"] == new
        assert admin_client.get(new).status_code == 200
    assert admin_client.get("/admin/connector/shopifysession/").status_code == 200


def test_an_event_page_links_to_its_queued_task(admin_client):
    task_id = uuid.uuid4()
    stored = event(1, state=Status.PENDING, task_id=task_id)

    page = admin_client.get(reverse("admin:webhooks_webhookevent_change", args=[stored.pk]))

    assert page.status_code == 200
    assert reverse("admin:django_tasks_database_dbtaskresult_change", args=[task_id]) in page.content.decode()
