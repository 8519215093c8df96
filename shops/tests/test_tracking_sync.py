"""The Dropi status sync against the Dropi simulator: paging, overlap, idempotency, the pause
after "Too Many Attempts", unknown statuses, orders the bot placed, orders without a guía,
cancelled and returned orders, a worker lost mid-run, and Dropi's bad answers."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from connector.dropi.orders import DropiOrdersClient, order_from_dict
from connector.work import work_claim
from connector.work.leases import rows_of
from shops.models import DropiOrder, DropiOrderEvent, DropiTrackingSync, FlowDelivery, ShippingStage
from shops.services import dropi_account
from shops.services.dropi_status_map import status_word_normalise
from shops.services.tracking_record import tracking_page_record
from shops.services.tracking_status import tracking_sync_status
from shops.services.tracking_sync import (
    TRACKING_SYNC,
    _window,
    tracking_sync_process,
    tracking_syncs_ensure,
    tracking_syncs_recover,
)
from shops.tests.dropi_shop import DROPI_TOKEN, SHOP
from shops.tests.status_words import status_words  # noqa: F401 (a fixture)
from simulators.dropi_tracking import CANCEL_PATH, RETURN_PATH, ShippingClock, advance

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("status_words")]


@pytest.fixture
def tracking(dropi_shop, settings):
    settings.DROPI_TRACKING_CALL_SPACING_SECONDS = 0
    return dropi_shop


def placed(tracking, number: int, **dropi_fields):
    """An order the app placed: its DropiOrder and the order in Dropi."""
    shopify_id = str(5_000_000 + number)
    dropi = tracking.dropi.orders.add(DROPI_TOKEN, shop_order_id=shopify_id, **dropi_fields)
    order = DropiOrder.objects.create(
        shop=SHOP,
        shopify_order_id=shopify_id,
        order_name=f"#{1000 + number}",
        mode="app_on_order",
        state=DropiOrder.State.PLACED,
        dropi_order_id=str(dropi["id"]),
        dropi_status=dropi["status"],
    )
    return order, dropi


def run_sync() -> DropiTrackingSync:
    """Make the shop's sync due and run it; the row afterwards."""
    sync, _created = DropiTrackingSync.objects.get_or_create(shop=SHOP)
    DropiTrackingSync.objects.filter(pk=sync.pk).update(next_attempt_at=None)
    tracking_sync_process(sync_id=sync.pk)
    return DropiTrackingSync.objects.get(pk=sync.pk)


def status_events(order) -> list[dict]:
    return [event.detail for event in DropiOrderEvent.objects.filter(order=order, kind="status").order_by("id")]


def test_a_guide_in_dropi_is_recorded_with_its_history_and_the_next_run_is_scheduled(tracking):
    order, dropi = placed(tracking, 1)
    moved = advance(tracking.dropi.orders, DROPI_TOKEN, dropi["id"], "GUIA_GENERADA")

    sync = run_sync()

    order.refresh_from_db()
    assert order.shipping_stage == ShippingStage.GUIDE_GENERATED
    assert order.dropi_status == "GUIA_GENERADA"
    assert order.guia == moved["shipping_guide"]
    assert order.carrier == moved["shipping_company"]
    assert order.label_url == moved["sticker"]
    # tracking_url: Dropi gave none; the carrier's template (the write-back's) may fill it.
    assert order.dropi_status_changed_at is not None
    assert order.state == DropiOrder.State.PLACED  # the placement's state is not the sync's
    assert status_events(order) == [
        {"status": "GUIA_GENERADA", "stage": "guide_generated", "guia": order.guia, "carrier": order.carrier}
    ]
    assert sync.state == DropiTrackingSync.State.WAITING
    assert sync.last_result == "ok"
    assert sync.last_calls == 1
    assert sync.last_orders_read == 1
    assert sync.last_orders_changed == 1
    assert sync.synced_until is not None
    interval = sync.next_attempt_at - sync.last_started_at
    assert datetime.timedelta(minutes=9, seconds=59) < interval <= datetime.timedelta(minutes=10, seconds=1)
    query = tracking.dropi.requests_of("orders_list")[-1].query
    assert query["filter_date_by"] == ["FECHA DE CAMBIO DE ESTATUS"]
    assert query["result_number"] == ["100"]
    assert query["start"] == ["0"]


