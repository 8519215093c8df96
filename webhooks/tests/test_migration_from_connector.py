"""The move of the inbox's models from the connector app (webhooks 0001, connector 0006) on a
database that has data: rows, staff permissions, admin history and queued tasks survive it,
and migrating back undoes it.

MySQL/MariaDB. The later migrations rename columns (webhooks 0002) and change the connector's
schema (connector 0007, 0008), which MySQL commits at once, so the tests run outside a
transaction and end with every migration applied again; SQLite's schema editor refuses to run
inside one."""

import datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from webhooks.models import CustomerDataExport, WebhookEvent
from webhooks.tasks import process_webhook_event

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

BEFORE_THE_MOVE = [("connector", "0005_shopify_session_search_indexes"), ("webhooks", None)]
AFTER_THE_MOVE = [("connector", "0006_webhook_models_move_to_webhooks"), ("webhooks", "0001_initial")]
OLD_TASK_PATH = "connector.tasks.process_webhook_event"
NEW_TASK_PATH = "webhooks.tasks.process_webhook_event"


def migrate(targets):
    """Migrate the test database to ``targets``; returns the models' state there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return MigrationExecutor(connection).loader.project_state([target for target in targets if target[1]]).apps


@pytest.fixture(autouse=True)
def all_migrations_applied_afterwards():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


def task_row(path, *, status="READY"):
    return DBTaskResult.objects.create(
        task_path=path,
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
    )


def test_rows_permissions_admin_history_and_queued_tasks_survive_the_move(database_queue):
    old_apps = migrate(BEFORE_THE_MOVE)
    OldWebhookEvent = old_apps.get_model("connector", "WebhookEvent")
    OldCustomerDataExport = old_apps.get_model("connector", "CustomerDataExport")
    events = [
        OldWebhookEvent.objects.create(
            shop="tienda.myshopify.com",
            topic="orders/create",
            event_id=f"event-{number}",
            webhook_id=f"webhook-{number}",
            payload={"id": number, "note": "Ñandú 😀"},
            status=status,
            triggered_at=timezone.now() - datetime.timedelta(minutes=number),
        )
        for number, status in enumerate(["pending", "processed", "failed"], start=1)
    ]
    export = OldCustomerDataExport.objects.create(
        shop="tienda.myshopify.com", customer_id="7", source_event_id=events[0].pk, document={"sections": {}}
    )
    event_type = ContentType.objects.get(app_label="connector", model="webhookevent")
    support = Group.objects.create(name="support")
    support.permissions.add(Permission.objects.get(content_type=event_type, codename="change_webhookevent"))
    agent = User.objects.create_user("agent", is_staff=True)
    agent.groups.add(support)
    LogEntry.objects.create(
        user=agent, content_type=event_type, object_id=str(events[2].pk), object_repr="#3", action_flag=CHANGE
    )
    queued = task_row(OLD_TASK_PATH)
    finished = task_row(OLD_TASK_PATH, status="SUCCESSFUL")
    other = task_row("shops.tasks.process_flow_delivery")

    migrate(AFTER_THE_MOVE)
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # and the inbox's later migrations

    assert list(WebhookEvent.objects.order_by("pk").values_list("pk", "event_id", "state", "payload")) == [
        (event.pk, event.event_id, event.status, event.payload) for event in events
    ]
    assert CustomerDataExport.objects.get().pk == export.pk
    assert ContentType.objects.get_for_model(WebhookEvent).pk == event_type.pk
    assert not ContentType.objects.filter(app_label="connector", model__in=["webhookevent", "customerdataexport"])
    assert User.objects.get(pk=agent.pk).has_perm("webhooks.change_webhookevent")
    assert LogEntry.objects.get().get_edited_object() == WebhookEvent.objects.get(pk=events[2].pk)
    queued.refresh_from_db()
    assert queued.task_path == NEW_TASK_PATH
    assert queued.task.func is process_webhook_event.func
    assert DBTaskResult.objects.get(pk=finished.pk).task_path == OLD_TASK_PATH  # never imported again
    assert DBTaskResult.objects.get(pk=other.pk).task_path == "shops.tasks.process_flow_delivery"


def test_migrating_back_returns_the_content_types_and_queued_tasks_to_the_connector_app():
    event_type = ContentType.objects.get_for_model(WebhookEvent)
    queued = task_row(NEW_TASK_PATH)

    migrate(BEFORE_THE_MOVE)

    assert ContentType.objects.get(pk=event_type.pk).app_label == "connector"
    assert ContentType.objects.get(app_label="connector", model="customerdataexport")
    queued.refresh_from_db()
    assert queued.task_path == OLD_TASK_PATH
