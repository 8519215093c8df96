"""Holding one row of work: claim, renew, finish.

Owns: the claim that gives one worker a row (only when it is waiting, due and not leased;
attempts + 1; a fresh owner token and a lease), and the conditional UPDATEs that extend that
lease and end the attempt — each only while the row is still that worker's. Must not decide
what a state means (jobs do) nor hold a transaction across the caller's work.

"Still ours" means: the row carries this claim's owner token and is in one of the job's
running states. Recovery, staff or another worker that took the row changed one or the other,
so a worker that was too slow finds out at its next renewal (``LeaseLost``) or at its finish
(False), and stops. A lazy renewal writes only when half of the lease has gone (one UPDATE per
half-lease instead of one per call). Safe under concurrency on MySQL 8 / MariaDB: the claim
locks the row and re-reads it, so of two workers claiming at once exactly one changes it. The
claim reaches the row only through its primary key (see ``work_claim``), so it never locks a
neighbouring row's index entries before that row, as a worker finishing the neighbour does the
other way round.
"""

from __future__ import annotations

import datetime
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import OperationalError, router, transaction
from django.db.models import F, Manager
from django.utils import timezone

from connector.db_errors import is_deadlock
from connector.db_rows import row_update
from connector.work.jobs import Job, Row
from connector.work.turns import turn_is_free

DEADLOCK_ATTEMPTS = 5
T = TypeVar("T")


class LeaseLost(Exception):
    """The row is no longer this worker's (its lease ran out and it was taken): stop at once."""


@dataclass(frozen=True)
class Claim(Generic[Row]):
    """One worker's hold on one row: the job, the row as read right after the claim, the owner token."""

    job: Job[Row]
    row: Row
    owner: str
    # When this worker's lease ends, as last written by it (a lazy renewal reads it).
    held_until: list[datetime.datetime] = field(default_factory=list, compare=False, repr=False)
    # Shared by the rows claimed together in one batch (``polled``), which start running at
    # once: what every row of the batch reads alike is read once (``polled.work_shared``).
    batch: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def pk(self) -> int:
        return int(self.row.pk)

    @property
    def attempt(self) -> int:
        """The row's attempt count after the claim (the number of this attempt when it counts one)."""
        return self.row.attempts


def rows_of(job: Job[Row]) -> Manager[Row]:
    return job.model._default_manager


