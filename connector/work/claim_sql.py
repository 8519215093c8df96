"""The statements of a batch claim, written by hand: the ORM's building of them on every claim
was most of a claim's CPU (a claim of 11 deliveries: 6.7 ms of CPU through the ORM, 2.2 ms
now), and a claim runs for every few rows.

Owns: the locking read of a polled job's due candidates (``candidates_read``; the rule as the
ORM would state it is in ``connector/tests/test_work_claim_sql.py``, which holds this read to
it), the locking read of every row of the candidates' turn keys (``turn_keys_read``, for
``turns.turns_free``), the UPDATE that claims the chosen rows (``claimed_mark``) and the
read-back of the rows claimed (``claimed_rows``). Each statement is built once per job and
shape (how many rows skipped, keys left out, keys…) and every value is a parameter. SQLite
(``make run``) has no row locks: the locking clause is left out there, as Django leaves it. On
MySQL/MariaDB the turn reads name the index they must use (``turn_index_hint``).
Must not choose which candidates are claimed (``polled._claim_batch`` does: quotas, turns).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from django.db import connections, router

from connector.db_rows import placeholders, rows_instances
from connector.work.jobs import Job


class _Shape(NamedTuple):
    model: Any
    using: str
    waiting: int
    running: int
    fair_key: str | None
    turn_columns: tuple[str, ...]
    skipped: int
    left_out: int


def candidates_read(
    job: Job[Any], *, now: datetime.datetime, limit: int, skip_pks: Collection[int], full: Collection[str]
) -> list[tuple[Any, ...]]:
    """(pk, fair key value or pk, *turn column values) of up to ``limit`` due rows of ``job``
    not in ``skip_pks`` nor of a key in ``full`` and (for a job with turns) whose turn it seems
    to be, locked with ``FOR UPDATE SKIP LOCKED``; inside the claim's transaction."""
    model = job.model
    using = router.db_for_write(model)
    connection = connections[using]
    turn_columns = job.turns.columns if job.turns is not None else ()
    full = list(full) if job.fair_key else []
    shape = _Shape(
        model,
        using,
        len(job.waiting_states),
        len(job.running_states),
        job.fair_key,
        turn_columns,
        len(skip_pks),
        len(full),
    )
    meta = model._meta

    def prep(name: str, value: Any) -> Any:
        return meta.get_field(name).get_db_prep_value(value, connection)

    parameters = [
        *job.waiting_states,
        prep("next_attempt_at", now + job.due_tolerance),
        prep("lease_until", now),
        *(prep(str(meta.pk.name), pk) for pk in skip_pks),
        *(prep(str(job.fair_key), key) for key in full),
    ]
    if turn_columns:
        parameters += [*("" for _ in turn_columns), *job.running_states, *job.waiting_states]
    parameters.append(int(limit))
    with connection.cursor() as cursor:
        cursor.execute(_candidates_sql(shape), parameters)
        return list(cursor.fetchall())


@lru_cache(maxsize=256)
def _candidates_sql(shape: _Shape) -> str:
    connection = connections[shape.using]
    name = connection.ops.quote_name
    meta = shape.model._meta
    table = name(meta.db_table)

    def column(field: str, alias: str = table) -> str:
        return f"{alias}.{name(str(meta.get_field(field).column))}"

    pk = column(str(meta.pk.name))
    selected = [pk, column(shape.fair_key) if shape.fair_key else pk, *(column(c) for c in shape.turn_columns)]
    tests = [
        f"{column('state')} IN ({placeholders(shape.waiting)})",
        f"({column('next_attempt_at')} IS NULL OR {column('next_attempt_at')} <= %s)",
        f"({column('lease_until')} IS NULL OR {column('lease_until')} < %s)",
    ]
    if shape.skipped:
        tests.append(f"NOT ({pk} IN ({placeholders(shape.skipped)}))")
    if shape.left_out:
        key = column(str(shape.fair_key))
        nullable = meta.get_field(str(shape.fair_key)).null
        tests.append(f"NOT ({key} IN ({placeholders(shape.left_out)}){f' AND {key} IS NOT NULL' if nullable else ''})")
    if shape.turn_columns:
        tests.append(_turn_test(shape, column))
    lock = ""
    if connection.features.has_select_for_update:
        lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else " FOR UPDATE"
    # No ORDER BY: read in the order of the job's (state, next_attempt_at) index — a waiting
    # state's fresh rows by id, then rows by due time — and stop at the limit. Ordering by id
    # made MariaDB walk the primary key from the oldest row of the table, finished ones
    # included (32,031 rows read per claim with 30,000 rows of history; 31 without).
    # Names from the model's metadata, quoted; every value is a parameter.
    return f"SELECT {', '.join(selected)} FROM {table} WHERE ({' AND '.join(tests)}) LIMIT %s{lock}"  # noqa: S608


