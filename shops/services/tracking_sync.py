"""The Dropi status sync of each shop: a periodic job on the leased-work machine.

Owns: each shop's sync row (``DropiTrackingSync``; created for every installed shop with a
Dropi token by the worker's maintenance), one run — ask Dropi for the orders whose status
changed since the last complete run less an overlap (``filter_date_by`` = status change),
page by page (at most 100 per page, at least DROPI_TRACKING_CALL_SPACING_SECONDS apart per
account, never one call per order), each page recorded by ``tracking_record`` — the next run's
schedule (every DROPI_TRACKING_INTERVAL_MINUTES, or the shop's own interval), the result the
Estado page shows, and "Sincronizar ahora". Must not write orders itself (``tracking_record``).

A run that fails (Dropi down, an unreadable answer, a refused token) keeps the window's start,
so the next run reads it again: nothing is lost. "Too Many Attempts" pauses the shop's Dropi
calls (shared with the catalogue and placement) and the next run waits for the pause to end.
A worker lost mid-run leaves a lease that runs out; recovery queues the row again and the next
worker reads the whole window again (recording is idempotent). Workers claim different shops,
so shops run in parallel while each account's calls stay spaced.
"""

from __future__ import annotations

import datetime
import logging
import time
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connector.dropi.errors import (
    DropiAuthError,
    DropiConfigurationError,
    DropiError,
    DropiRateLimited,
    DropiUnavailable,
)
from connector.dropi.orders import DropiOrdersClient
from connector.limits import pause_remaining, pause_start
from connector.work import (
    Claim,
    Job,
    LeaseLost,
    LostReason,
    Recovery,
    RetryPolicy,
    lease_from_settings,
    work_claim,
    work_finish,
    work_renew,
    work_requeue,
    work_requeue_lost,
    work_retry_delay,
    work_schedule,
    work_state,
)
from shops.models import DropiTrackingSync, ShopConfiguration
from shops.services.dropi_account import (
    dropi_access_get,
    dropi_error_as_application_error,
    dropi_is_configured,
    dropi_pause_remaining,
)
from shops.services.dropi_status_map import status_map_load
from shops.services.tracking_record import PageOutcome, tracking_page_record

logger = logging.getLogger(__name__)

State = DropiTrackingSync.State
# A run reads at most this many pages: the newest 10,000 changed orders of its window (newest
# ids first); older changes of a larger window are not read (result "incomplete").
MAX_PAGES = 100
SPACING_SCOPE = "dropi-spacing"
# A shop's first run reads the status changes of this many days.
FIRST_RUN_LOOKBACK = datetime.timedelta(days=14)


class Result:
    """The words of ``last_result`` (the Estado page explains each)."""

    OK = "ok"
    RATE_LIMITED = "rate_limited"
    AUTH = "dropi_auth"
    UNAVAILABLE = "dropi_unavailable"
    BAD_ANSWER = "dropi_bad_answer"
    REFUSED = "dropi_refused"
    INCOMPLETE = "incomplete"
    NOT_CONFIGURED = "dropi_not_configured"
    UNINSTALLED = "uninstalled"
    LOST = "worker_lost"


def _retry_policy() -> RetryPolicy:
    interval = settings.DROPI_TRACKING_INTERVAL_MINUTES * 60.0
    return RetryPolicy(base_seconds=min(60.0, interval), max_seconds=interval, max_attempts=1_000_000)


def _lost(sync: DropiTrackingSync, reason: LostReason, now: datetime.datetime) -> Recovery:
    """A worker lost mid-run: run again at once (the window is read again; recording is idempotent)."""
    if reason is LostReason.TASK:
        return Recovery("requeued_overdue")
    return Recovery("requeued", {"state": State.WAITING, "next_attempt_at": None, "last_result": Result.LOST})


def _process(sync_id: int) -> str:
    return tracking_sync_process(sync_id=sync_id)


TRACKING_SYNC: Job[DropiTrackingSync] = Job(
    name="dropi_tracking_sync",
    model=DropiTrackingSync,
    task="shops.tasks.sync_dropi_tracking",
    process=_process,
    waiting_states=(State.WAITING,),
    running_states=(State.RUNNING,),
    claim_state=State.RUNNING,
    retry_state=State.WAITING,
    failed_state=State.WAITING,
    lease=lease_from_settings("DROPI_ORDER"),
    retry=_retry_policy,
    lost=_lost,
)