def _update_held(claim: Claim[Row], changes: Mapping[str, Any], where: Mapping[str, Any] | None = None) -> int:
    """UPDATE the claimed row only while it is still this claim's: every renewal and finish,
    so the statement is written once (``row_update``), not built by the ORM each time."""
    model = claim.job.model
    held = {"lease_owner": claim.owner, "state": tuple(claim.job.running_states), **(where or {})}
    using = router.db_for_write(model)
    # One UPDATE of its own: it locks the row, then its index entries — the reverse of a
    # claim's locking read — so the server may end it as a deadlock victim; it runs again.
    return retrying_deadlocks(lambda: row_update(model, claim.pk, changes, where=held, using=using), using=using)


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
    leased by another worker, gone, or not matching ``where``: field → value, compared for
    equality).

    Claimable means: state in ``states`` (default: the job's waiting states), due
    (``next_attempt_at`` empty or within ``job.due_tolerance``), lease free or run out. The
    claim sets a new owner token and ``lease_until`` = now + ``job.lease()``, moves the state to
    ``to_state`` (default ``job.claim_state``), adds one to ``attempts`` when ``count_attempt``
    and applies ``changes``. A job with ``turns`` claims only the row whose turn it is, with the
    rows of its key locked meanwhile (``connector.work.turns``).

    The claim itself is one short transaction that touches the row only through its primary
    key: lock it, check it, update it (``_claim``). A single conditional UPDATE would do the
    same, but MariaDB plans it on the job's (state, due) index when few rows wait: it then
    locks index entries of neighbouring rows before their rows, the reverse order of a worker
    finishing one of them, and InnoDB ends one of the two as a deadlock victim — whose task
    fails, leaving its row to wait a whole lease for recovery (``bench/dropi_orders.py`` found
    it).
    """
    if job.turns is None:
        return _claim(job, pk, states, to_state, count_attempt, where, changes)

    def claim_in_turn() -> Claim[Row] | None:
        with transaction.atomic():
            if not turn_is_free(job, pk):
                return None
            return _claim(job, pk, states, to_state, count_attempt, where, changes)

    return retrying_deadlocks(claim_in_turn)


def retrying_deadlocks(work: Callable[[], T], *, using: str | None = None) -> T:
    """Run ``work`` (a transaction of its own: a claim, or one renewing or finishing UPDATE)
    again when the server ends it as a deadlock. Two claims locking the same keys' rows, or
    one row reached through two of its indexes, can deadlock on MySQL's index locks; the
    server rolls the victim back whole, so it can run again — but not inside a caller's
    transaction, which the rollback ended too (the error goes to the caller)."""
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            return work()
        except OperationalError as error:
            last = attempt == DEADLOCK_ATTEMPTS
            if not is_deadlock(error) or last or transaction.get_connection(using).in_atomic_block:
                raise
            time.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 (jitter, not secrecy)
    raise AssertionError("unreachable: the last attempt returns or raises")


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
    conditions = dict(where or {})
    with transaction.atomic(using=rows.db):
        locked = rows.select_for_update().filter(pk=pk).order_by()
        current = next(iter(locked.values("state", "next_attempt_at", "lease_until", *conditions)), None)
        if current is None or not _claimable(current, job, list(states or job.waiting_states), conditions, now):
            return None
        rows.filter(pk=pk).update(**updates)
    row = rows.filter(pk=pk, lease_owner=owner).first()
    return None if row is None else Claim(job=job, row=row, owner=owner)


def _claimable(
    current: Mapping[str, Any], job: Job[Any], states: list[str], where: Mapping[str, Any], now: datetime.datetime
) -> bool:
    """Whether the row as locked is waiting, due, not leased and matches ``where``."""
    due = current["next_attempt_at"] is None or current["next_attempt_at"] <= now + job.due_tolerance
    free = current["lease_until"] is None or current["lease_until"] < now
    matches = all(current[name] == value for name, value in where.items())
    return current["state"] in states and due and free and matches


def work_renew(claim: Claim[Row], **changes: Any) -> None:
    """Extend the lease (and apply ``changes``) before the next step; raise ``LeaseLost`` when
    the row is no longer this claim's."""
    now = timezone.now()
    lease = claim.job.lease()
    if not _update_held(claim, {"lease_until": now + lease, "updated_at": now, **changes}):
        raise LeaseLost
    claim.held_until[:] = [now + lease]


def work_renew_lazily(claim: Claim[Row]) -> None:
    """``work_renew`` before an outside call, but nothing is written while more than half of
    the lease this worker last wrote is left: the call ends before the lease does (a lease is
    at least twice the HTTP timeout), and nobody takes a row whose lease has not run out
    (recovery takes only expired ones). Writes that record an intent use ``work_renew``."""
    until = claim.held_until[-1] if claim.held_until else claim.row.lease_until
    if until is None or until - timezone.now() <= claim.job.lease() / 2:
        work_renew(claim)


def work_finish(claim: Claim[Row], *, where: Mapping[str, Any] | None = None, **changes: Any) -> bool:
    """End the attempt: apply ``changes`` and clear the lease, only while the row is still this
    claim's and matches ``where`` (field → value); False otherwise (nothing written)."""
    updates: dict[str, Any] = {"lease_owner": "", "lease_until": None, "updated_at": timezone.now(), **changes}
    return bool(_update_held(claim, updates, where))


def work_state(*, job: Job[Row], pk: int, default: str = "") -> str:
    """The row's current state (``default`` when it is gone)."""
    state = rows_of(job).filter(pk=pk).values_list("state", flat=True).first()
    return default if state is None else str(state)
