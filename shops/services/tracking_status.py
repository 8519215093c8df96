"""What the merchant sees and asks of the Dropi status sync: its status for Estado and
"Sincronizar ahora".

Owns: the sync's last run, result and next run in the merchant's words, and a request to sync
now (queued once: a click while a run is queued or running changes nothing; a shop's syncs
are at least ``MANUAL_SPACING`` apart, so clicks never add up to Dropi's "Too Many Attempts").
Must not call Dropi (the job does).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from connector.errors import ApplicationError
from connector.work import work_is_lost, work_schedule
from shops.models import DropiTrackingSync
from shops.services.dropi_account import dropi_access_get, dropi_pause_enforce
from shops.services.tracking_sync import TRACKING_SYNC, Result, tracking_interval

State = DropiTrackingSync.State
MANUAL_SPACING = datetime.timedelta(seconds=60)
RESULTS = {
    Result.OK: gettext_noop("Synced."),
    Result.RATE_LIMITED: gettext_noop(
        "Dropi asked the app to wait (too many attempts). The sync continues by itself when the pause ends."
    ),
    Result.AUTH: gettext_noop(
        "Dropi did not accept your token. Copy a new one from Dropi › Integrations into Configuration › Dropi."
    ),
    Result.UNAVAILABLE: gettext_noop("Dropi was not answering. The app tries again by itself; nothing is lost."),
    Result.BAD_ANSWER: gettext_noop(
        "Dropi answered something the app could not read. The app tries again by itself; nothing is lost."
    ),
    Result.REFUSED: gettext_noop("Dropi refused the order list. The app tries again at the next sync."),
    Result.INCOMPLETE: gettext_noop(
        "Dropi had more than 10,000 changed orders since the last sync; the newest 10,000 were updated."
    ),
    Result.NOT_CONFIGURED: gettext_noop("Dropi is not configured. Add your Dropi token in Configuration › Dropi."),
    Result.UNINSTALLED: gettext_noop("The app is not installed in the shop."),
    Result.LOST: gettext_noop("The last sync was interrupted; it runs again by itself."),
}


def _iso(moment: datetime.datetime | datetime.date | None) -> str | None:
    return moment.isoformat() if moment else None


def tracking_sync_status(*, shop: str) -> dict[str, Any]:
    """The shop's sync as Estado shows it (the contract: docs/features.md › Dropi status sync)."""
    sync = DropiTrackingSync.objects.filter(shop=shop).first()
    if sync is None:
        return {"exists": False, "state": "", "result": "", "message": "", "can_sync": True}
    running = sync.state == State.RUNNING and not work_is_lost(job=TRACKING_SYNC, row=sync)
    return {
        "exists": True,
        "state": State.RUNNING if running else sync.state,
        "state_label": State(State.RUNNING if running else sync.state).label,
        "result": sync.last_result,
        "message": _(RESULTS[sync.last_result]) if sync.last_result in RESULTS else "",
        "ok": sync.last_result in ("", Result.OK),
        "last_started_at": _iso(sync.last_started_at),
        "last_finished_at": _iso(sync.last_finished_at),
        "synced_until": _iso(sync.synced_until),
        "next_at": _iso(sync.next_attempt_at) if sync.state == State.WAITING else None,
        "interval_minutes": int(tracking_interval(sync).total_seconds() // 60),
        "calls": sync.last_calls,
        "orders_read": sync.last_orders_read,
        "orders_changed": sync.last_orders_changed,
        "orders_unmatched": sync.last_orders_unmatched,
        "can_sync": not running,
    }


def tracking_sync_request(*, shop: str) -> bool:
    """ "Sincronizar ahora": queue a run at once; False when one is already queued or running.
    ApplicationError when Dropi is not configured (409), paused (429) or the previous request
    was less than a minute ago and its run is over (429)."""
    dropi_access_get(shop=shop)
    dropi_pause_enforce(shop=shop)
    now = timezone.now()
    # A new row starts off: the update below turns it on and queues its first run.
    sync, _created = DropiTrackingSync.objects.get_or_create(shop=shop, defaults={"state": State.OFF})
    idle = (Q(state=State.OFF) | Q(state=State.WAITING, next_attempt_at__gt=now)) & (
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    rested = Q(requested_at__isnull=True) | Q(requested_at__lt=now - MANUAL_SPACING)
    with transaction.atomic():
        queued = DropiTrackingSync.objects.filter(idle & rested, pk=sync.pk).update(
            state=State.WAITING, next_attempt_at=None, requested_at=now, updated_at=now
        )
        if queued:
            work_schedule(job=TRACKING_SYNC, pk=sync.pk)
    if not queued and DropiTrackingSync.objects.filter(idle, pk=sync.pk).exists():
        raise ApplicationError(
            _("The orders were synced less than a minute ago. Try again in a minute."), code="too_soon", status=429
        )
    return bool(queued)
