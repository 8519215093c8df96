"""The sync of the AI assistant profile to Ecomdrop: its states and transitions.

Owns: writing the saved profile — each part, and the whole profile as text — to the bot
fields of the merchant's Ecomdrop account (``bot_fields``), as a job on the leased-work
machine (``AI_PROFILE_SYNC`` below). States: never → pending → synced / failed; a save or
"Sincronizar ahora" makes it pending again. A worker claims the row (the machine's conditional
UPDATE and lease); retryable Ecomdrop errors (5xx, timeouts, 429) schedule another attempt with
exponential back-off and jitter, up to AI_PROFILE_SYNC_MAX_ATTEMPTS; a refused key or request
fails at once. Its own rule is the revision check: the sync is recorded against the revision
it read, so a save that lands meanwhile is synced again, never reported as synced. Writing a
bot field is idempotent, so an attempt repeated after a lost answer or a lost worker does no
harm. No transaction is open during an HTTP call; vendor calls go through connector/ecomdrop.
Logs carry ids, never profile content.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
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
from connector.ecomdrop.errors import EcomdropError
from connector.work import (
    Claim,
    Job,
    LostReason,
    Recovery,
    RetryPolicy,
    requested_wait,
    work_claim,
    work_finish,
    work_requeue,
    work_requeue_lost,
    work_retry_or_fail,
    work_run_due,
    work_state,
)
from shops.selectors import shop_configuration_get

logger = logging.getLogger(__name__)

SyncStatus = AIConfiguration.SyncStatus

LEASE = datetime.timedelta(minutes=5)
WORKER_LOST = "WorkerLost: the worker stopped during the sync."


def _retry_policy() -> RetryPolicy:
    return RetryPolicy(
        base_seconds=settings.AI_PROFILE_SYNC_RETRY_BASE_SECONDS,
        max_seconds=settings.AI_PROFILE_SYNC_RETRY_MAX_SECONDS,
        max_attempts=settings.AI_PROFILE_SYNC_MAX_ATTEMPTS,
    )


def _sync_lost(configuration: AIConfiguration, reason: LostReason, now: datetime.datetime) -> Recovery:
    """A lost sync is queued again at once (writing the fields twice does no harm), unless the
    lost attempt was its last: a sync that keeps killing its worker fails."""
    if reason is LostReason.LEASE and configuration.attempts >= settings.AI_PROFILE_SYNC_MAX_ATTEMPTS:
        return Recovery("failed", {"state": SyncStatus.FAILED, "next_attempt_at": None, "last_error": WORKER_LOST})
    return Recovery("requeued", {"next_attempt_at": None})


def _process(configuration_id: int) -> str:
    return ai_profile_sync(configuration_id=configuration_id)


# The row is pending while it waits and while a worker holds it (the lease tells them apart).
AI_PROFILE_SYNC: Job[AIConfiguration] = Job(
    name="ai_profile_sync",
    model=AIConfiguration,
    task="assistant.tasks.sync_ai_profile",
    process=_process,
    waiting_states=(SyncStatus.PENDING,),
    running_states=(SyncStatus.PENDING,),
    claim_state=None,
    retry_state=SyncStatus.PENDING,
    failed_state=SyncStatus.FAILED,
    lease=lambda: LEASE,
    retry=_retry_policy,
    lost=_sync_lost,
)


def ai_profile_sync(*, configuration_id: int) -> str:
    """Write the saved profile to the shop's Ecomdrop bot fields; return the resulting sync status.

    Does nothing (returns the current status) when no sync is due or another worker holds the
    row: that worker queues the sync again if a newer save lands while it writes, and the
    recovery sweep does if it dies.
    """
    claim = work_claim(job=AI_PROFILE_SYNC, pk=configuration_id)
    if claim is None:
        return work_state(job=AI_PROFILE_SYNC, pk=configuration_id)
    configuration = claim.row
    revision = configuration.revision
    fields = _AccountFields(ids={})
    account = ""
    try:
        shop_configuration = shop_configuration_get(shop=configuration.shop)
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
        return _fail_or_retry(claim, error, remembered)
    return _record_synced(claim, revision=revision, remembered=fields.remembered(account))


def _record_synced(claim: Claim[AIConfiguration], *, revision: int, remembered: dict[str, Any]) -> str:
    """Synced, if the profile is still the revision that was written; otherwise sync again."""
    synced = work_finish(
        claim,
        where={"revision": revision},
        state=SyncStatus.SYNCED,
        synced_at=timezone.now(),
        synced_revision=revision,
        last_error="",
        attempts=0,
        next_attempt_at=None,
        ecomdrop_field_ids=remembered,
    )
    if synced:
        logger.info("AI profile synced (revision %s)", revision, extra={"shop": claim.row.shop})
        return SyncStatus.SYNCED
    # A newer save landed while this one was being written: send that one too, at once.
    work_requeue(claim, attempts=0, ecomdrop_field_ids=remembered)
    return SyncStatus.PENDING


def _error_text(error: Exception) -> str:
    if isinstance(error, SyncFailure):
        return f"{error.kind}: {error.detail}"[:1000] if error.detail else error.kind
    return f"{type(error).__name__}: {error}"[:1000]


def _fail_or_retry(claim: Claim[AIConfiguration], error: Exception, remembered: dict[str, Any]) -> str:
    # Read again: a save during the sync starts the count again.
    attempts = AIConfiguration.objects.filter(pk=claim.pk).values_list("attempts", flat=True).first() or 0
    kept = {"ecomdrop_field_ids": remembered}
    state = work_retry_or_fail(
        claim,
        retryable=bool(getattr(error, "retryable", False)),
        attempt=attempts,
        error_text=_error_text(error),
        retry_after=requested_wait(error),
        retry_changes=kept,
        fail_changes=kept,
    )
    shop = {"shop": claim.row.shop}
    if state == SyncStatus.PENDING:
        logger.info("AI profile sync will retry (attempt %s): %s", attempts, type(error).__name__, extra=shop)
    elif state == SyncStatus.FAILED:
        logger.warning("AI profile sync failed: %s", getattr(error, "kind", type(error).__name__), extra=shop)
    return state or work_state(job=AI_PROFILE_SYNC, pk=claim.pk)


def ai_profile_sync_process_due(*, limit: int = 100) -> int:
    """Run the syncs whose next attempt is due, here and now (for backends that cannot defer
    tasks); return how many were tried."""
    return work_run_due(job=AI_PROFILE_SYNC, limit=limit)


def ai_profile_syncs_recover() -> dict[str, int]:
    """The leased-work machine's recovery for profile syncs (the worker's maintenance): syncs of
    vanished workers and pending ones whose task was lost are queued again; non-zero counts."""
    return work_requeue_lost(job=AI_PROFILE_SYNC)