def test_reading_the_same_orders_again_records_each_change_once(tracking):
    order, dropi = placed(tracking, 2)
    advance(tracking.dropi.orders, DROPI_TOKEN, dropi["id"], "GUIA_GENERADA")
    run_sync()
    run_sync()
    page = tracking.dropi.orders.of(DROPI_TOKEN)
    summaries = [order_from_dict(item) for item in page]
    tracking_page_record(shop=SHOP, orders=summaries, status_map={"GUIA GENERADA": "guide_generated"})
    assert len(status_events(order)) == 1
    advance(tracking.dropi.orders, DROPI_TOKEN, dropi["id"], "EN TRANSPORTE")
    run_sync()
    assert [event["stage"] for event in status_events(order)] == ["guide_generated", "in_transit"]


def test_many_changed_orders_are_read_page_by_page_never_one_call_per_order(tracking):
    for number in range(250):
        placed(tracking, 100 + number, status="EN TRANSPORTE")
    sync = run_sync()
    lists = tracking.dropi.requests_of("orders_list")
    assert [request.query["start"] for request in lists] == [["0"], ["100"], ["200"]]
    assert tracking.dropi.count("order_detail") == 0
    assert sync.last_calls == 3
    assert sync.last_orders_read == 250
    assert sync.last_orders_changed == 250
    assert DropiOrder.objects.filter(shop=SHOP, shipping_stage=ShippingStage.IN_TRANSIT).count() == 250


def test_calls_to_one_account_are_spaced(tracking, settings):
    settings.DROPI_TRACKING_CALL_SPACING_SECONDS = 0.3
    for number in range(201):
        placed(tracking, 400 + number)
    started = timezone.now()
    sync = run_sync()
    assert sync.last_calls == 3
    assert timezone.now() - started >= datetime.timedelta(seconds=0.6)


def test_the_window_starts_at_the_last_complete_run_less_the_overlap(tracking, settings):
    settings.DROPI_TIME_ZONE = "America/Bogota"
    settings.DROPI_TRACKING_OVERLAP_MINUTES = 30
    sync = DropiTrackingSync(shop=SHOP, synced_until=datetime.datetime(2026, 12, 8, 5, 20, tzinfo=datetime.UTC))
    # 05:20 UTC less 30 minutes is 23:50 of the 7th in Bogotá: the 7th is read again.
    since, until = _window(sync, datetime.datetime(2026, 12, 8, 15, 0, tzinfo=datetime.UTC))
    assert (since, until) == (datetime.date(2026, 12, 7), datetime.date(2026, 12, 9))
    first, _until = _window(DropiTrackingSync(shop=SHOP), datetime.datetime(2026, 12, 8, 15, 0, tzinfo=datetime.UTC))
    assert first == datetime.date(2026, 11, 24)


def test_the_next_run_asks_from_the_last_runs_start_less_the_overlap(tracking, settings):
    order, dropi = placed(tracking, 3)
    first = run_sync()
    advance(tracking.dropi.orders, DROPI_TOKEN, dropi["id"], "EN REPARTO")
    run_sync()
    query = tracking.dropi.requests_of("orders_list")[-1].query
    overlap = datetime.timedelta(minutes=settings.DROPI_TRACKING_OVERLAP_MINUTES)
    zone = zoneinfo.ZoneInfo(settings.DROPI_TIME_ZONE)
    assert query["from"] == [(first.synced_until - overlap).astimezone(zone).date().isoformat()]
    order.refresh_from_db()
    assert order.shipping_stage == ShippingStage.OUT_FOR_DELIVERY


