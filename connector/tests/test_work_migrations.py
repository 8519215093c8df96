"""The migrations that put the four background jobs on the leased-work machine (webhooks 0002,
shops 0007, assistant 0004, themes 0003), on a MariaDB database that has rows in flight: the
renamed columns keep every value, the new ones start empty, and migrating back restores the
old names with the same values.

MySQL/MariaDB only: the renames are DDL, which MySQL commits at once, so the test runs outside
a transaction and ends with every migration applied again."""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

BEFORE = [
    ("webhooks", "0001_initial"),
    ("shops", "0006_ecomdrop_account_id"),
    ("assistant", "0003_seed_ai_bot_fields"),
    ("themes", "0002_theme_install_unconfirmed_error"),
]
AFTER = [
    ("webhooks", "0002_webhook_event_leased_work"),
    ("shops", "0007_flow_delivery_leased_work"),
    ("assistant", "0004_ai_profile_sync_leased_work"),
    ("themes", "0003_theme_install_leased_work"),
]
SHOP = "tienda.myshopify.com"


def migrate(targets):
    """Migrate the test database to ``targets``; returns the models' state there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def all_migrations_applied_afterwards():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def columns(table):
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


def rows_in_flight(apps):
    """One row of each job as the old columns held it, mid-work."""
    now = timezone.now()
    lease = now + datetime.timedelta(minutes=2)
    task = uuid.uuid4()
    event = apps.get_model("webhooks", "WebhookEvent").objects.create(
        shop=SHOP,
        topic="orders/create",
        event_id="e-1",
        webhook_id="w-1",
        payload={"id": 1},
        status="processing",
        attempts=2,
        next_attempt_at=now,
        locked_until=lease,
        last_error="ShopifyUnavailable: 503",
        task_id=task,
    )
    delivery = apps.get_model("shops", "FlowDelivery").objects.create(
        shop=SHOP,
        kind="order_created",
        shopify_object_id="1001",
        status="sending",
        attempts=3,
        lease_owner="worker-a",
        lease_until=lease,
        task_id=task,
        last_error="EcomdropTimeout: no answer",
    )
    profile = apps.get_model("assistant", "AIConfiguration").objects.create(
        shop=SHOP,
        sync_status="pending",
        sync_attempts=4,
        sync_next_attempt_at=now,
        sync_lease_owner="worker-b",
        sync_lease_until=lease,
        last_sync_error="EcomdropUnavailable: 503",
    )
    install = apps.get_model("themes", "ThemeInstall").objects.create(
        shop=SHOP, theme_name="Ecomdrop Theme 2.5", state="downloading", attempts=1, running_shop=SHOP
    )
    return {"event": event, "delivery": delivery, "profile": profile, "install": install, "lease": lease, "task": task}


def test_rows_in_flight_keep_their_work_state_through_the_renames_and_back():
    old = rows_in_flight(migrate(BEFORE))
    lease, task = old["lease"], old["task"]

    apps = migrate(AFTER)

    event = apps.get_model("webhooks", "WebhookEvent").objects.get(pk=old["event"].pk)
    assert (event.state, event.attempts, event.lease_until, event.lease_owner) == ("processing", 2, lease, "")
    assert (event.task_id, event.last_error) == (task, "ShopifyUnavailable: 503")
    delivery = apps.get_model("shops", "FlowDelivery").objects.get(pk=old["delivery"].pk)
    assert (delivery.state, delivery.attempts, delivery.lease_owner, delivery.lease_until) == (
        "sending",
        3,
        "worker-a",
        lease,
    )
    profile = apps.get_model("assistant", "AIConfiguration").objects.get(pk=old["profile"].pk)
    assert (profile.state, profile.attempts, profile.lease_owner, profile.lease_until) == (
        "pending",
        4,
        "worker-b",
        lease,
    )
    assert (profile.next_attempt_at, profile.last_error, profile.task_id) == (
        old["profile"].sync_next_attempt_at,
        "EcomdropUnavailable: 503",
        None,
    )
    install = apps.get_model("themes", "ThemeInstall").objects.get(pk=old["install"].pk)
    assert (install.state, install.attempts, install.lease_owner, install.lease_until, install.task_id) == (
        "downloading",
        1,
        "",
        None,
        None,
    )
    assert {"state", "lease_until", "lease_owner"} <= columns("connector_webhook_event")
    assert not {"status", "locked_until"} & columns("connector_webhook_event")
    assert not {"sync_status", "sync_lease_until", "last_sync_error"} & columns("assistant_ai_configuration")

    apps = migrate(BEFORE)

    assert apps.get_model("webhooks", "WebhookEvent").objects.get(pk=event.pk).locked_until == lease
    assert apps.get_model("shops", "FlowDelivery").objects.get(pk=delivery.pk).status == "sending"
    back = apps.get_model("assistant", "AIConfiguration").objects.get(pk=profile.pk)
    assert (back.sync_status, back.sync_attempts, back.sync_lease_owner, back.last_sync_error) == (
        "pending",
        4,
        "worker-b",
        "EcomdropUnavailable: 503",
    )
    assert "lease_until" not in columns("themes_theme_install")
