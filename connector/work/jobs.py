"""How a background job is declared to the leased-work machine.

Owns: the ``Job`` declaration (its table, task, states, lease, retry policy and rule for lost
work), the retry policy and the outcome of a recovery. Must not run anything: the machine's
functions (``connector.work``) take a ``Job`` and do the work.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from connector.work.models import LeasedWork

Row = TypeVar("Row", bound="LeasedWork")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: ``base_seconds`` × 2^(attempt − 1), at most ``max_seconds``.

    ``jitter`` is the share of each delay drawn at random: 1 is "full jitter" (anything up to
    the delay), 0.5 "equal jitter" (between half the delay and the delay). Rows failing
    together then do not retry together. ``max_attempts`` is the budget the job counts against.
    """

    base_seconds: float
    max_seconds: float
    max_attempts: int
    jitter: float = 0.5


class LostReason(enum.StrEnum):
    LEASE = "lease"  # its worker stopped (or stalled) past the lease during an attempt
    TASK = "task"  # waiting, overdue, and its queued task is missing, finished or dead


@dataclass(frozen=True)
class Recovery:
    """What recovery does with one lost row: the column changes (a state among the job's
    waiting states queues it again) and a word for the sweep's summary."""

    outcome: str
    changes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Turns:
    """Rows with equal values of ``columns`` take turns (``connector.work.turns``). A row whose
    ``columns`` include an empty value takes no turn (it runs as any other row)."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class Job(Generic[Row]):
    """One kind of background work: which rows, which task runs them, and their rules.

    - ``task``: dotted path of the task that runs one row (its first argument is the row's
      id); looked up when enqueueing, so the job's services never import their tasks module.
    - ``process``: runs one row (claims it first, so a duplicate or early call does nothing)
      and returns its state afterwards.
    - ``waiting_states``: a row in one of these is claimable once due; recovery queues it
      again when its task is lost. ``running_states``: a row in one of these is held under a
      lease; when the lease runs out, ``lost`` decides. A state may be in both (a job whose
      claim does not change the state).
    - ``claim_state``: the state a claim moves the row to (None: it stays).
    - ``retry_state``/``failed_state``: where a failed attempt goes, retried or not.
    - ``lease``: how long a claim holds without renewal; ``retry``: the back-off policy (both
      read settings when called, so tests and operators can change them).
    - ``lost``: the job's rule for a lost row (it is locked; return the changes to apply).
    - ``due_tolerance``: how early a claim may run (worker and web clocks differ).
    - ``wait_inline``: on backends that cannot defer a task, the task waits in place for the
      row's next step instead of leaving it to a later sweep.
    - ``lost_task_error``: exception path written on the task row of a worker found dead.
    - ``deferred_fields``: columns the recovery sweep need not read (big payloads).
    - ``turns``: rows sharing these columns' values run one at a time, in id order
      (``connector.work.turns``); None: every row runs on its own.
    """

    name: str
    model: type[Row]
    task: str
    process: Callable[[int], str]
    waiting_states: tuple[str, ...]
    running_states: tuple[str, ...]
    claim_state: str | None
    retry_state: str
    failed_state: str
    lease: Callable[[], datetime.timedelta]
    retry: Callable[[], RetryPolicy]
    lost: Callable[[Row, LostReason, datetime.datetime], Recovery]
    due_tolerance: datetime.timedelta = datetime.timedelta(0)
    wait_inline: bool = False
    lost_task_error: str = "connector.errors.TaskWorkerLost"
    deferred_fields: tuple[str, ...] = ()
    turns: Turns | None = None
