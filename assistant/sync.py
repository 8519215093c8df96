"""The sync of the AI assistant profile to Ecomdrop: its states and transitions.

Owns: writing the saved profile — each part, and the whole profile as text — to the bot
fields of the merchant's Ecomdrop account (``bot_fields``), as a background task. A worker
claims the row with a conditional UPDATE and a lease; retryable Ecomdrop errors (5xx,
timeouts, 429) schedule another attempt with exponential back-off and jitter, up to
AI_PROFILE_SYNC_MAX_ATTEMPTS; a refused key or request fails at once. Writing a bot field is
idempotent, so an attempt repeated after a lost answer or a lost worker does no harm. The sync
is recorded against the revision it read: a save that lands meanwhile is synced again, never
reported as synced. No transaction is open during an HTTP call; vendor calls go through
connector/ecomdrop. Logs carry ids, never profile content.
"""

from __future__ import annotations

import datetime
import logging
import random
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assistant import rendering
from assistant.bot_fields import (
    SyncFailure,
    _account_hash,
    _AccountFields,
    _bot_field_definitions,
    _remembered_fields,
    _write,
)
from assistant.models import AIConfiguration
from connector.ecomdrop.client import EcomdropClient
from connector.ecomdrop.errors import EcomdropError, EcomdropRateLimited
from shops.selectors import shop_configuration_get

logger = logging.getLogger(__name__)

SyncStatus = AIConfiguration.SyncStatus

LEASE = datetime.timedelta(minutes=5)


def _backend_queues() -> bool:
    """Whether the task backend queues jobs (database) rather than running them at enqueue.

    A queueing backend gets the job inside the caller's transaction, so it commits with the
    data; a backend that runs the task at once (``immediate``, tests) is called after the
    transaction, so no HTTP call ever runs inside it.
    """
    from assistant.tasks import sync_ai_profile

    return sync_ai_profile.get_backend().supports_defer


def _enqueue(configuration_id: int, *, run_after: datetime.datetime | None = None) -> None:
    from assistant.tasks import sync_ai_profile

    task = sync_ai_profile
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # immediate backend (tests): due syncs are run by ai_profile_sync_process_due
        task = task.using(run_after=run_after)
    task.enqueue(configuration_id)


def _claim(configuration_id: int, owner: str) -> bool:
    now = timezone.now()
    claimed = (
        AIConfiguration.objects.filter(pk=configuration_id, sync_status=SyncStatus.PENDING)
        .filter(Q(sync_next_attempt_at__isnull=True) | Q(sync_next_attempt_at__lte=now))
        .filter(Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lt=now))
        .update(sync_lease_owner=owner, sync_lease_until=now + LEASE, sync_attempts=F("sync_attempts") + 1)
    )
    return claimed == 1


def _finish(configuration_id: int, owner: str, **changes: Any) -> int:
    return AIConfiguration.objects.filter(pk=configuration_id, sync_lease_owner=owner).update(
        sync_lease_owner="", sync_lease_until=None, **changes
    )


