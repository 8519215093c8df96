"""After a failed attempt: back-off with jitter, retry or fail, and queueing the next run.

Owns: how long a row waits before its next attempt (exponential, capped, jittered; a wait the
vendor asked for is honoured but clamped, so ``Retry-After: 1e12`` can neither overflow a date
nor park a row for centuries), the retry-or-fail decision against the job's budget, and ending
an attempt with the next run queued in the same transaction. Must not decide whether an error
is retryable (the job says) nor what counts as an attempt (the job passes its own count).
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from connector.http import clamp_delay
from connector.work.jobs import RetryPolicy, Row
from connector.work.leases import Claim, work_finish
from connector.work.queue import work_schedule

# Whatever the settings say, no row waits longer than this for its next attempt.
LONGEST_DELAY_SECONDS = 24 * 3600.0


def requested_wait(error: BaseException) -> float | None:
    """The wait an error carries from the vendor (``retry_after`` of Ecomdrop and Dropi errors,
    ``wait_seconds`` of Shopify and theme-host errors), or None. Not clamped here."""
    for name in ("retry_after", "wait_seconds"):
        value = getattr(error, name, None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def work_retry_delay(*, policy: RetryPolicy, attempt: int, retry_after: float | None = None) -> datetime.timedelta:
    """How long to wait after failed attempt number ``attempt`` (1 for the first).

    base × 2^(attempt − 1), at most ``policy.max_seconds``, of which the ``policy.jitter`` share
    is random. A longer ``retry_after`` wins, clamped to HTTP_MAX_RETRY_AFTER_SECONDS and to the
    policy's maximum; NaN and infinities never reach the date arithmetic.
    """
    cap = _finite(policy.max_seconds, LONGEST_DELAY_SECONDS)
    ceiling = min(cap, _finite(policy.base_seconds, 0.0) * 2.0 ** min(max(attempt, 1) - 1, 60))
    jitter = min(max(_finite(policy.jitter, 0.0), 0.0), 1.0)
    seconds = ceiling * (1 - jitter) + random.uniform(0, ceiling * jitter)  # noqa: S311 (jitter, not security)
    if retry_after is not None:
        asked = clamp_delay(retry_after, default=0.0)
        if asked > seconds:
            seconds = min(asked, cap)
    return datetime.timedelta(seconds=min(max(seconds, 0.0), LONGEST_DELAY_SECONDS))


def _finite(value: float, default: float) -> float:
    return value if math.isfinite(value) else default


def work_requeue(claim: Claim[Row], *, run_after: datetime.datetime | None = None, **changes: Any) -> bool:
    """End this attempt (``changes`` must move the row to a waiting state) and queue its next
    run at ``run_after`` (at once when None), in one transaction; False when the row was taken
    meanwhile (nothing written, nothing queued)."""
    with transaction.atomic():
        if not work_finish(claim, next_attempt_at=run_after, **changes):
            return False
        work_schedule(job=claim.job, pk=claim.pk, run_after=run_after)
    return True


def work_retry_or_fail(
    claim: Claim[Row],
    *,
    retryable: bool,
    attempt: int,
    error_text: str,
    retry_after: float | None = None,
    retry_changes: Mapping[str, Any] | None = None,
    fail_changes: Mapping[str, Any] | None = None,
) -> str | None:
    """After a failed attempt: queue the next one with back-off, or fail the row for good.

    Retried when ``retryable`` and ``attempt`` (the job's own count) is under the policy's
    budget: the row goes to the job's retry state, due after ``work_retry_delay``, with
    ``retry_changes``. Otherwise it goes to the job's failed state with ``fail_changes``. Both
    record ``error_text`` as ``last_error``. Returns the state written, or None when the row was
    no longer this claim's (nothing written).
    """
    job = claim.job
    policy = job.retry()
    if retryable and attempt < policy.max_attempts:
        due = timezone.now() + work_retry_delay(policy=policy, attempt=attempt, retry_after=retry_after)
        queued = work_requeue(
            claim, run_after=due, state=job.retry_state, last_error=error_text, **(retry_changes or {})
        )
        return job.retry_state if queued else None
    failed = work_finish(
        claim, state=job.failed_state, next_attempt_at=None, last_error=error_text, **(fail_changes or {})
    )
    return job.failed_state if failed else None