def _turn_test(shape: _Shape, column: Any) -> str:
    """The row's key is empty, or no other row of its key is running or waiting ahead of it
    (``turns.turn_waiting_q``)."""
    meta = shape.model._meta
    inner = "U0"
    pk, inner_pk = column(str(meta.pk.name)), column(str(meta.pk.name), inner)
    same_key = " AND ".join(f"{column(c, inner)} = ({column(c)})" for c in shape.turn_columns)
    ahead = (
        f"{column('state', inner)} IN ({placeholders(shape.running)}) OR "
        f"({inner_pk} < ({pk}) AND {column('state', inner)} IN ({placeholders(shape.waiting)}))"
    )
    table = connections[shape.using].ops.quote_name(meta.db_table)
    hint = turn_index_hint(shape.model, shape.using, shape.turn_columns)
    blocking = (
        f"SELECT 1 AS {connections[shape.using].ops.quote_name('a')} FROM {table} {inner}{hint} "  # noqa: S608
        f"WHERE ({same_key} AND NOT ({inner_pk} = ({pk})) AND ({ahead})) LIMIT 1"
    )
    empty = " OR ".join(f"{column(c)} = %s" for c in shape.turn_columns)
    return f"({empty} OR NOT EXISTS({blocking}))"


def turn_keys_read(
    job: Job[Any], keys: list[tuple[Any, ...]], candidates: Sequence[tuple[int, Any]]
) -> list[tuple[Any, ...]]:
    """(pk, state, *turn column values) of the running and waiting rows of ``keys`` (values in
    the order of ``job.turns.columns``) and of the candidates, locked, in id order."""
    model: Any = job.model
    using = router.db_for_write(model)
    connection = connections[using]
    fields = [model._meta.get_field(column) for column in job.turns.columns] if job.turns is not None else []
    active = [*job.waiting_states, *job.running_states]
    pks = [candidate for candidate, _key in candidates]
    parameters = [
        *(field.get_db_prep_value(value, connection) for key in keys for field, value in zip(fields, key, strict=True)),
        *active,
        *pks,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_turn_keys_sql(model, using, tuple(fields), len(keys), len(active), len(pks)), parameters)
        return list(cursor.fetchall())


def turn_index_hint(model: Any, using: str, columns: tuple[str, ...]) -> str:
    """MySQL/MariaDB: `` FORCE INDEX (…)`` naming the model's index that starts with the turn
    ``columns`` (deliveries: shop, phone_key, id); elsewhere, or without such an index, "".

    The turn reads look up a few keys; their plan must not depend on InnoDB's statistics. On a
    table that grew since its statistics were taken (a first day, a large delete) the server
    read the turn test through the (state, due) index or the (shop, id) one — every active row,
    or every row of the shop, for each candidate — and the turns' locking read along the whole
    primary key to spare a sort (``connector/tests/test_work_claim_plans.py``)."""
    connection = connections[using]
    if connection.vendor != "mysql" or not columns:
        return ""
    for index in model._meta.indexes:
        fields = tuple(str(field).lstrip("-") for field in index.fields)
        if fields[: len(columns)] == tuple(columns):
            return f" FORCE INDEX ({connection.ops.quote_name(index.name)})"
    return ""


@lru_cache(maxsize=256)
def _turn_keys_sql(model: Any, using: str, fields: tuple[Any, ...], keys: int, active: int, pks: int) -> str:
    connection = connections[using]
    name = connection.ops.quote_name
    meta = model._meta
    pk, state = name(str(meta.pk.column)), name(str(meta.get_field("state").column))
    one_key = " AND ".join(f"{name(str(field.column))} = %s" for field in fields)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    # Names from the model's metadata, quoted; every value is a parameter.
    return (
        f"SELECT {pk}, {state}, {', '.join(name(str(field.column)) for field in fields)} "  # noqa: S608
        f"FROM {name(meta.db_table)}{turn_index_hint(model, using, tuple(field.name for field in fields))} "
        f"WHERE ({' OR '.join([f'({one_key})'] * keys)}) "
        f"AND ({state} IN ({placeholders(active)}) OR {pk} IN ({placeholders(pks)})) ORDER BY {pk}{lock}"
    )


def claimed_mark(job: Job[Any], pks: Sequence[Any], changes: dict[str, Any]) -> int:
    """UPDATE the rows ``pks``: ``changes`` (field name → value) and attempts + 1; the rows
    changed. Inside the claim's transaction, on rows its read locked."""
    model: Any = job.model
    using = router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    parameters = [meta.get_field(field).get_db_prep_save(value, connection) for field, value in changes.items()]
    parameters += [meta.pk.get_db_prep_value(pk, connection) for pk in pks]
    with connection.cursor() as cursor:
        cursor.execute(_claimed_mark_sql(model, using, tuple(changes), len(pks)), parameters)
        return int(cursor.rowcount)


@lru_cache(maxsize=256)
def _claimed_mark_sql(model: Any, using: str, changed: tuple[str, ...], count: int) -> str:
    name = connections[using].ops.quote_name
    meta = model._meta
    table = name(meta.db_table)
    attempts = f"{table}.{name(str(meta.get_field('attempts').column))}"
    assignments = [f"{name(str(meta.get_field(field).column))} = %s" for field in changed]
    assignments.append(f"{name(str(meta.get_field('attempts').column))} = ({attempts} + 1)")
    # Names from the model's metadata, quoted; every value is a parameter.
    return (
        f"UPDATE {table} SET {', '.join(assignments)} "  # noqa: S608
        f"WHERE {table}.{name(str(meta.pk.column))} IN ({placeholders(count)})"
    )


def claimed_rows(job: Job[Any], pks: Sequence[Any], owner: str) -> list[Any]:
    """The rows ``pks`` still held by ``owner``, whole, in id order (``rows_instances``)."""
    model: Any = job.model
    where = {str(model._meta.pk.name): list(pks), "lease_owner": owner}
    return rows_instances(model, where, using=router.db_for_read(model))