def ai_profile_sync(*, configuration_id: int) -> str:
    """Write the saved profile to the shop's Ecomdrop bot fields; return the resulting sync status.

    Does nothing (returns the current status) when no sync is due or another worker holds the
    row; in that last case it looks again when that worker's lease ends.
    """
    owner = uuid.uuid4().hex
    if not _claim(configuration_id, owner):
        row = AIConfiguration.objects.filter(pk=configuration_id).values("sync_status", "sync_lease_until").first()
        if row is None:
            return ""
        lease_until = row["sync_lease_until"]
        if row["sync_status"] == SyncStatus.PENDING and lease_until and lease_until >= timezone.now():
            _enqueue(configuration_id, run_after=lease_until + datetime.timedelta(seconds=1))
        return row["sync_status"]

    configuration = AIConfiguration.objects.get(pk=configuration_id)
    revision = configuration.revision
    shop_configuration = shop_configuration_get(shop=configuration.shop)
    fields = _AccountFields(ids={})
    account = ""
    try:
        if shop_configuration is None or not shop_configuration.is_installed:
            raise SyncFailure("NotInstalled")
        if not shop_configuration.ecomdrop_api_key:
            raise SyncFailure("NoApiKey")
        api_key = shop_configuration.ecomdrop_api_key.reveal()
        account = _account_hash(api_key)[0]
        fields = _remembered_fields(configuration, api_key)
        client = EcomdropClient(api_key=api_key)
        definitions = _bot_field_definitions()
        for key, value in rendering.bot_field_values(configuration.profile()).items():
            _write(client, definitions[key], value, fields)
    except (EcomdropError, SyncFailure) as error:
        remembered = fields.remembered(account) if account else configuration.ecomdrop_field_ids
        return _fail_or_retry(configuration, owner, error, remembered)

    remembered = fields.remembered(account)
    now = timezone.now()
    synced = AIConfiguration.objects.filter(pk=configuration_id, sync_lease_owner=owner, revision=revision).update(
        sync_status=SyncStatus.SYNCED,
        synced_at=now,
        synced_revision=revision,
        last_sync_error="",
        sync_attempts=0,
        sync_next_attempt_at=None,
        sync_lease_owner="",
        sync_lease_until=None,
        ecomdrop_field_ids=remembered,
    )
    if synced:
        logger.info("AI profile synced (revision %s)", revision, extra={"shop": configuration.shop})
        return SyncStatus.SYNCED
    # A newer save landed while this one was being written: send that one too, at once.
    if _finish(configuration_id, owner, sync_attempts=0, sync_next_attempt_at=None, ecomdrop_field_ids=remembered):
        _enqueue(configuration_id)
    return SyncStatus.PENDING


def _error_text(error: Exception) -> str:
    if isinstance(error, SyncFailure):
        return f"{error.kind}: {error.detail}"[:1000] if error.detail else error.kind
    return f"{type(error).__name__}: {error}"[:1000]


def _retry_delay(attempts: int, error: Exception) -> datetime.timedelta:
    base = settings.AI_PROFILE_SYNC_RETRY_BASE_SECONDS
    cap = settings.AI_PROFILE_SYNC_RETRY_MAX_SECONDS
    seconds = min(cap, base * 2 ** max(attempts - 1, 0)) * (0.5 + random.random())  # noqa: S311 (jitter)
    if isinstance(error, EcomdropRateLimited):
        seconds = max(seconds, error.retry_after)
    return datetime.timedelta(seconds=seconds)


def _fail_or_retry(configuration: AIConfiguration, owner: str, error: Exception, remembered: dict[str, Any]) -> str:
    attempts = AIConfiguration.objects.filter(pk=configuration.pk).values_list("sync_attempts", flat=True).first() or 0
    if getattr(error, "retryable", False) and attempts < settings.AI_PROFILE_SYNC_MAX_ATTEMPTS:
        next_attempt = timezone.now() + _retry_delay(attempts, error)
        with transaction.atomic():
            finished = _finish(
                configuration.pk,
                owner,
                sync_next_attempt_at=next_attempt,
                last_sync_error=_error_text(error),
                ecomdrop_field_ids=remembered,
            )
            if finished:
                _enqueue(configuration.pk, run_after=next_attempt)
        logger.info(
            "AI profile sync will retry (attempt %s): %s",
            attempts,
            type(error).__name__,
            extra={"shop": configuration.shop},
        )
        return SyncStatus.PENDING
    _finish(
        configuration.pk,
        owner,
        sync_status=SyncStatus.FAILED,
        sync_next_attempt_at=None,
        last_sync_error=_error_text(error),
        ecomdrop_field_ids=remembered,
    )
    logger.warning(
        "AI profile sync failed: %s", getattr(error, "kind", type(error).__name__), extra={"shop": configuration.shop}
    )
    return SyncStatus.FAILED


def ai_profile_sync_process_due(*, limit: int = 100) -> int:
    """Run the syncs whose next attempt is due (for backends that cannot defer tasks, and as
    a safety net); return how many were tried."""
    due = list(
        AIConfiguration.objects.filter(sync_status=SyncStatus.PENDING)
        .filter(Q(sync_next_attempt_at__isnull=True) | Q(sync_next_attempt_at__lte=timezone.now()))
        .order_by("sync_next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for configuration_id in due:
        ai_profile_sync(configuration_id=configuration_id)
    return len(due)
