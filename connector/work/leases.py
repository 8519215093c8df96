"""Holding one row of work: claim, renew, finish.

Owns: the conditional UPDATEs that give one worker a row (only when it is waiting, due and not
leased; attempts + 1; a fresh owner token and a lease), extend that lease, and end the attempt
— each only while the row is still that worker's. Must not decide what a state means (jobs do)
nor hold a transaction across the caller's work.

"Still ours" means: the row carries this claim's owner token and is in one of the job's
running states. Recovery, staff or another worker that took the row changed one or the other,
so a worker that was too slow finds out at its next renewal (``LeaseLost``) or at its finish
(False), and stops. Safe under concurrency on MySQL 8 / MariaDB: an UPDATE locks the row and
re-reads it, so of two workers claiming at once exactly one changes it.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from django.db import OperationalError, transaction
from django.db.models import F, Manager, Q, QuerySet
from django.utils import timezone

from connector.db_errors import is_deadlock
from connector.work.jobs import Job, Row
from connector.work.turns import turn_is_free

TURN_CLAIM_ATTEMPTS = 5


class LeaseLost(Exception):
    """The row is no longer this worker's (its lease ran out and it was taken): stop at once."""


@dataclass(frozen=True)
class Claim(Generic[Row]):
    """One worker's hold on one row: the job, the row as read right after the claim, the owner token."""

    job: Job[Row]
    row: Row
    owner: str

    @property
    def pk(self) -> int:
        return int(self.row.pk)

    @property
    def attempt(self) -> int:
        """The row's attempt count after the claim (the number of this attempt when it counts one)."""
        return self.row.attempts


def rows_of(job: Job[Row]) -> Manager[Row]:
    return job.model._default_manager


def _held(claim: Claim[Row]) -> QuerySet[Row]:
    return rows_of(claim.job).filter(pk=claim.pk, lease_owner=claim.owner, state__in=claim.job.running_states)


def work_claim(
    *,
    job: Job[Row],
    pk: int,
    states: Sequence[str] | None = None,
    to_state: str | None = None,
    count_attempt: bool = True,
    where: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
) -> Claim[Row] | None:
    """Take row ``pk`` for this worker; None when it is not claimable (not waiting, not due,
    leased by another worker, gone, or not matching ``where``).

    One conditional UPDATE: state in ``states`` (default: the job's waiting states), due
    (``next_attempt_at`` empty or within ``job.due_tolerance``), lease free or run out. It sets
    a new owner token and ``lease_until`` = now + ``job.lease()``, moves the state to
    ``to_state`` (default ``job.claim_state``), adds one to ``attempts`` when ``count_attempt``
    and applies ``changes``. A job with ``turns`` claims only the row whose turn it is, with the
    rows of its key locked meanwhile (``connector.work.turns``).
    """
    if job.turns is None:
        return _claim(job, pk, states, to_state, count_attempt, where, changes)
    for attempt in range(1, TURN_CLAIM_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                if not turn_is_free(job, pk):
                    return None
                return _claim(job, pk, states, to_state, count_attempt, where, changes)
        except OperationalError as error:
            # Two claims locking one key's rows can deadlock on MySQL's index locks; the server
            # rolls one back whole, so it is run again (not inside a caller's transaction).
            if not is_deadlock(error) or attempt == TURN_CLAIM_ATTEMPTS or transaction.get_connection().in_atomic_block:
                raise
            time.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 (jitter, not secrecy)
    return None


def _claim(
    job: Job[Row],
    pk: int,
    states: Sequence[str] | None,
    to_state: str | None,
    count_attempt: bool,
    where: Mapping[str, Any] | None,
    changes: Mapping[str, Any] | None,
) -> Claim[Row] | None:
    now = timezone.now()
    owner = uuid.uuid4().hex
    updates: dict[str, Any] = {"lease_owner": owner, "lease_until": now + job.lease(), "updated_at": now}
    target = to_state or job.claim_state
    if target:
        updates["state"] = target
    if count_attempt:
        updates["attempts"] = F("attempts") + 1
    updates.update(changes or {})
    rows = rows_of(job)
    claimed = (
        rows.filter(pk=pk, state__in=list(states or job.waiting_states), **(where or {}))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + job.due_tolerance))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(**updates)
    )
    if not claimed:
        return None
    row = rows.filter(pk=pk, lease_owner=owner).first()
    return None if row is None else Claim(job=job, row=row, owner=owner)


def work_renew(claim: Claim[Row], **changes: Any) -> None:
    """Extend the lease (and apply ``changes``) before the next step; raise ``LeaseLost`` when
    the row is no longer this claim's."""
    now = timezone.now()
    if not _held(claim).update(lease_until=now + claim.job.lease(), updated_at=now, **changes):
        raise LeaseLost


def work_finish(claim: Claim[Row], *, where: Mapping[str, Any] | None = None, **changes: Any) -> bool:
    """End the attempt: apply ``changes`` and clear the lease, only while the row is still this
    claim's (and matches ``where``); False otherwise (nothing written)."""
    updates: dict[str, Any] = {"lease_owner": "", "lease_until": None, "updated_at": timezone.now(), **changes}
    return bool(_held(claim).filter(**(where or {})).update(**updates))


def work_lock(claim: Claim[Row]) -> bool:
    """Inside a transaction: lock the row until the transaction ends, if it is still this
    claim's (False otherwise). Recovery skips locked rows, so work done under the lock is never
    taken over, however long it runs."""
    return bool(list(_held(claim).select_for_update().values_list("pk", flat=True)))


def work_state(*, job: Job[Row], pk: int, default: str = "") -> str:
    """The row's current state (``default`` when it is gone)."""
    state = rows_of(job).filter(pk=pk).values_list("state", flat=True).first()
    return default if state is None else str(state)