def test_too_many_attempts_pauses_the_shop_and_the_next_run_waits_for_the_pause(tracking, settings):
    settings.DROPI_RATE_LIMIT_BACKOFF_SECONDS = 1800
    _order, _dropi = placed(tracking, 4)
    tracking.dropi.block(60)
    sync = run_sync()
    assert sync.last_result == "rate_limited"
    assert sync.synced_until is None
    assert dropi_account.dropi_pause_remaining(shop=SHOP) > 1700
    assert sync.next_attempt_at > timezone.now() + datetime.timedelta(minutes=29)
    calls = tracking.dropi.count("orders_list")
    again = run_sync()  # made due by hand: the pause still holds, Dropi is not asked
    assert tracking.dropi.count("orders_list") == calls
    assert again.last_result == "rate_limited"
    assert "demasiados intentos" in tracking_sync_status(shop=SHOP)["message"]


def test_an_unknown_status_is_kept_verbatim_as_other(tracking):
    order, dropi = placed(tracking, 5)
    tracking.dropi.orders.set_status(DROPI_TOKEN, dropi["id"], "EN ESPERA DE RECOLECCIÓN")
    run_sync()
    order.refresh_from_db()
    assert order.shipping_stage == ShippingStage.OTHER
    assert order.dropi_status == "EN ESPERA DE RECOLECCIÓN"
    assert status_word_normalise("Guía_generada ") == "GUIA GENERADA"


def test_an_order_the_bot_placed_that_the_app_had_not_recorded_is_recorded_as_the_bots(tracking):
    FlowDelivery.objects.create(shop=SHOP, kind="order_created", shopify_object_id="7001", order_name="#1201")
    FlowDelivery.objects.create(shop=SHOP, kind="order_created", shopify_object_id="7002", order_name="#1202")
    by_id = tracking.dropi.orders.add(DROPI_TOKEN, shop_order_id="7001", status="GUIA_GENERADA", shipping_guide="G1")
    by_name = tracking.dropi.orders.add(DROPI_TOKEN, shop_order_number="1202", status="PENDIENTE")
    tracking.dropi.orders.add(DROPI_TOKEN, shop_order_id="999", status="ENTREGADO")  # another store's order
    tracking.dropi.orders.add(DROPI_TOKEN, status="ENTREGADO")  # created by hand in Dropi

    sync = run_sync()

    first = DropiOrder.objects.get(shop=SHOP, shopify_order_id="7001")
    second = DropiOrder.objects.get(shop=SHOP, shopify_order_id="7002")
    assert (first.state, first.mode, first.dropi_order_id) == ("bot", "bot", str(by_id["id"]))
    assert (first.order_name, first.guia, first.shipping_stage) == ("#1201", "G1", "guide_generated")
    assert (second.dropi_order_id, second.shipping_stage) == (str(by_name["id"]), "pending")
    assert list(first.events.values_list("kind", flat=True)) == ["found_in_dropi", "status"]
    assert DropiOrder.objects.filter(shop=SHOP).count() == 2
    assert sync.last_orders_unmatched == 2


def test_an_order_waiting_for_the_bot_that_is_found_in_dropi_is_never_placed_by_the_app(tracking):
    order = DropiOrder.objects.create(
        shop=SHOP, shopify_order_id="7100", order_name="#1300", mode="app_on_confirm", state="awaiting"
    )
    dropi = tracking.dropi.orders.add(DROPI_TOKEN, shop_order_id="7100", status="PENDIENTE")
    run_sync()
    order.refresh_from_db()
    assert (order.state, order.dropi_order_id) == (DropiOrder.State.BOT, str(dropi["id"]))
    assert "found_in_dropi" in list(order.events.values_list("kind", flat=True))


def test_an_order_that_never_gets_a_guide_stays_pending_with_one_history_line(tracking):
    order, _dropi = placed(tracking, 6, status="PENDIENTE")
    for _run in range(3):
        run_sync()
    order.refresh_from_db()
    assert (order.shipping_stage, order.guia, order.carrier) == ("pending", "", "")
    assert len(status_events(order)) == 1


