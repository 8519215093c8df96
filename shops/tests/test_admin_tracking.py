"""The admin of the Dropi status sync: the status map staff keep (words stored normalised) and
each shop's sync (only its interval editable; "Sync now")."""

import pytest
from django.urls import reverse

from shops.models import DropiStatusWord, DropiTrackingSync
from shops.tests.dropi_shop import SHOP

pytestmark = pytest.mark.django_db


def test_the_status_map_is_seeded_and_a_word_staff_add_is_stored_normalised(admin_client):
    assert DropiStatusWord.objects.get(word="GUIA GENERADA").stage == "guide_generated"
    assert DropiStatusWord.objects.get(word="NOVEDAD").stage == "incident"
    answer = admin_client.post(
        reverse("admin:shops_dropistatusword_add"), {"word": "Recogido_por transportadora", "stage": "in_transit"}
    )
    assert answer.status_code == 302
    assert DropiStatusWord.objects.get(word="RECOGIDO POR TRANSPORTADORA").stage == "in_transit"


def test_a_shops_sync_shows_its_run_and_sync_now_queues_one(admin_client, dropi_shop, settings):
    settings.DROPI_TRACKING_CALL_SPACING_SECONDS = 0
    sync = DropiTrackingSync.objects.create(shop=SHOP, state="off")
    page = admin_client.get(reverse("admin:shops_dropitrackingsync_change", args=[sync.pk]))
    assert page.status_code == 200
    assert 'name="interval_minutes"' in page.content.decode()
    assert 'name="last_result"' not in page.content.decode()
    answer = admin_client.post(
        reverse("admin:shops_dropitrackingsync_changelist"), {"action": "sync_now", "_selected_action": [sync.pk]}
    )
    assert answer.status_code == 302
    sync.refresh_from_db()
    assert sync.last_result == "ok"
