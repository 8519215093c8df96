"""Polled jobs: the row is the unit of work, claimed in batches with SKIP LOCKED.

Owns: which jobs are polled (settings.WORKER_POLLED_JOBS names them; only on the database queue,
and only jobs that can run a row already claimed, ``Job.run_claimed``), claiming a batch of due
rows at once (``work_claim_due``) and running every due row here and now (``work_run_polled``,
for ``worker --batch`` and tests). Must not know any job, nor run rows concurrently (the
worker's runner does: ``connector.work.runner``).

A polled job's rows need no task: a row that is waiting and due *is* queued. Intake writes the
row and nothing else (one INSERT per webhook); a retry writes ``next_attempt_at``; recovery
puts a lost row back in a waiting state. The claim is the machine's usual one (waiting, due,
lease free or run out; attempts + 1; a fresh owner; a lease), made for many rows in one
transaction: ``SELECT … FOR UPDATE SKIP LOCKED`` (MySQL 8, MariaDB 10.6+) takes rows no other
worker is claiming, one UPDATE claims them (the statements: ``claim_sql``). SQLite (``make
run``) has no row locks: the clause is left out there and its one writer at a time serialises
the claims. A job whose rows take turns (``Job.turns``: one row per key at a time) is claimed
in batches too: the rows whose turn it seems to be are read with SKIP LOCKED, then every row of
their keys is locked in one more read (waiting for a key's row still being inserted) and the
turn rule decides which of them are claimed (``turns.turns_free``). A claim the server ends as
a deadlock is retried.
"""

from __future__ import annotations

import contextvars
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from connector import task_queue
from connector.work.claim_sql import candidates_read, claimed_mark, claimed_rows
from connector.work.jobs import Job, Row
from connector.work.leases import Claim, retrying_deadlocks
from connector.work.turns import turns_free


@lru_cache(maxsize=8)
def _polled(paths: tuple[str, ...]) -> tuple[Job[Any], ...]:
    return tuple(import_string(path) for path in paths)


def work_polled_jobs() -> tuple[Job[Any], ...]:
    """The jobs settings.WORKER_POLLED_JOBS names that are polled now (database queue)."""
    return tuple(job for job in _polled(tuple(settings.WORKER_POLLED_JOBS)) if work_is_polled(job))


def work_is_polled(job: Job[Any]) -> bool:
    """Whether ``job``'s rows are its queue (no task is written for them)."""
    if job.run_claimed is None or not any(job is other for other in _polled(tuple(settings.WORKER_POLLED_JOBS))):
        return False
    return task_queue.queue_is_database(import_string(job.task))


def work_claim_due(
    *,
    job: Job[Row],
    limit: int,
    skip_pks: Collection[int] = (),
    quotas: Mapping[str, int] | None = None,
    full: Collection[str] = (),
    per_key: int | None = None,
) -> list[Claim[Row]]:
    """Claim up to ``limit`` due rows of ``job`` for this worker, oldest first within a waiting
    state (the order of the job's (state, next_attempt_at) index).

    ``skip_pks``: rows this worker already runs. With ``job.fair_key``: rows whose key is in
    ``full`` are left alone, and of a key in ``quotas`` at most that many are claimed, of any
    other key at most ``per_key`` (the rest stay waiting for the next call). One transaction: the candidates
    are read with FOR UPDATE SKIP LOCKED (rows another worker is claiming are skipped, not
    waited for), then one UPDATE claims them; the claimed rows are read back.
    """
    if limit <= 0:
        return []
    now = timezone.now()

    def read() -> list[tuple[Any, ...]]:
        return candidates_read(job, now=now, limit=limit, skip_pks=skip_pks, full=full)

    return retrying_deadlocks(lambda: _claim_batch(job, read, quotas or {}, per_key, now))


def _claim_batch(
    job: Job[Row], read: Callable[[], list[tuple[Any, ...]]], quotas: Mapping[str, int], per_key: int | None, now: Any
) -> list[Claim[Row]]:
    """One transaction: read (and lock) the candidates, keep those within the quotas and, for a
    job with turns, those whose turn it is (``turns_free``), claim them with one UPDATE."""
    key = job.fair_key
    owner = uuid.uuid4().hex
    with transaction.atomic():
        found = read()
        chosen = (
            _within_quotas(((pk, value) for pk, value, *_ in found), quotas, per_key)
            if key
            else [pk for pk, *_ in found]
        )
        if job.turns is not None and chosen:
            keys = {pk: tuple(values) for pk, _value, *values in found}
            chosen = turns_free(job, [(pk, keys[pk]) for pk in chosen])
        if not chosen:
            return []
        updates: dict[str, Any] = {"lease_owner": owner, "lease_until": now + job.lease(), "updated_at": now}
        if job.claim_state:
            updates["state"] = job.claim_state
        claimed_mark(job, chosen, updates)
    batch: dict[Any, Any] = {}
    return [Claim(job=job, row=row, owner=owner, batch=batch) for row in claimed_rows(job, chosen, owner)]


def _within_quotas(found: Iterable[tuple[int, Any]], quotas: Mapping[str, int], per_key: int | None) -> list[int]:
    taken: dict[str, int] = {}
    chosen = []
    for pk, value in found:
        quota = quotas.get(str(value), per_key)
        if quota is not None and taken.get(str(value), 0) >= quota:
            continue
        taken[str(value)] = taken.get(str(value), 0) + 1
        chosen.append(pk)
    return chosen


_batch: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar("work_batch", default=None)


def work_run_claimed(claim: Claim[Row]) -> str:
    """Run one claimed row with its job's ``run_claimed``; returns the row's state afterwards.
    While it runs, ``work_shared`` shares reads with the rows claimed in the same batch."""
    run = claim.job.run_claimed
    if run is None:  # pragma: no cover (only polled jobs are claimed in batches)
        raise TypeError(f"Job {claim.job.name} cannot run a claimed row")
    token = _batch.set(claim.batch)
    try:
        return run(claim)
    finally:
        _batch.reset(token)


class _Shared:
    """One value of a batch, read by the first row that asks for it while the others wait."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.read = False
        self.value: Any = None

    def get(self, read: Callable[[], Any]) -> Any:
        if not self.read:
            with self.lock:
                if not self.read:  # a read that raised is tried again by the next row
                    self.value, self.read = read(), True
        return self.value


def work_shared(key: Any, read: Callable[[], Any]) -> Any:
    """``read()``, or what another row of the running row's batch read under ``key``. Rows
    claimed together start together, so the value is as fresh as a read at the start of the
    row; it must be only read. The rows run in several threads at once: the first to ask reads,
    the others wait for its value. Outside a batch-claimed row (a task, a page), simply
    ``read()``."""
    batch = _batch.get()
    if batch is None:
        return read()
    shared = batch.get(key)
    if shared is None:
        shared = batch.setdefault(key, _Shared())  # atomic: every thread gets the same one
    return shared.get(read)


def work_run_polled(*, batch_size: int = 100) -> int:
    """Run every due row of every polled job here, one after the other, until none is due
    (``worker --batch``, tests); returns how many rows ran."""
    ran = 0
    while True:
        claims = [claim for job in work_polled_jobs() for claim in work_claim_due(job=job, limit=batch_size)]
        if not claims:
            return ran
        for claim in claims:
            work_run_claimed(claim)
            ran += 1