@pytest.mark.parametrize(
    ("path", "stages"),
    [
        (CANCEL_PATH, ["pending", "cancelled"]),
        (RETURN_PATH, ["pending", "guide_generated", "in_transit", "incident", "returned"]),
    ],
)
def test_cancelled_and_returned_orders_are_followed_to_the_end(tracking, path, stages):
    order, dropi = placed(tracking, 7, status=path[0])
    clock = ShippingClock(tracking.dropi.orders)
    clock.paths[dropi["id"]] = path
    run_sync()
    while clock.tick(DROPI_TOKEN):
        run_sync()
    run_sync()
    assert [event["stage"] for event in status_events(order)] == stages
    order.refresh_from_db()
    assert order.shipping_stage == stages[-1]
    assert order.dropi_status == path[-1]


def test_a_transition_is_handed_on_with_the_previous_stage_guide_and_carrier(tracking, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "shops.services.tracking_record.transition_recorded",
        lambda order, **previous: calls.append((order.shipping_stage, order.guia, previous)),
    )
    order, dropi = placed(tracking, 8, status="PENDIENTE")
    run_sync()
    moved = advance(tracking.dropi.orders, DROPI_TOKEN, dropi["id"], "GUIA_GENERADA", shipping_company="TCC")
    run_sync()
    tracking.dropi.orders.set_status(DROPI_TOKEN, dropi["id"], "EN BODEGA")
    run_sync()
    tracking.dropi.orders.set_status(DROPI_TOKEN, dropi["id"], "EN TRANSPORTE")  # same stage: no transition
    run_sync()
    empty = {"previous_stage": "", "previous_guia": "", "previous_carrier": ""}
    guide = {"previous_stage": "pending", "previous_guia": "", "previous_carrier": ""}
    moving = {"previous_stage": "guide_generated", "previous_guia": moved["shipping_guide"], "previous_carrier": "TCC"}
    assert calls == [
        ("pending", "", empty),
        ("guide_generated", moved["shipping_guide"], guide),
        ("in_transit", moved["shipping_guide"], moving),
    ]
    assert len(status_events(order)) == 4


def test_a_worker_lost_mid_run_is_finished_by_another_without_duplicate_history(tracking):
    orders = [placed(tracking, 20 + number, status="EN TRANSPORTE") for number in range(150)]
    sync, _created = DropiTrackingSync.objects.get_or_create(shop=SHOP)
    claim = work_claim(job=TRACKING_SYNC, pk=sync.pk)
    assert claim is not None
    # The dead worker recorded the first page, then stopped without finishing.
    page = DropiOrdersClient(token=DROPI_TOKEN, country="CO").orders_list(
        since=timezone.localdate() - datetime.timedelta(days=1),
        until=timezone.localdate() + datetime.timedelta(days=1),
        by_status_change=True,
    )
    tracking_page_record(shop=SHOP, orders=page.orders, status_map={"EN TRANSPORTE": "in_transit"})
    assert tracking_sync_process(sync_id=sync.pk) == "running"  # still leased: nobody else runs it
    rows_of(TRACKING_SYNC).filter(pk=sync.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))

    assert tracking_syncs_recover().get("requeued") == 1  # queued again and run at once (inline tasks)

    sync.refresh_from_db()
    assert sync.last_result == "ok"
    assert sync.state == "waiting"
    assert sync.lease_owner == ""
    assert all(len(status_events(order)) == 1 for order, _dropi in orders)
    assert DropiOrderEvent.objects.filter(kind="status").count() == 150


