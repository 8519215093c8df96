"""The import itself: matching the source's columns, upserting rows on their natural keys,
batch by batch, and giving every shop seen a configuration.

Owns: deciding per row whether it is created, updated, left unchanged, kept (changed here
since the import) or skipped, and writing each batch in its own transaction. Must not stop at
a bad row nor put secret values in the report.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone

from connector.models import TimestampedModel
from ops.prisma_import.sources import Source, open_source
from ops.prisma_import.tables import (
    GENERATED_CONFIGURATIONS,
    SESSION,
    SHOP_CONFIGURATION,
    SPECS,
    Candidate,
    ImportSummary,
    RowNote,
    RowProblem,
    TableSpec,
    TableSummary,
    datetime_converter,
    shown,
)
from shops.models import ShopConfiguration
from shops.services import shop_configuration_ensure_callback_secret, shop_configuration_get_or_create

LOOKUP_CHUNK = 1000


def prisma_import(
    *, source: str, dry_run: bool = False, overwrite: bool = False, batch_size: int = 500
) -> ImportSummary:
    """Upsert the old app's rows from ``source`` (mysql:// URL or SQLite file) into this app.

    Idempotent; each batch commits on its own, so an interrupted run completes on the next.
    ``dry_run`` reads and compares but writes nothing. Secrets are encrypted on the way in.
    Raises OperationError when the source cannot be opened; bad rows are skipped and reported.
    """
    reader = open_source(source)
    summary = ImportSummary(source=reader.label, dry_run=dry_run)
    shops_seen: set[str] = set()
    planned_configurations: set[str] = set()
    try:
        for spec in SPECS:
            result = _import_table(
                reader,
                spec,
                dry_run=dry_run,
                overwrite=overwrite,
                batch_size=batch_size,
                shops_seen=shops_seen,
                planned=planned_configurations if spec is SHOP_CONFIGURATION else None,
            )
            summary.tables.append(result)
    finally:
        reader.close()
    # In a dry run the configurations about to be imported are not in the database yet.
    wanted = shops_seen - planned_configurations if dry_run else shops_seen
    summary.generated = _ensure_configurations(wanted, dry_run=dry_run)
    return summary


def _match_columns(spec: TableSpec, present: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """(spec column -> source column actually present, missing spec columns, ignored source columns)."""
    by_lower = {name.lower(): name for name in present}
    wanted = [column.source for column in spec.columns] + (["createdAt", "updatedAt"] if spec.timestamps else [])
    if "id" not in wanted:
        wanted.insert(0, "id")
    matched = {name: by_lower[name.lower()] for name in wanted if name.lower() in by_lower}
    missing = [name for name in wanted if name not in matched]
    used = {name.lower() for name in matched.values()}
    ignored = [name for name in present if name.lower() not in used]
    return matched, missing, ignored


def _import_table(
    reader: Source,
    spec: TableSpec,
    *,
    dry_run: bool,
    overwrite: bool,
    batch_size: int,
    shops_seen: set[str],
    planned: set[str] | None,
) -> TableSummary:
    result = TableSummary(table=spec.source)
    tables = {name.lower(): name for name in reader.table_names()}
    table = tables.get(spec.source.lower())
    if table is None:
        result.notes.append("table not found in the source: nothing to import")
        return result
    matched, missing, ignored = _match_columns(spec, reader.columns(table))
    required = {"id"} | {column.source for column in spec.columns if column.required}
    missing_required = [name for name in missing if name in required]
    if missing_required:
        result.notes.append(f"table skipped: required column(s) {', '.join(missing_required)} missing in the source")
        return result
    if missing:
        result.notes.append(f"column(s) {', '.join(missing)} missing in the source: imported as empty")
    if ignored:
        result.notes.append(f"column(s) {', '.join(ignored)} not known here: ignored")
    source_columns = list(dict.fromkeys(["id", *matched]))
    selected = [matched[name] for name in source_columns]
    seen_keys: set[tuple[Any, ...]] = set()
    for batch in reader.rows(table, selected, batch_size=batch_size):
        result.read += len(batch)
        candidates = []
        for raw in batch:
            row = {name: raw[matched[name]] for name in source_columns}
            candidate = _candidate(spec, row, missing=missing, result=result)
            if candidate is None:
                continue
            if candidate.key in seen_keys:
                result.skip(candidate.label, "same key as an earlier row of the source")
                continue
            seen_keys.add(candidate.key)
            candidates.append(candidate)
            shops_seen.add(candidate.values["shop"])
        _apply(spec, candidates, dry_run=dry_run, overwrite=overwrite, result=result, planned=planned)
    return result


def _label(row: dict[str, Any]) -> str:
    identifier = row.get("id")
    if isinstance(identifier, bytes):
        identifier = identifier.decode("utf-8", "replace")
    label = f"id={shown(identifier) if identifier is not None else '?'}"
    shop = row.get("shop")
    if isinstance(shop, bytes):
        shop = shop.decode("utf-8", "replace")
    if shop:
        label += f" shop={shown(shop)}"
    return label


def _candidate(spec: TableSpec, row: dict[str, Any], *, missing: list[str], result: TableSummary) -> Candidate | None:
    label = _label(row)
    values: dict[str, Any] = {}
    warnings: list[str] = []
    try:
        for column in spec.columns:
            value = column.convert(row.get(column.source) if column.source not in missing else None, column.source)
            if column.soft and value not in (None, ""):
                model_field = spec.model._meta.get_field(column.field)
                try:
                    if isinstance(model_field, models.Field):
                        model_field.run_validators(value)
                except ValidationError as error:
                    warnings.append(f"{column.source}: {' '.join(error.messages)}")
            values[column.field] = value
        created_at = updated_at = None
        if spec.timestamps:
            created_at = datetime_converter()(row.get("createdAt"), "createdAt")
            updated_at = datetime_converter()(row.get("updatedAt"), "updatedAt") or created_at
    except RowProblem as problem:
        result.skip(label, str(problem))
        return None
    values.update(spec.fixed)
    key = tuple(values[name] for name in spec.key)
    return Candidate(label, key, values, created_at, updated_at, warnings)


def _existing(spec: TableSpec, candidates: list[Candidate]) -> dict[tuple[Any, ...], TimestampedModel]:
    if not candidates:
        return {}
    # The key's look-ups differ per table; the model is only known as a TimestampedModel here.
    manager: models.Manager[Any] = spec.model._default_manager
    if spec.key == ("id",):
        queryset = manager.filter(pk__in=[candidate.key[0] for candidate in candidates])
    elif spec.key == ("shop",):
        queryset = manager.filter(shop__in=[candidate.key[0] for candidate in candidates])
    else:
        queryset = manager.filter(
            shop__in={candidate.key[0] for candidate in candidates},
            dropi_product_id__in={candidate.key[1] for candidate in candidates},
        )
    return {tuple(getattr(instance, name) for name in spec.key): instance for instance in queryset}


def _same(current: Any, wanted: Any) -> bool:
    if current is None or wanted is None:
        return current is None and wanted is None
    return bool(current == wanted)


def _is_blank(instance: TimestampedModel, spec: TableSpec) -> bool:
    return all(getattr(instance, name) in (None, "", [], {}) for name in spec.value_fields if name not in spec.fixed)


def _kept_reason(instance: Any, candidate: Candidate, spec: TableSpec) -> str:
    """Why an existing row that differs from the source is kept; '' when the source may win."""
    if spec is SESSION and instance.refresh_token:
        return "this app has refreshed the token since (the session has a refresh token)"
    if (
        spec.timestamps
        and candidate.updated_at is not None
        and instance.updated_at > candidate.updated_at
        and not _is_blank(instance, spec)
    ):
        return (
            f"changed in this app after the import (updated_at {instance.updated_at:%Y-%m-%d %H:%M:%S} is later "
            f"than the source's {candidate.updated_at:%Y-%m-%d %H:%M:%S})"
        )
    return ""


def _apply(
    spec: TableSpec,
    candidates: list[Candidate],
    *,
    dry_run: bool,
    overwrite: bool,
    result: TableSummary,
    planned: set[str] | None,
) -> None:
    existing = _existing(spec, candidates)
    to_create: list[Candidate] = []
    to_update: list[tuple[TimestampedModel, Candidate]] = []
    for candidate in candidates:
        instance = existing.get(candidate.key)
        if instance is None:
            to_create.append(candidate)
            continue
        differing = [name for name, value in candidate.values.items() if not _same(getattr(instance, name), value)]
        timestamps_differ = spec.timestamps and (
            (candidate.created_at is not None and instance.created_at != candidate.created_at)
            or (candidate.updated_at is not None and instance.updated_at != candidate.updated_at)
        )
        if not differing and not timestamps_differ:
            result.unchanged += 1
            continue
        reason = "" if overwrite else _kept_reason(instance, candidate, spec)
        if reason and differing:
            result.skip(candidate.label, f"kept: {reason}; --overwrite replaces it")
            continue
        if reason:  # same values, only this app's timestamps are newer
            result.unchanged += 1
            continue
        to_update.append((instance, candidate))
    if planned is not None:
        planned.update(candidate.key[0] for candidate in to_create)
    if dry_run:
        done_create, done_update = to_create, [candidate for _instance, candidate in to_update]
    else:
        done_create, done_update = _write(spec, to_create, to_update, result)
    result.created += len(done_create)
    result.updated += len(done_update)
    for candidate in [*done_create, *done_update]:
        result.warnings.extend(RowNote(candidate.label, warning) for warning in candidate.warnings)


def _new_instance(spec: TableSpec, candidate: Candidate) -> TimestampedModel:
    instance = spec.model(**candidate.values)
    if isinstance(instance, ShopConfiguration):
        shop_configuration_ensure_callback_secret(configuration=instance)
        # The shop had the old app installed: from the old app's createdAt when known.
        instance.installed_at = candidate.created_at or timezone.now()
    return instance


def _write(
    spec: TableSpec,
    to_create: list[Candidate],
    to_update: list[tuple[TimestampedModel, Candidate]],
    result: TableSummary,
) -> tuple[list[Candidate], list[Candidate]]:
    """Write one batch in one transaction; on a constraint error, row by row, skipping the bad ones."""
    try:
        with transaction.atomic():
            _write_rows(spec, to_create, to_update)
        return to_create, [candidate for _instance, candidate in to_update]
    except (IntegrityError, DataError):
        pass
    created, updated = [], []
    for candidate in to_create:
        try:
            with transaction.atomic():
                _write_rows(spec, [candidate], [])
            created.append(candidate)
        except (IntegrityError, DataError) as error:
            result.skip(candidate.label, f"refused by this database: {_database_reason(error)}")
    for instance, candidate in to_update:
        try:
            with transaction.atomic():
                _write_rows(spec, [], [(instance, candidate)])
            updated.append(candidate)
        except (IntegrityError, DataError) as error:
            result.skip(candidate.label, f"refused by this database: {_database_reason(error)}")
    return created, updated


def _database_reason(error: Exception) -> str:
    # The constraint or column name only: "Duplicate entry" messages would repeat the row's values.
    args = error.args
    message = str(args[1] if len(args) > 1 else (args[0] if args else error))
    duplicate = re.search(r"Duplicate entry .* for key '([^']+)'", message)
    if duplicate:
        return f"same unique key as a row already here ({duplicate.group(1)}; MySQL compares text case-insensitively)"
    return message[:200]


def _write_rows(
    spec: TableSpec, to_create: list[Candidate], to_update: list[tuple[TimestampedModel, Candidate]]
) -> None:
    manager = spec.model._default_manager
    if to_update:
        now = timezone.now()
        instances = []
        for instance, candidate in to_update:
            for name, value in candidate.values.items():
                setattr(instance, name, value)
            instance.updated_at = now
            instances.append(instance)
        _stamp(instances, [candidate for _instance, candidate in to_update])
        manager.bulk_update(instances, [*spec.value_fields, "created_at", "updated_at"])
    if to_create:
        manager.bulk_create([_new_instance(spec, candidate) for candidate in to_create])
        if spec.timestamps:
            # auto_now_add/auto_now stamp "now" on insert; the old app's timestamps go back here.
            created = _existing(spec, to_create)
            instances = [created[candidate.key] for candidate in to_create]
            _stamp(instances, to_create)
            manager.bulk_update(instances, ["created_at", "updated_at"])


def _stamp(instances: list[TimestampedModel], candidates: list[Candidate]) -> None:
    for instance, candidate in zip(instances, candidates, strict=True):
        if candidate.created_at is not None:
            instance.created_at = candidate.created_at
        if candidate.updated_at is not None:
            instance.updated_at = candidate.updated_at


def _ensure_configurations(shops: set[str], *, dry_run: bool) -> TableSummary:
    """Give every shop seen in the source a ShopConfiguration (sessions-only shops have none)."""
    result = TableSummary(table=GENERATED_CONFIGURATIONS)
    ordered = sorted(shops)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        present = set(ShopConfiguration.objects.filter(shop__in=chunk).values_list("shop", flat=True))
        created_shops = []
        for shop in chunk:
            result.read += 1
            if shop in present:
                result.unchanged += 1
            elif dry_run:
                result.created += 1
            else:
                _configuration, created = shop_configuration_get_or_create(shop=shop)
                if created:
                    result.created += 1
                    created_shops.append(shop)
                else:
                    result.unchanged += 1
        if created_shops:
            # The old app was installed in these shops (it had their sessions or data); its
            # tables hold no date for that here, so the import time stands for it.
            ShopConfiguration.objects.filter(shop__in=created_shops, installed_at__isnull=True).update(
                installed_at=timezone.now()
            )
    return result
