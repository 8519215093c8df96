"""A sync nobody works on: after a while without a worker, the sync state says the background
worker is not running, and when a worker was last seen (its maintenance sweep's heartbeat)."""

import datetime

import pytest
from django.utils import timezone

from assistant import selectors
from assistant.models import AIConfiguration
from assistant.tests.factories import AIConfigurationFactory
from connector.heartbeat import worker_heartbeat_record
from shops.models import ShopConfiguration
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
Status = AIConfiguration.SyncStatus


def pending_since(minutes, **fields):
    configuration = AIConfigurationFactory(shop=SHOP, state=Status.PENDING, revision=1, **fields)
    AIConfiguration.objects.filter(pk=configuration.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )
    return AIConfiguration.objects.get(pk=configuration.pk)


def state(configuration):
    shop_configuration = ShopConfiguration.objects.filter(shop=SHOP).first() or ShopConfigurationFactory(
        shop=SHOP, ecomdrop_api_key="ecomdrop-key-1234567890"
    )
    return selectors.ai_profile_sync_state(configuration=configuration, shop_configuration=shop_configuration)


def test_a_sync_waiting_minutes_without_any_worker_says_the_worker_is_not_running():
    sync = state(pending_since(5))

    assert sync["worker_missing"] is True
    assert sync["worker_seen_at"] is None


def test_a_worker_seen_long_ago_is_named_with_when(settings):
    settings.WEBHOOK_RECOVERY_INTERVAL_SECONDS = 30
    seen = timezone.now() - datetime.timedelta(minutes=10)
    worker_heartbeat_record(now=seen)

    sync = state(pending_since(5))

    assert sync["worker_missing"] is True
    assert sync["worker_seen_at"] == seen.isoformat()


def test_a_sync_requested_a_moment_ago_or_with_a_live_worker_is_only_syncing():
    assert state(pending_since(0))["worker_missing"] is False

    worker_heartbeat_record()
    AIConfiguration.objects.all().delete()

    assert state(pending_since(5))["worker_missing"] is False


def test_a_sync_held_by_a_worker_or_waiting_for_its_retry_is_not_stalled():
    held = pending_since(5, lease_until=timezone.now() + datetime.timedelta(minutes=1), lease_owner="worker-1")
    assert state(held)["worker_missing"] is False
    AIConfiguration.objects.all().delete()

    later = pending_since(5, next_attempt_at=timezone.now() + datetime.timedelta(minutes=3), attempts=1)
    assert state(later)["worker_missing"] is False


def test_a_synced_profile_never_mentions_the_worker():
    synced = pending_since(30)
    AIConfiguration.objects.filter(pk=synced.pk).update(state=Status.SYNCED)

    assert state(AIConfiguration.objects.get(pk=synced.pk))["worker_missing"] is False
