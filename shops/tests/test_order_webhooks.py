"""orders/create and checkouts/* webhooks end to end: intake → inbox → worker → Ecomdrop."""

import datetime

import pytest
from django.utils import timezone

from shops.maintenance import recover_flow_deliveries
from shops.models import FlowDelivery
from shops.personal_data import anonymise_flow_deliveries, export_flow_deliveries
from shops.services import deliveries
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import checkout_payload, order_payload
from webhooks.models import WebhookEvent
from webhooks.privacy import Customer

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"


@pytest.fixture
def account(ecomdrop_simulator):
    account = ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(
        shop=SHOP,
        ecomdrop_api_key=KEY,
        nuevo_pedido_flow_id="9001",
        carrito_abandonado_flow_id="9002",
        installed_at=timezone.now(),
    )
    return account


@pytest.mark.usefixtures("tasks_for_every_job")
def test_an_order_webhook_sends_the_nuevo_pedido_flow_once_even_when_delivered_twice(account, post_webhook, run_worker):
    order = order_payload(name="#1050")

    first = post_webhook("orders/create", order, event_id="evt-1")
    second = post_webhook("orders/create", order, event_id="evt-1")  # Shopify's retry
    third = post_webhook("orders/create", order, event_id="evt-2")  # another event, same order
    ran = run_worker()

    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 200)
    assert ran >= 3  # two events + one delivery
    assert WebhookEvent.objects.filter(topic="orders/create").count() == 2
    delivery = FlowDelivery.objects.get(shop=SHOP)
    assert delivery.state == FlowDelivery.Status.SENT
    assert delivery.order_name == "#1050"
    assert len(account.sends) == 1
    assert account.sends[0][1] == "9001"


def test_an_order_without_id_fails_the_event_without_retrying(account, post_webhook, run_worker):
    post_webhook("orders/create", {"name": "#1"})
    run_worker()

    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.Status.FAILED
    assert event.attempts == 1
    assert not FlowDelivery.objects.exists()


@pytest.mark.usefixtures("tasks_for_every_job")
def test_checkout_webhooks_make_one_abandoned_cart_delivery_due_after_the_delay(account, post_webhook, run_worker):
    checkout = checkout_payload()

    post_webhook("checkouts/create", checkout)
    post_webhook("checkouts/update", {**checkout, "total_price": "260.00"})
    run_worker()

    delivery = FlowDelivery.objects.get(shop=SHOP)
    assert delivery.kind == FlowDelivery.Kind.CART_ABANDONED
    assert delivery.state == FlowDelivery.Status.PENDING
    assert delivery.fields["order_total"] == "260.00"
    assert account.sends == []
    from django_tasks_db.models import DBTaskResult

    past = timezone.now() - datetime.timedelta(seconds=1)
    deferred = DBTaskResult.objects.filter(task_path="shops.tasks.process_flow_delivery")
    assert deferred.count() == 1
    assert deferred.get().run_after > timezone.now() + datetime.timedelta(minutes=55)
    FlowDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=past)
    deferred.update(run_after=past)  # an hour later…
    run_worker()
    delivery.refresh_from_db()
    assert delivery.state == FlowDelivery.Status.SENT
    assert account.sends[0][1] == "9002"


@pytest.mark.usefixtures("tasks_for_every_job")
def test_lost_delivery_tasks_are_queued_again_by_the_maintenance_sweep(account, database_queue, run_worker):
    from django_tasks_db.models import DBTaskResult

    delivery, _ = deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload())
    DBTaskResult.objects.all().delete()  # the task is lost (e.g. with its worker)
    FlowDelivery.objects.filter(pk=delivery.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=10))

    summary = recover_flow_deliveries()
    run_worker()

    assert summary == {"requeued_overdue": 1}
    delivery.refresh_from_db()
    assert delivery.state == FlowDelivery.Status.SENT


@pytest.mark.usefixtures("tasks_for_every_job")
def test_a_backlog_is_not_queued_twice_by_the_maintenance_sweep(account, database_queue, run_worker):
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload())  # still waiting in the queue
    taken, _ = deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload())
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    FlowDelivery.objects.update(updated_at=long_ago)  # the workers are 10 minutes behind
    # The second one's task was taken by a worker that died before claiming the delivery.
    DBTaskResult.objects.filter(id=FlowDelivery.objects.get(pk=taken.pk).task_id).update(
        status=TaskResultStatus.RUNNING, started_at=long_ago
    )

    summary = recover_flow_deliveries()
    again = recover_flow_deliveries()

    assert summary == {"requeued_overdue": 1}
    assert again == {}
    tasks = DBTaskResult.objects.filter(task_path="shops.tasks.process_flow_delivery")
    assert tasks.count() == 3
    assert tasks.filter(status=TaskResultStatus.FAILED).count() == 1  # the dead worker's task, closed
    run_worker()
    assert set(FlowDelivery.objects.values_list("state", flat=True)) == {FlowDelivery.Status.SENT}
    assert len(account.sends) == 2


def test_a_customer_data_request_includes_their_deliveries_and_redact_blanks_them(account, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    mine, _ = deliveries.flow_delivery_record_order(
        shop=SHOP, order=order_payload(customer={"id": 42, "phone": "+573001112233", "email": "ana@example.com"})
    )
    theirs, _ = deliveries.flow_delivery_record_order(
        shop=SHOP, order=order_payload(customer={"id": 43}, email="luis@x.co")
    )
    customer = Customer(shopify_id="42", email="", phone="", order_ids=frozenset())

    exported = export_flow_deliveries(shop=SHOP, customer=customer)
    by_email = export_flow_deliveries(shop=SHOP, customer=Customer(email="ana@example.com"))
    changed = anonymise_flow_deliveries(shop=SHOP, customer=customer)

    assert [row["id"] for row in exported] == [mine.pk]
    assert exported[0]["phone"] == "+573001234567"
    assert [row["id"] for row in by_email] == [mine.pk]
    assert changed == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.phone, mine.email, mine.fields, mine.contact) == (None, None, {}, {})
    assert mine.state == FlowDelivery.Status.PENDING
    assert theirs.phone is not None


@pytest.mark.usefixtures("tasks_for_every_job")
def test_a_delivery_of_a_dead_worker_is_queued_again_and_its_task_row_closed(account, database_queue, run_worker):
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    delivery, _ = deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload())
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    dead_task = FlowDelivery.objects.get(pk=delivery.pk).task_id
    DBTaskResult.objects.filter(id=dead_task).update(status=TaskResultStatus.RUNNING, started_at=long_ago)
    FlowDelivery.objects.filter(pk=delivery.pk).update(
        state=FlowDelivery.Status.PROCESSING, lease_owner="dead-worker", lease_until=long_ago
    )

    summary = recover_flow_deliveries()
    run_worker()

    assert summary == {"requeued": 1}
    assert DBTaskResult.objects.get(id=dead_task).status == TaskResultStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.state == FlowDelivery.Status.SENT
    assert len(account.sends) == 1