def tracking_interval(sync: DropiTrackingSync) -> datetime.timedelta:
    """How often the shop's sync runs (its own interval, else the setting)."""
    return datetime.timedelta(minutes=sync.interval_minutes or settings.DROPI_TRACKING_INTERVAL_MINUTES)


def tracking_sync_process(*, sync_id: int) -> str:
    """Run the shop's sync when it is due and not taken; its state afterwards."""
    claim = work_claim(job=TRACKING_SYNC, pk=sync_id)
    if claim is None:
        return work_state(job=TRACKING_SYNC, pk=sync_id)
    try:
        return _run(claim)
    except LeaseLost:
        logger.warning("Dropi status sync taken over by another worker", extra={"sync": sync_id})
        return work_state(job=TRACKING_SYNC, pk=sync_id)


def _window(sync: DropiTrackingSync, started: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    """The days to ask Dropi for (its dates are days in its own time zone): from the last
    complete run's start less the overlap, to tomorrow (a clock ahead of Dropi's loses nothing)."""
    zone = zoneinfo.ZoneInfo(settings.DROPI_TIME_ZONE)
    since = sync.synced_until or started - FIRST_RUN_LOOKBACK
    since -= datetime.timedelta(minutes=settings.DROPI_TRACKING_OVERLAP_MINUTES)
    return since.astimezone(zone).date(), started.astimezone(zone).date() + datetime.timedelta(days=1)


def _space(shop: str) -> None:
    """Wait until the account's previous call is DROPI_TRACKING_CALL_SPACING_SECONDS old."""
    spacing = float(settings.DROPI_TRACKING_CALL_SPACING_SECONDS)
    if spacing <= 0:
        return
    wait = pause_remaining(scope=SPACING_SCOPE, key=shop)
    if wait > 0:
        time.sleep(min(wait, spacing))
    pause_start(scope=SPACING_SCOPE, key=shop, seconds=spacing)


def _run(claim: Claim[DropiTrackingSync]) -> str:
    sync = claim.row
    started = timezone.now()
    configuration = ShopConfiguration.objects.filter(shop=sync.shop).first()
    if configuration is None or not configuration.is_installed:
        return _off(claim, Result.UNINSTALLED)
    if not dropi_is_configured(configuration):
        return _off(claim, Result.NOT_CONFIGURED)
    paused = dropi_pause_remaining(shop=sync.shop)
    if paused > 0:
        return _wait(claim, Result.RATE_LIMITED, started + datetime.timedelta(seconds=paused), count=False)
    access = dropi_access_get(shop=sync.shop)
    client = DropiOrdersClient(token=access.token, country=access.country, shop=sync.shop)
    since, until = _window(sync, started)
    work_renew(claim, last_started_at=started, last_window_from=since, last_window_until=until)
    outcome, calls, complete = PageOutcome(), 0, False
    status_map = status_map_load()
    try:
        while calls < MAX_PAGES and not complete:
            _space(sync.shop)
            work_renew(claim)  # after the wait: the lease covers the call and the page's record
            page = client.orders_list(since=since, until=until, offset=outcome.read, by_status_change=True)
            calls += 1
            outcome.add(tracking_page_record(shop=sync.shop, orders=page.orders, status_map=status_map))
            complete = not page.orders or outcome.read >= page.total
    except DropiError as error:
        return _failed(claim, error, calls, outcome)
    return _done(claim, started, calls, outcome, result=Result.OK if complete else Result.INCOMPLETE)


def _counts(calls: int, outcome: PageOutcome | None) -> dict[str, Any]:
    outcome = outcome or PageOutcome()
    return {
        "last_calls": calls,
        "last_orders_read": outcome.read,
        "last_orders_changed": outcome.changed,
        "last_orders_unmatched": outcome.unmatched,
    }


def _done(
    claim: Claim[DropiTrackingSync], started: datetime.datetime, calls: int, outcome: PageOutcome, *, result: str
) -> str:
    """The window is read (or its newest MAX_PAGES pages are): the next run starts from here."""
    now = timezone.now()
    next_run = max(now, started + tracking_interval(claim.row))
    changes = {"synced_until": started, "attempts": 0, "last_error": "", **_counts(calls, outcome)}
    if not work_requeue(
        claim, run_after=next_run, state=State.WAITING, last_result=result, last_finished_at=now, **changes
    ):
        raise LeaseLost
    logger.info(
        "Dropi status sync: %s orders read, %s changed", outcome.read, outcome.changed, extra={"shop": claim.row.shop}
    )
    return State.WAITING


def _wait(
    claim: Claim[DropiTrackingSync],
    result: str,
    next_run: datetime.datetime,
    *,
    count: bool = True,
    calls: int = 0,
    outcome: PageOutcome | None = None,
    error: str = "",
) -> str:
    """End the run without moving the window; the next one at ``next_run``."""
    changes: dict[str, Any] = {"last_result": result, "last_finished_at": timezone.now(), "last_error": error[:1000]}
    if not count:
        changes["attempts"] = max(claim.row.attempts - 1, 0)
    if not work_requeue(claim, run_after=next_run, state=State.WAITING, **changes, **_counts(calls, outcome)):
        raise LeaseLost
    return State.WAITING


def _off(claim: Claim[DropiTrackingSync], result: str) -> str:
    if not work_finish(
        claim, state=State.OFF, next_attempt_at=None, attempts=0, last_result=result, last_finished_at=timezone.now()
    ):
        raise LeaseLost
    return State.OFF


def _failed(claim: Claim[DropiTrackingSync], error: DropiError, calls: int, outcome: PageOutcome) -> str:
    """A failed run keeps its window: the next run reads it again."""
    shop, now = claim.row.shop, timezone.now()
    text = f"{type(error).__name__}: {error}"
    interval = tracking_interval(claim.row)
    if isinstance(error, DropiRateLimited):
        dropi_error_as_application_error(shop=shop, error=error)
        wait = datetime.timedelta(seconds=max(dropi_pause_remaining(shop=shop), 1.0))
        return _wait(claim, Result.RATE_LIMITED, now + wait, calls=calls, outcome=outcome, error=text)
    if isinstance(error, DropiConfigurationError):
        return _off(claim, Result.NOT_CONFIGURED)
    if isinstance(error, DropiAuthError):
        result = Result.AUTH
    elif isinstance(error, DropiUnavailable) or (error.status is not None and error.status >= 500):
        result = Result.UNAVAILABLE
    elif type(error) is DropiError:
        result = Result.BAD_ANSWER  # an answer that is not JSON
    else:
        result = Result.REFUSED
    delay = interval
    if result in (Result.UNAVAILABLE, Result.BAD_ANSWER):
        delay = min(interval, work_retry_delay(policy=_retry_policy(), attempt=claim.attempt))
    logger.warning("Dropi status sync failed: %s", result, extra={"shop": shop})
    return _wait(claim, result, now + delay, calls=calls, outcome=outcome, error=text)


# --------------------------------------------------------------------------- rows and requests
def _shops_to_start() -> list[str]:
    """Installed shops with a Dropi token whose sync is missing or off (the others are left
    alone, so the sweep reads few rows however many shops there are)."""
    running = DropiTrackingSync.objects.exclude(state=State.OFF).values("shop")
    rows = (
        ShopConfiguration.objects.filter(uninstalled_at__isnull=True, dropi_token__isnull=False)
        .exclude(dropi_store_name__isnull=True)
        .exclude(dropi_store_name="")
        .exclude(shop__in=running)
    )
    return [configuration.shop for configuration in rows.iterator(chunk_size=500) if dropi_is_configured(configuration)]


def tracking_syncs_ensure() -> int:
    """Give every installed shop with a Dropi token its sync (a new one runs at once; one that
    was off is turned on); how many were started. Called by the worker's maintenance."""
    shops = _shops_to_start()
    started = 0
    for shop in shops:
        with transaction.atomic():
            sync, created = DropiTrackingSync.objects.get_or_create(shop=shop)
            if created or DropiTrackingSync.objects.filter(pk=sync.pk, state=State.OFF).update(
                state=State.WAITING, next_attempt_at=None, updated_at=timezone.now()
            ):
                work_schedule(job=TRACKING_SYNC, pk=sync.pk)
                started += 1
    return started


def tracking_syncs_recover() -> dict[str, int]:
    """The worker's maintenance: syncs for newly configured shops, then both recovery sweeps."""
    started = tracking_syncs_ensure()
    outcomes = work_requeue_lost(job=TRACKING_SYNC)
    return {**outcomes, "started": started} if started else outcomes
