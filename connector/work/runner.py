"""The worker's concurrent runner of polled jobs: many I/O-bound rows at once, fairly shared.

Owns: one dispatcher thread that claims due rows of the polled jobs (``work_claim_due``) while
the worker has free slots, and a pool of ``slots`` threads that run them (each thread with its
own database connection, as Django gives every thread). Per-key fairness: rows with one value
of the job's ``fair_key`` (a shop) are claimed first within ``share`` of the slots, so a burst
of one shop leaves the other slots to the others' rows. With ``spill``, slots that no other key
wants go to the busy key too (a flash sale on an otherwise quiet worker is not held back); once
another key has a due row, it gets the next free slot, because the busy key is over its share.
Without ``spill`` the share is a hard cap. Looking for other keys' rows while some are at their
share reads every due row of those first (the (state, due) index holds no key): in a one-shop
burst, the whole backlog. So a look that found nothing is not repeated for
``fair_probe_interval`` (spilling claims meanwhile): another key's new row waits at most that
much longer for its slot, and the database reads the backlog a few times a second, not at every
dispatch. Idle, the dispatcher polls with back-off from ``min_interval`` to ``max_interval``
(one indexed query per job per poll; ≈ 0 % CPU) and is woken at once when a row it ran
finishes (its handler may have queued the next step). Busy, it claims in batches: after a
claim it waits until a quarter of the slots are free again (or ``min_interval`` has passed),
so a burst costs one claim per several rows, not one per row.
Must not know any job, nor decide anything about a row: the machine's claim, renewals and
finish rules apply unchanged, so exactly-once holds however many rows run at once.

Threads, not an event loop: every step of a row (ORM, vendor clients on ``requests``) is
blocking code, and the work is waiting on the network and the database, which releases the GIL.
"""

from __future__ import annotations

import collections
import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import close_old_connections, connection

from connector.db_connections import connection_check_unless_fresh, connection_used, transactions_begin_explicitly
from connector.work.jobs import Job
from connector.work.leases import Claim
from connector.work.polled import work_claim_due, work_polled_jobs, work_run_claimed

logger = logging.getLogger(__name__)

# How long a look beside the keys at their share that found nothing stands (see the docstring).
FAIR_PROBE_SECONDS = 0.5


def runner_slots(requested: int) -> int:
    """Slots this process may use: SQLite (one writer at a time, ``make run``) gets one."""
    return 1 if connection.vendor == "sqlite" else max(0, requested)


class Runner(threading.Thread):
    """Claims and runs polled rows until ``stop()``; then lets the running rows finish."""

    def __init__(
        self,
        *,
        slots: int,
        share: float,
        spill: bool = True,
        min_interval: float = 0.05,
        max_interval: float = 1.0,
        fair_probe_interval: float = FAIR_PROBE_SECONDS,
    ) -> None:
        super().__init__(name="work-runner", daemon=True)
        self.slots = slots
        self.per_key = max(1, math.ceil(min(max(share, 0.0), 1.0) * slots))
        self.batch = max(1, slots // 4)
        self.spill = spill
        self.min_interval = min_interval
        self.max_interval = max(max_interval, min_interval)
        self.fair_probe_interval = fair_probe_interval
        self.nothing_beside_full: dict[str, float] = {}  # job → until when its last look stands
        self.stopping = threading.Event()
        self.wakeup = threading.Event()
        self.lock = threading.Lock()
        self.running: dict[tuple[str, int], str] = {}  # (job, pk) → fair key value
        self.finished = 0
        self.polls = 0

    def stop(self) -> None:
        self.stopping.set()
        self.wakeup.set()

    def run(self) -> None:
        with ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="work") as pool:
            interval = self.min_interval
            while not self.stopping.is_set():
                try:
                    claimed = self.dispatch(pool)
                except Exception:  # a lost database connection: logged, tried again after a wait
                    logger.exception("The runner could not claim work; trying again")
                    claimed = 0
                    close_old_connections()
                if claimed:
                    interval = self.min_interval
                if self.free() < self.batch:
                    self._wait_for_slots()
                    continue
                self.wakeup.wait(interval)
                self.wakeup.clear()
                if not claimed:
                    interval = min(interval * 2, self.max_interval)
        connection.close()

    def _wait_for_slots(self) -> None:
        """Fewer than ``batch`` slots are free: wait for a row to finish, then up to
        ``min_interval`` more while that is still so (rows finishing meanwhile join the next claim)."""
        self.wakeup.wait(self.max_interval)
        self.wakeup.clear()
        deadline = time.monotonic() + self.min_interval
        while not self.stopping.is_set() and self.free() < self.batch:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self.wakeup.wait(remaining)
            self.wakeup.clear()

    def _connection_ready(self) -> None:
        """Before a row or a claim: close this thread's connection if it is broken or too old,
        and let Django's health check ping it at its first query unless it was used just now
        (``connector.db_connections``). Its transactions begin with ``START TRANSACTION``:
        a round trip fewer per claim and per row (``transactions_begin_explicitly``)."""
        close_old_connections()
        connection_check_unless_fresh()
        transactions_begin_explicitly()

    def free(self) -> int:
        with self.lock:
            return self.slots - len(self.running)

    def dispatch(self, pool: ThreadPoolExecutor) -> int:
        """Claim due rows for the free slots, job by job, within each key's share; returns how
        many were claimed (each is running on the pool)."""
        self._connection_ready()
        total = 0
        jobs = work_polled_jobs()
        for fair in (True, False):
            for job in jobs:
                while (free := self.free()) > 0:
                    claims = self._claim(job, free, fair=fair)
                    for claim in claims:
                        self._start(pool, claim)
                    total += len(claims)
                    if len(claims) < free:
                        break
            if not self.spill:
                break
        self.polls += 1
        connection_used()
        return total

    def _claim(self, job: Job[Any], free: int, *, fair: bool) -> list[Claim[Any]]:
        """``fair``: within each key's share; else (spilling) any due row of the job."""
        with self.lock:
            mine = [pk for (name, pk) in self.running if name == job.name]
            held = collections.Counter(self.running.values())
        if not fair:
            return work_claim_due(job=job, limit=free, skip_pks=mine)
        full = {key for key, count in held.items() if count >= self.per_key}
        if full and time.monotonic() < self.nothing_beside_full.get(job.name, 0.0):
            return []
        quotas = {key: self.per_key - count for key, count in held.items() if count < self.per_key}
        claims = work_claim_due(job=job, limit=free, skip_pks=mine, quotas=quotas, full=full, per_key=self.per_key)
        if full and not claims:
            self.nothing_beside_full[job.name] = time.monotonic() + self.fair_probe_interval
        return claims

    def _start(self, pool: ThreadPoolExecutor, claim: Claim[Any]) -> None:
        key = str(getattr(claim.row, claim.job.fair_key)) if claim.job.fair_key else ""
        with self.lock:
            self.running[(claim.job.name, claim.pk)] = key
        pool.submit(self._run_one, claim)

    def _run_one(self, claim: Claim[Any]) -> None:
        self._connection_ready()
        try:
            work_run_claimed(claim)
        except Exception:  # the row keeps its lease; recovery applies the job's rule when it runs out
            logger.exception("A claimed row failed outside its job's rules", extra={"job": claim.job.name})
        finally:
            close_old_connections()
            connection_used()
            with self.lock:
                self.running.pop((claim.job.name, claim.pk), None)
                self.finished += 1
            self.wakeup.set()
