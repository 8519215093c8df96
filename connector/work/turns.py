"""Turns: rows of one job that share a key run one at a time, in arrival order.

Owns: the rule a claim applies to a job declared with ``turns`` (``jobs.Turns``; (e.g. flow deliveries to the
same (shop, buyer phone)) and finding the row whose turn comes next. Must not queue anything
(``queue.work_wake_turn`` does) nor know any job.

The rule, in the data: a row is not claimable while another row of its key is running, or a
row of its key with a smaller id is waiting. A claim checks it with the key's rows locked
(``SELECT … FOR UPDATE`` on the key's index range, in id order), then claims in the same
transaction: two workers claiming rows of one key take turns on those locks, and a row being
inserted for the key (not committed yet) holds its lock until it commits, so it is seen. No
process-local lock: it holds for any number of workers, processes or threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Q

from connector.work.claim_sql import turn_keys_read
from connector.work.jobs import Job, Turns


def _key(job: Job[Any], turns: Turns, pk: int) -> dict[str, Any] | None:
    """The row's key, or None when the row is gone or its key has an empty value."""
    key = job.model._default_manager.filter(pk=pk).values(*turns.columns).first()
    if key is None or any(value in ("", None) for value in key.values()):
        return None
    return dict(key)


def turn_is_free(job: Job[Any], pk: int) -> bool:
    """Inside the claim's transaction: lock the rows of ``pk``'s key and say whether it is its
    turn (no other row of the key running, none waiting with a smaller id)."""
    if job.turns is None:
        return True
    key = _key(job, job.turns, pk)
    if key is None:
        return True
    active = (*job.waiting_states, *job.running_states)
    rows = (
        job.model._default_manager.select_for_update()
        .filter(**key)
        .filter(Q(state__in=active) | Q(pk=pk))
        .order_by("pk")
        .values_list("pk", "state")
    )
    for other, state in list(rows):
        if other == pk:
            continue
        if state in job.running_states or (other < pk and state in job.waiting_states):
            return False
    return True


def turns_free(job: Job[Any], candidates: Sequence[tuple[int, tuple[Any, ...]]]) -> list[int]:
    """Inside the claim's transaction, for many rows at once: lock the rows of every key among
    ``candidates`` ((pk, key values) in the order of ``job.turns.columns``) with one locking
    read, and return the candidates whose turn it is — the same rule as ``turn_is_free`` row by
    row, in one statement instead of two per row. Candidates with an empty key value are free."""
    if job.turns is None:
        return [pk for pk, _key in candidates]
    keyed = {key for _pk, key in candidates if not any(value in ("", None) for value in key)}
    if not keyed:
        return [pk for pk, _key in candidates]
    running: set[tuple[Any, ...]] = set()
    first_waiting: dict[tuple[Any, ...], int] = {}
    for pk, state, *values in turn_keys_read(job, sorted(keyed, key=str), candidates):
        key = tuple(values)
        if state in job.running_states:
            running.add(key)
        elif state in job.waiting_states:
            first_waiting.setdefault(key, pk)
    return [pk for pk, key in candidates if key not in keyed or (key not in running and first_waiting.get(key) == pk)]


def turn_waiting_q(job: Job[Any]) -> Q:
    """For selecting due rows: rows whose turn it is (ignores the locks; the claim decides)."""
    if job.turns is None:
        return Q()
    same_key = {column: OuterRef(column) for column in job.turns.columns}
    ahead = job.model._default_manager.filter(**same_key).exclude(pk=OuterRef("pk"))
    blocking = ahead.filter(
        Q(state__in=list(job.running_states)) | Q(pk__lt=OuterRef("pk"), state__in=list(job.waiting_states))
    )
    empty = Q()
    for column in job.turns.columns:
        empty |= Q(**{column: ""})
    return empty | Q(~Exists(blocking))


def turn_next(job: Job[Any], pk: int) -> int | None:
    """The waiting row of ``pk``'s key whose turn comes next (smallest id), or None."""
    if job.turns is None:
        return None
    key = _key(job, job.turns, pk)
    if key is None:
        return None
    following = (
        job.model._default_manager.filter(**key, state__in=list(job.waiting_states))
        .exclude(pk=pk)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return None if following is None else int(following)
