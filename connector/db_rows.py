"""One INSERT, one conditional UPDATE and one plain SELECT written by hand, for the hottest
statements: a row of any model without the ORM's per-call work of building the statement.

Owns: the INSERT statement of a model (built once per model and database vendor, every
concrete column but the auto primary key; ``insert_unless_duplicate`` for a row a unique key
may refuse), the UPDATE of one row by primary key with equality and ``IN`` conditions (built
once per model, vendor, changed columns and conditions), the SELECT of some columns of one
model's rows by equality and ``IN`` conditions (``rows_values``, built once per shape;
``rows_instances``/``row_instance`` for whole rows as model instances), and the conversion of values as the
ORM converts them (``get_db_prep_save``: encryption, JSON, UTC datetimes; the fields'
converters on the way back), with the model's defaults for the fields left out of an INSERT
and the time of the insert for ``auto_now``/``auto_now_add`` fields. Must not: run signals or
``save()`` overrides (models written through it have none), nor be used where the ORM's cost
does not matter — ``Model.objects.create`` and ``QuerySet.update`` stay the way to write a
row. Used by the webhook intake (one INSERT per webhook), the order's handler, the leases'
renewals and finishes (``connector.work.leases``) and the benchmarks' loaders; ``rows_values``
by the reads every order makes (a buyer's cart reminders, a shop's product links);
``row_instance`` by the reads of a shop's settings and rules every batch of orders makes,
``rows_instances`` by a batch claim's read-back of its rows (``connector.work.claim_sql``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from operator import itemgetter
from typing import Any, TypeVar

from django.db import IntegrityError, connections, transaction
from django.db.models import AutoField, Field, Model
from django.utils import timezone

ModelT = TypeVar("ModelT", bound=Model)
# Vendors on which a refused statement (a duplicate key) undoes only itself: the transaction
# it ran in goes on (InnoDB's statement rollback; SQLite's ABORT). PostgreSQL aborts it whole.
STATEMENT_ROLLBACK_VENDORS = frozenset({"mysql", "sqlite"})


@lru_cache(maxsize=64)
def row_insert_statement(
    model: type[Model], vendor: str, using: str = "default"
) -> tuple[str, tuple[Field[Any, Any], ...]]:
    """(INSERT … VALUES (%s, …), the fields in its column order) for ``model`` on ``using``."""
    connection = connections[using]
    # isinstance(…, AutoField) covers BigAutoField and SmallAutoField too.
    fields = tuple(field for field in model._meta.concrete_fields if not isinstance(field, AutoField))
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    # Names from the model's own metadata, quoted; every value is a parameter.
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders(len(fields))})", fields  # noqa: S608


def row_values(
    model: type[Model], fields: tuple[Field[Any, Any], ...], row: Mapping[str, Any], *, using: str = "default"
) -> tuple[Any, ...]:
    """``row`` ({field name: Python value}) as the INSERT's parameters. A field left out gets
    now (``auto_now``/``auto_now_add``) or what the ORM would give it (its default, else an
    empty string or NULL); ValueError when ``row`` names a field the model lacks."""
    connection = connections[using]
    unknown = row.keys() - {field.name for field in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    now = timezone.now()
    values = []
    for field in fields:
        if field.name in row:
            value = row[field.name]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()  # as the ORM: the default, else "" or None
        values.append(field.get_db_prep_save(value, connection))
    return tuple(values)


def insert_instance(model: type[ModelT], row: Mapping[str, Any], *, using: str = "default") -> ModelT:
    """``model.objects.create(**row)`` without the ORM's building of the statement: the
    instance as ``create`` returns it (defaults filled in, ``auto_now`` fields set, primary
    key set, saved). For models without signals or a ``save()`` of their own."""
    if not isinstance(model._meta.pk, AutoField):
        raise TypeError(f"{model.__name__}: only a model with an auto-increment primary key")
    instance = model(**row)
    now = timezone.now()
    sql, fields = row_insert_statement(model, connections[using].vendor, using)
    for field in fields:
        if getattr(field, "auto_now", False) or (getattr(field, "auto_now_add", False) and field.name not in row):
            setattr(instance, field.attname, now)
    connection = connections[using]
    values = [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = int(cursor.lastrowid)
    instance._state.adding = False
    instance._state.db = using
    return instance


def insert_unless_duplicate(model: type[ModelT], row: Mapping[str, Any], *, using: str = "default") -> ModelT | None:
    """``insert_instance``, or None when the database refuses the row (``IntegrityError``: a
    unique key already holds it — the caller reads the existing one). In a caller's transaction
    no savepoint guards the INSERT where a refusal undoes only itself
    (``STATEMENT_ROLLBACK_VENDORS``): that is a SAVEPOINT and a RELEASE round trip fewer per
    insert, on the hot path of every order; elsewhere one does."""
    connection = connections[using]
    try:
        if connection.in_atomic_block and connection.vendor not in STATEMENT_ROLLBACK_VENDORS:
            with transaction.atomic(using=using):
                return insert_instance(model, row, using=using)
        return insert_instance(model, row, using=using)
    except IntegrityError:
        return None


@lru_cache(maxsize=256)
def row_update_statement(
    model: type[Model], vendor: str, using: str, changed: tuple[str, ...], conditions: tuple[tuple[str, int], ...]
) -> tuple[str, tuple[Field[Any, Any], ...], tuple[Field[Any, Any], ...]]:
    """(UPDATE … SET … WHERE pk = %s AND …, the changed fields, the condition fields) for
    ``model``: ``conditions`` are (field name, 0) for equality, (field name, n) for ``IN`` of
    n values."""
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    setting = tuple(_column_field(model, name) for name in changed)
    testing = tuple(_column_field(model, name) for name, _count in conditions)
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in setting)
    tests = [f"{quote(str(meta.pk.column))} = %s"]
    for field, (_name, count) in zip(testing, conditions, strict=True):
        column = quote(str(field.column))
        tests.append(f"{column} = %s" if count == 0 else f"{column} IN ({placeholders(count)})")
    # Names from the model's own metadata, quoted; every value is a parameter.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {' AND '.join(tests)}"  # noqa: S608
    return sql, setting, testing


def _column_field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)  # FieldDoesNotExist for a name the model lacks
    if not isinstance(field, Field) or not field.concrete:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def row_update(
    model: type[Model],
    pk: int,
    changes: Mapping[str, Any],
    *,
    where: Mapping[str, Any] | None = None,
    using: str = "default",
) -> int:
    """``model.objects.filter(pk=pk, **where).update(**changes)`` without the ORM's building of
    the statement; returns the rows matched (0 or 1). ``where`` maps field names to a value
    (equality) or a tuple or list of values (``IN``; an empty one matches nothing). A change
    that is an expression (``F("attempts") + 1``) or a model instance for a foreign key goes
    through the ORM; a name the model lacks raises FieldDoesNotExist."""
    conditions = dict(where or {})
    if any(isinstance(value, _MANY) and not value for value in conditions.values()):
        return 0
    if not changes or any(_orm_only(value) for value in changes.values()):
        lookups = {f"{name}__in" if isinstance(value, _MANY) else name: value for name, value in conditions.items()}
        return model._default_manager.using(using).filter(pk=pk, **lookups).update(**changes)
    connection = connections[using]
    shapes = tuple((name, len(value) if isinstance(value, _MANY) else 0) for name, value in conditions.items())
    sql, setting, testing = row_update_statement(model, connection.vendor, using, tuple(changes), shapes)
    parameters = [field.get_db_prep_save(changes[field.name], connection) for field in setting]
    parameters.append(model._meta.pk.get_db_prep_value(pk, connection))
    for field, (name, count) in zip(testing, shapes, strict=True):
        values = conditions[name] if count else [conditions[name]]
        parameters.extend(field.get_db_prep_value(value, connection) for value in values)
    # As QuerySet.update: an error inside the caller's transaction marks it for rollback.
    with transaction.mark_for_rollback_on_error(using=using), connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return int(cursor.rowcount)


_MANY = (tuple, list)


def placeholders(count: int) -> str:
    """``%s, %s, …``: the parameters of an ``IN (…)`` of ``count`` values."""
    return ", ".join(["%s"] * count)


def _orm_only(value: Any) -> bool:
    """An expression, or a model instance given for a foreign key: the ORM resolves those."""
    return hasattr(value, "resolve_expression") or hasattr(value, "prepare_database_save")


@lru_cache(maxsize=256)
def rows_values_statement(
    model: type[Model], using: str, columns: tuple[str, ...], conditions: tuple[tuple[str, int], ...]
) -> tuple[str, tuple[Field[Any, Any], ...], tuple[tuple[Any, ...], ...]]:
    """(SELECT … WHERE …, the condition fields, each column's converters) for ``model``;
    ``conditions`` as in ``row_update_statement``."""
    connection = connections[using]
    quote = connection.ops.quote_name
    reading = tuple(_column_field(model, name) for name in columns)
    testing = tuple(_column_field(model, name) for name, _count in conditions)
    tests = [
        f"{quote(str(field.column))} = %s" if count == 0 else f"{quote(str(field.column))} IN ({placeholders(count)})"
        for field, (_name, count) in zip(testing, conditions, strict=True)
    ]
    selected = ", ".join(quote(str(field.column)) for field in reading)
    # Names from the model's own metadata, quoted; every value is a parameter.
    sql = f"SELECT {selected} FROM {quote(model._meta.db_table)} WHERE {' AND '.join(tests)}"  # noqa: S608
    converters = []
    for field in reading:
        column = field.get_col(model._meta.db_table)
        converters.append((column, (*connection.ops.get_db_converters(column), *field.get_db_converters(connection))))
    return sql, testing, tuple(converters)


def rows_values(
    model: type[Model], columns: tuple[str, ...], where: Mapping[str, Any], *, using: str = "default"
) -> list[tuple[Any, ...]]:
    """``list(model.objects.filter(**where).order_by().values_list(*columns))`` without the ORM's
    building of the statement: ``where`` as in ``row_update`` (at least one condition), the
    values converted as a query converts them (JSON decoded, datetimes aware…)."""
    if not where:
        raise ValueError("rows_values needs at least one condition")
    if any(isinstance(value, _MANY) and not value for value in where.values()):
        return []
    connection = connections[using]
    shapes = tuple((name, len(value) if isinstance(value, _MANY) else 0) for name, value in where.items())
    sql, testing, converters = rows_values_statement(model, using, columns, shapes)
    parameters: list[Any] = []
    for field, (name, count) in zip(testing, shapes, strict=True):
        values = where[name] if count else [where[name]]
        parameters.extend(field.get_db_prep_value(value, connection) for value in values)
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall()
    if not any(functions for _column, functions in converters):
        return [tuple(row) for row in rows]
    return [
        tuple(
            _converted(value, column, functions, connection)
            for value, (column, functions) in zip(row, converters, strict=True)
        )
        for row in rows
    ]


def rows_instances(model: type[ModelT], where: Mapping[str, Any], *, using: str = "default") -> list[ModelT]:
    """``list(model.objects.filter(**where).order_by("pk"))`` without the ORM's building of the
    statement: the instances as a query builds them (every concrete column, converted, through
    ``Model.from_db``), ``where`` as in ``rows_values``."""
    names = _concrete_names(model)
    rows = sorted(rows_values(model, names, where, using=using), key=itemgetter(names.index(model._meta.pk.name)))
    attnames = _concrete_attnames(model)
    return [model.from_db(using, attnames, row) for row in rows]


def row_instance(model: type[ModelT], where: Mapping[str, Any], *, using: str = "default") -> ModelT | None:
    """``model.objects.filter(**where).first()`` for a ``where`` a unique key answers (of
    several rows, the lowest primary key's), as ``rows_instances`` reads it."""
    found = rows_instances(model, where, using=using)
    return found[0] if found else None


@lru_cache(maxsize=64)
def _concrete_names(model: type[Model]) -> tuple[str, ...]:
    return tuple(field.name for field in model._meta.concrete_fields)


@lru_cache(maxsize=64)
def _concrete_attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


def _converted(value: Any, column: Any, functions: tuple[Any, ...], connection: Any) -> Any:
    for function in functions:
        value = function(value, column, connection)
    return value
