"""Pedidos' shipping JSON (stage, guía, carrier, last update, history; the stage filters) and
Estado's Dropi status sync ("Sincronizar ahora", last run, result, next run)."""

import json

import pytest

from shops.models import DropiOrder, DropiTrackingSync
from shops.services import dropi_account
from shops.tests.dropi_shop import DROPI_TOKEN, SHOP
from shops.tests.status_words import status_words  # noqa: F401 (a fixture)
from simulators.dropi_tracking import advance

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("status_words")]


@pytest.fixture
def api(client, session_token, dropi_shop, settings):
    settings.DROPI_TRACKING_CALL_SPACING_SECONDS = 0

    def call(path, method="GET", body=None, shop=SHOP):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {session_token(shop)}"}
        if method == "GET":
            return client.get(path, **headers)
        return client.post(path, json.dumps(body or {}), content_type="application/json", **headers)

    return call


def placed(dropi_shop, shopify_id: str, name: str, status: str = "PENDIENTE") -> tuple[DropiOrder, dict]:
    dropi = dropi_shop.dropi.orders.add(DROPI_TOKEN, shop_order_id=shopify_id, status=status)
    order = DropiOrder.objects.create(
        shop=SHOP,
        shopify_order_id=shopify_id,
        order_name=name,
        mode="bot",
        state="bot",
        dropi_order_id=str(dropi["id"]),
    )
    return order, dropi


def test_sync_now_records_the_guide_and_pedidos_shows_it_with_its_history(api, dropi_shop):
    placed(dropi_shop, "8001", "#2001")
    _order, dropi = placed(dropi_shop, "8002", "#2002")
    moved = advance(
        dropi_shop.dropi.orders, DROPI_TOKEN, dropi["id"], "GUIA_GENERADA", tracking_url="https://t.example/1"
    )
    dropi_shop.dropi.orders.set_status(DROPI_TOKEN, dropi["id"], "NOVEDAD")

    answer = api("/app/api/tracking/sync", "POST")

    assert answer.status_code == 200
    assert answer.json()["queued"] is True
    sync = answer.json()["sync"]  # the inline task backend ran the sync already
    assert (sync["result"], sync["ok"], sync["orders_changed"]) == ("ok", True, 2)
    assert sync["next_at"] is not None
    assert sync["last_finished_at"] is not None
    stages = {stage["stage"]: stage for stage in api("/app/api/tracking").json()["stages"]}
    assert next(iter(stages)) == "incident"  # the filters: "novedad" first
    assert (stages["incident"]["count"], stages["pending"]["count"], stages["delivered"]["count"]) == (1, 1, 0)
    body = api("/app/api/orders?filter=stage_incident").json()
    (row,) = body["orders"]
    shipping = row["dropi"]["shipping"]
    assert (row["name"], shipping["stage"], shipping["dropi_status"]) == ("#2002", "incident", "NOVEDAD")
    assert (shipping["guia"], shipping["carrier"]) == (moved["shipping_guide"], moved["shipping_company"])
    assert shipping["tracking_url"] == "https://t.example/1"
    assert shipping["label_url"] == moved["sticker"]
    assert shipping["updated_at"] is not None
    (entry,) = [entry for entry in row["dropi"]["history"] if entry["kind"] == "status"]
    assert (entry["label"], entry["actor_label"]) == ("Estado en Dropi: NOVEDAD", "Dropi")


def test_an_unknown_status_shows_as_other_with_dropis_word(api, dropi_shop):
    placed(dropi_shop, "8003", "#2003", status="RECOLECTADO POR TERCERO")
    api("/app/api/tracking/sync", "POST")
    (row,) = api("/app/api/orders?filter=stage_other").json()["orders"]
    assert (row["dropi"]["shipping"]["stage"], row["dropi"]["shipping"]["dropi_status"]) == (
        "other",
        "RECOLECTADO POR TERCERO",
    )


def test_a_second_click_while_a_sync_is_queued_changes_nothing(api, dropi_shop, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    assert api("/app/api/tracking/sync", "POST").json()["queued"] is True
    second = api("/app/api/tracking/sync", "POST")
    assert second.status_code == 200
    assert second.json()["queued"] is False
    assert second.json()["message"] == "Ya hay una sincronización con Dropi en camino."


def test_sync_now_is_refused_readably_without_dropi_while_paused_and_right_after_a_sync(api, dropi_shop):
    api("/app/api/tracking/sync", "POST")
    too_soon = api("/app/api/tracking/sync", "POST")
    assert too_soon.status_code == 429
    assert too_soon.json()["code"] == "too_soon"
    DropiTrackingSync.objects.filter(shop=SHOP).update(requested_at=None)
    dropi_account.dropi_error_as_application_error(
        shop=SHOP, error=dropi_account.DropiRateLimited("Too Many Attempts", retry_after=600)
    )
    paused = api("/app/api/tracking/sync", "POST")
    assert (paused.status_code, paused.json()["code"]) == (429, "dropi_rate_limited")
    other = api("/app/api/tracking/sync", "POST", shop="otra.myshopify.com")
    assert (other.status_code, other.json()["code"]) == (409, "dropi_not_configured")
    assert not DropiTrackingSync.objects.filter(shop="otra.myshopify.com").exists()


def test_an_unknown_stage_filter_is_refused_readably(api, dropi_shop):
    answer = api("/app/api/orders?filter=stage_lost")
    assert answer.status_code == 400
    assert "stage_" in answer.json()["error"]


def test_estado_shows_the_last_sync_its_result_and_the_next_one(api, client, session_token, dropi_shop):
    dropi_shop.dropi.fail_next("orders_list", status=503)
    api("/app/api/tracking/sync", "POST")
    page = client.get("/app/configuration?tab=status", HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}")
    html = page.content.decode()
    assert "data-tracking-card" in html
    assert "Dropi no respondía. La app lo intenta de nuevo sola; no se pierde nada." in html
    assert 'data-action="sync-now"' in html
