"""The task worker's heartbeat: when a worker last ran its maintenance sweep.

Owns: recording the beat (``connector.maintenance`` does it at every sweep, from every worker:
one row, the latest beat wins) and reading it: when a worker was last seen, and whether one is
running (seen within WORKER_SILENCE_SWEEPS sweeps). Pages use it to tell work nobody is doing
from work that is only behind. Must not know any job, and must never stop a sweep.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from connector.models import WorkerHeartbeat

HEARTBEAT_ID = 1
# A worker sweeps at start and every WEBHOOK_RECOVERY_INTERVAL_SECONDS: one not seen for this
# many sweeps (and at least a minute) is not running.
WORKER_SILENCE_SWEEPS = 3
MINIMUM_SILENCE = datetime.timedelta(minutes=1)


def worker_heartbeat_record(*, now: datetime.datetime | None = None) -> None:
    """Record that a worker is alive now (one UPDATE; the row is created by the first beat)."""
    seen_at = now or timezone.now()
    if WorkerHeartbeat.objects.filter(pk=HEARTBEAT_ID).update(seen_at=seen_at):
        return
    try:
        with transaction.atomic():
            WorkerHeartbeat.objects.create(pk=HEARTBEAT_ID, seen_at=seen_at)
    except IntegrityError:  # another worker's first beat won the race
        WorkerHeartbeat.objects.filter(pk=HEARTBEAT_ID).update(seen_at=seen_at)


def worker_last_seen() -> datetime.datetime | None:
    """When a worker last swept; None when none ever did."""
    return WorkerHeartbeat.objects.filter(pk=HEARTBEAT_ID).values_list("seen_at", flat=True).first()


def worker_silence_limit() -> datetime.timedelta:
    """How long without a beat means that no worker is running ("a while", from the settings)."""
    return max(
        datetime.timedelta(seconds=WORKER_SILENCE_SWEEPS * settings.WEBHOOK_RECOVERY_INTERVAL_SECONDS),
        MINIMUM_SILENCE,
    )


def worker_is_running(*, now: datetime.datetime | None = None) -> bool:
    """Whether a worker swept within ``worker_silence_limit()``."""
    seen_at = worker_last_seen()
    return seen_at is not None and (now or timezone.now()) - seen_at <= worker_silence_limit()
