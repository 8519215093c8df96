"""One INSERT written by hand, for the hottest write: a row of any model without the ORM's
per-call work of building the statement.

Owns: the INSERT statement of a model (built once per model and database vendor, every
concrete column but the auto primary key) and the conversion of a row's values as the ORM
converts them (``get_db_prep_save``: encryption, JSON, UTC datetimes), with the model's
defaults for the fields left out and the time of the insert for ``auto_now``/``auto_now_add``
fields. Must not: run signals or ``save()`` overrides (models written through it have none),
nor be used where the ORM's cost does not matter — ``Model.objects.create`` stays the way to
write a row. Used by the webhook intake (one INSERT per webhook), the order's handler and the
benchmarks' loaders.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar

from django.db import connections
from django.db.models import AutoField, Field, Model
from django.utils import timezone

ModelT = TypeVar("ModelT", bound=Model)


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
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", fields  # noqa: S608


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