@pytest.mark.parametrize(
    ("failure", "result", "words"),
    [
        ({"status": 200, "body": b"{not json"}, "dropi_bad_answer", "no pudo leer"),
        ({"status": 502}, "dropi_unavailable", "no respondía"),
        ({"status": 401, "body": {"message": "Unauthenticated."}}, "dropi_auth", "no aceptó tu token"),
    ],
)
def test_a_bad_answer_is_shown_on_estado_and_nothing_is_lost(tracking, failure, result, words):
    order, dropi = placed(tracking, 9)
    advance(tracking.dropi.orders, DROPI_TOKEN, dropi["id"], "NOVEDAD")
    tracking.dropi.fail_next("orders_list", **failure)
    sync = run_sync()
    assert sync.last_result == result
    assert sync.synced_until is None
    assert sync.state == "waiting"
    assert sync.next_attempt_at is not None
    status = tracking_sync_status(shop=SHOP)
    assert words in status["message"]
    assert status["ok"] is False
    order.refresh_from_db()
    assert order.shipping_stage == ""
    sync = run_sync()
    order.refresh_from_db()
    assert sync.last_result == "ok"
    assert order.shipping_stage == ShippingStage.INCIDENT


def test_every_installed_shop_with_dropi_gets_a_sync_and_an_uninstalled_one_stops(tracking):
    assert tracking_syncs_ensure() == 1  # queued and run at once (inline tasks)
    sync = DropiTrackingSync.objects.get(shop=SHOP)
    assert sync.last_result == "ok"
    assert tracking_syncs_ensure() == 0
    tracking.configuration.uninstalled_at = timezone.now()
    tracking.configuration.save()
    sync = run_sync()
    assert (sync.state, sync.last_result, sync.next_attempt_at) == ("off", "uninstalled", None)
    assert tracking_syncs_ensure() == 0


def test_the_client_reads_the_order_number_and_a_tracking_url_when_dropi_gives_them():
    plain = order_from_dict({"id": 1, "status": "guia_generada", "shop_order_number": "#1001", "sticker": "s"})
    assert (plain.status, plain.shop_order_number, plain.tracking_url) == ("GUIA_GENERADA", "#1001", "")
    tracked = order_from_dict({"id": 2, "url_tracking": "https://carrier.example/t/1"})
    assert tracked.tracking_url == "https://carrier.example/t/1"


def test_a_label_or_tracking_value_that_is_not_a_web_address_is_not_stored(tracking):
    order, _dropi = placed(tracking, 10, status="GUIA_GENERADA", sticker="javascript:alert(1)", tracking_url="ftp://x")
    run_sync()
    order.refresh_from_db()
    assert (order.label_url, order.tracking_url, order.shipping_stage) == ("", "", "guide_generated")


def test_a_time_zone_that_does_not_exist_is_refused_at_start(settings):
    from connector.checks import check_dropi_time_zone

    settings.DROPI_TIME_ZONE = "America/Bogotá"
    (error,) = check_dropi_time_zone()
    assert error.id == "connector.E005"
    settings.DROPI_TIME_ZONE = "America/Lima"
    assert check_dropi_time_zone() == []


def test_a_window_past_the_page_limit_records_the_newest_and_says_incomplete(tracking, monkeypatch):
    monkeypatch.setattr("shops.services.tracking_sync.MAX_PAGES", 2)
    for number in range(250):
        placed(tracking, 600 + number, status="EN REPARTO")
    sync = run_sync()
    assert (sync.last_result, sync.last_calls, sync.last_orders_read) == ("incomplete", 2, 200)
    assert sync.synced_until is not None
    assert DropiOrder.objects.filter(shop=SHOP, shipping_stage="out_for_delivery").count() == 200
    assert "10.000" in tracking_sync_status(shop=SHOP)["message"]


def test_a_new_guide_without_a_dropi_url_does_not_keep_the_old_guides_url(tracking):
    """Dropi gave a tracking URL for the first guía; the order is shipped again under a new guía
    with none: the old URL is not sent on as the new one's."""
    order, dropi = placed(tracking, 11, status="GUIA_GENERADA", tracking_url="https://dropi.example/t/OLD")
    run_sync()
    order.refresh_from_db()
    assert order.tracking_url == "https://dropi.example/t/OLD"

    tracking.dropi.orders.set_status(
        DROPI_TOKEN, dropi["id"], "GUIA_GENERADA", shipping_guide="NEW-123", tracking_url=""
    )
    run_sync()
    order.refresh_from_db()

    assert order.guia == "NEW-123"
    assert "OLD" not in order.tracking_url
