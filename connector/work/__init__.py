"""The leased-work machine: every background job with effects outside the database runs on it.

Owns: one implementation of claiming a row of work (locked by primary key, then updated only when
waiting, due and not leased; attempts + 1; an owner token and a lease), renewing the lease (``LeaseLost``
when the row was taken), finishing (only while still ours), retrying with exponential back-off
and jitter (vendor waits honoured but clamped), queueing runs (the database queue in the
caller's transaction, other backends after the commit) and recovering lost work (expired
leases, lost tasks) — each applied to a job declared with ``Job``. Must not know any job: each
app declares its own (table, task, states, rules) next to its state machine, and passes it in.

Keeps no state of its own: every function works from its arguments and the database, so a
worker may run many jobs at once in threads (each thread with its own connection).

Declaring a job (see docs/architecture.md › Background jobs):
    MY_JOB = Job(name=..., model=MyRow, task="app.tasks.run_my_row", process=my_row_process, ...)
and in ``process``: ``claim = work_claim(job=MY_JOB, pk=pk)`` → ``work_renew(claim)`` before
each outside call → ``work_finish``/``work_requeue``/``work_retry_or_fail``.
"""

from connector.work.jobs import Job, LostReason, Recovery, RetryPolicy, Turns, lease_from_settings, retry_from_settings
from connector.work.leases import (
    Claim,
    LeaseLost,
    work_claim,
    work_finish,
    work_renew,
    work_renew_lazily,
    work_state,
)
from connector.work.polled import (
    work_claim_due,
    work_is_polled,
    work_polled_jobs,
    work_run_claimed,
    work_run_polled,
    work_shared,
)
from connector.work.queue import (
    SUPERSEDED,
    work_enqueue,
    work_queue_is_database,
    work_run_due,
    work_schedule,
    work_task_run,
    work_wake_turn,
)
from connector.work.recovery import work_is_lost, work_recover_expired, work_requeue_lost, work_requeue_lost_tasks
from connector.work.retries import requested_wait, work_requeue, work_retry_delay, work_retry_or_fail

__all__ = [
    "SUPERSEDED",
    "Claim",
    "Job",
    "LeaseLost",
    "LostReason",
    "Recovery",
    "RetryPolicy",
    "Turns",
    "lease_from_settings",
    "requested_wait",
    "retry_from_settings",
    "work_claim",
    "work_claim_due",
    "work_enqueue",
    "work_finish",
    "work_is_lost",
    "work_is_polled",
    "work_polled_jobs",
    "work_queue_is_database",
    "work_recover_expired",
    "work_renew",
    "work_renew_lazily",
    "work_requeue",
    "work_requeue_lost",
    "work_requeue_lost_tasks",
    "work_retry_delay",
    "work_retry_or_fail",
    "work_run_claimed",
    "work_run_due",
    "work_run_polled",
    "work_schedule",
    "work_shared",
    "work_state",
    "work_task_run",
    "work_wake_turn",
]
