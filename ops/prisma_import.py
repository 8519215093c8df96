"""Moving data from the old Node/Prisma app for ``manage.py import_prisma``.

Owns: reading the old app's four tables (``Session``, ``ShopConfiguration``,
``ProductAssociation``, ``AIConfiguration``, camelCase columns as its Prisma migration created
them) from MySQL or from its SQLite file, read-only, and upserting them into this app's models
after checking every value against this app's constraints. Rows are matched on their natural
keys (session id, shop, the association triple), so a second run changes nothing and a run that
was interrupted completes on the next one. Must not write to the source, put secret values in
a report, or stop at a bad row.

Rules (README › import_prisma):
- A value this app's database would refuse (too long for its column, a shop that is not
  ``*.myshopify.com``, an unknown import type or Dropi country, unreadable JSON, a missing
  required value) skips the row, with the reason.
- A value only the admin forms would refuse (AI lists that do not match their shape, texts
  over the form limits) is imported unchanged and reported as a warning.
- An existing row is kept, not overwritten, when this app changed it after the import (its
  ``updated_at`` is later than the source's ``updatedAt``) or, for sessions, when this app has
  already refreshed the token; ``overwrite`` replaces it anyway.
- Every shop seen in the source gets a ShopConfiguration (with a callback secret).
"""

from __future__ import annotations

import datetime
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import environ
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone

from assistant.models import AIConfiguration
from connector.dbconfig import INVALID_URL, MYSQL_SCHEMES
from connector.fields import SECRET_MAX_LENGTH
from connector.models import ShopifySession
from connector.validators import is_valid_shop_domain
from ops.errors import OperationError
from ops.mysql_clients import mysql_connect, mysql_settings_from_url, quote_identifier
from products.models import ProductAssociation
from shops.countries import COUNTRIES_BY_CODE
from shops.models import ShopConfiguration
from shops.services import shop_configuration_ensure_callback_secret, shop_configuration_get_or_create

SQLITE_MAGIC = b"SQLite format 3\x00"
BIGINT_RANGE = (-(2**63), 2**63 - 1)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
SHOWN_VALUE_LIMIT = 60
LOOKUP_CHUNK = 1000


class RowProblem(Exception):
    """A source value this app cannot store; the row is skipped with this reason."""


# --------------------------------------------------------------------------- value conversion

Converter = Callable[[Any, str], Any]


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_VALUE_LIMIT else text[: SHOWN_VALUE_LIMIT - 1] + "…"


def _decode(value: Any, column: str) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise RowProblem(f"{column} is not valid UTF-8") from None
    return value


def _text(limit: int | None, *, required: bool = False, null_as: str | None = None) -> Converter:
    def convert(value: Any, column: str) -> str | None:
        value = _decode(value, column)
        if value is None:
            if required:
                raise RowProblem(f"{column} is empty")
            return null_as
        if not isinstance(value, str):
            value = str(value)
        if limit is not None and len(value) > limit:
            raise RowProblem(f"{column} is {len(value)} characters long; the limit here is {limit}")
        return value

    return convert


def _secret(*, required: bool = False) -> Converter:
    def convert(value: Any, column: str) -> str | None:
        value = _decode(value, column)
        if value is None:
            if required:
                raise RowProblem(f"{column} is empty")
            return None
        value = str(value)
        if len(value) > SECRET_MAX_LENGTH:
            # The value itself is never shown: it is a secret.
            raise RowProblem(f"{column} is longer than {SECRET_MAX_LENGTH} characters")
        return value

    return convert


def _shop(value: Any, column: str) -> str:
    shop = _text(255, required=True)(value, column)
    if not is_valid_shop_domain(shop):
        raise RowProblem(f"{column} {_shown(shop)} is not a valid *.myshopify.com domain")
    return shop


def _boolean(*, default: bool | None) -> Converter:
    def convert(value: Any, column: str) -> bool | None:
        value = _decode(value, column)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false"):
            return value.strip().lower() in ("1", "true")
        raise RowProblem(f"{column} {_shown(value)} is not true/false")

    return convert


def _big_integer(value: Any, column: str) -> int | None:
    value = _decode(value, column)
    if value is None or value == "":
        return None
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except ValueError:
        number = None
    if number is None or not BIGINT_RANGE[0] <= number <= BIGINT_RANGE[1]:
        raise RowProblem(f"{column} {_shown(value)} is not a 64-bit integer")
    return number


def _datetime(*, required: bool = False) -> Converter:
    def convert(value: Any, column: str) -> datetime.datetime | None:
        value = _decode(value, column)
        if value is None or value == "":
            if required:
                raise RowProblem(f"{column} is empty")
            return None
        try:
            moment = _parse_datetime(value)
        except (ValueError, OverflowError, TypeError):
            raise RowProblem(f"{column} {_shown(value)} is not a date and time") from None
        return moment

    return convert


def _parse_datetime(value: Any) -> datetime.datetime:
    # Prisma stores UTC: MySQL DATETIME(3) without zone; SQLite epoch milliseconds (or ISO text).
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, int | float) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
        number = int(value) if not isinstance(value, float) else value
        milliseconds = number if abs(number) >= 10**11 else number * 1000  # seconds before 1973 are unlikely
        moment = EPOCH + datetime.timedelta(milliseconds=milliseconds)
    elif isinstance(value, str):
        moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise TypeError(type(value).__name__)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json(value: Any, column: str) -> Any:
    value = _decode(value, column)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowProblem(f"{column} is not JSON text")
    if not value.strip():
        return None
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise RowProblem(
            f"{column} is not valid JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from None
    except ValueError as error:
        raise RowProblem(f"{column} is not valid JSON ({error})") from None


def _country(value: Any, column: str) -> str | None:
    value = _decode(value, column)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    code = str(value).strip().upper()
    if code not in COUNTRIES_BY_CODE:
        raise RowProblem(f"{column} {_shown(value)} is not a Dropi country ({', '.join(COUNTRIES_BY_CODE)})")
    return code


def _import_type(value: Any, column: str) -> str:
    value = _text(50, required=True)(value, column)
    if value not in ProductAssociation.ImportType.values:
        allowed = "/".join(ProductAssociation.ImportType.values)
        raise RowProblem(f"{column} {_shown(value)} is not {allowed}")
    return value


# --------------------------------------------------------------------------- table specifications


@dataclass(frozen=True)
class Column:
    source: str
    field: str
    convert: Converter
    required: bool = False  # the table cannot be imported without this column
    soft: bool = False  # the model field's validators only warn


@dataclass(frozen=True)
class TableSpec:
    source: str
    model: type[models.Model]
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    fixed: dict[str, Any] = field(default_factory=dict)  # our fields the old app did not have
    timestamps: bool = True  # the source has createdAt/updatedAt

    @property
    def value_fields(self) -> list[str]:
        return [column.field for column in self.columns if column.field not in self.key] + list(self.fixed)


SHOP_CONFIGURATION = TableSpec(
    source="ShopConfiguration",
    model=ShopConfiguration,
    key=("shop",),
    columns=(
        Column("shop", "shop", _shop, required=True),
        Column("ecomdropApiKey", "ecomdrop_api_key", _secret()),
        Column("nuevoPedidoFlowId", "nuevo_pedido_flow_id", _text(255)),
        Column("carritoAbandonadoFlowId", "carrito_abandonado_flow_id", _text(255)),
        Column("dropiStoreName", "dropi_store_name", _text(255)),
        Column("dropiCountry", "dropi_country", _country),
        Column("dropiToken", "dropi_token", _secret()),
    ),
)
SESSION = TableSpec(
    source="Session",
    model=ShopifySession,
    key=("id",),
    columns=(
        Column("id", "id", _text(255, required=True), required=True),
        Column("shop", "shop", _shop, required=True),
        Column("state", "state", _text(255, null_as="")),
        Column("isOnline", "is_online", _boolean(default=False)),
        Column("scope", "scope", _text(None)),
        Column("expires", "expires", _datetime()),
        Column("accessToken", "access_token", _secret(required=True), required=True),
        Column("userId", "user_id", _big_integer),
        Column("firstName", "first_name", _text(255)),
        Column("lastName", "last_name", _text(255)),
        Column("email", "email", _text(255)),
        Column("accountOwner", "account_owner", _boolean(default=False)),
        Column("locale", "locale", _text(10)),
        Column("collaborator", "collaborator", _boolean(default=None)),
        Column("emailVerified", "email_verified", _boolean(default=None)),
    ),
    # The old app had no refresh tokens: a session it stored has none.
    fixed={"refresh_token": None, "refresh_token_expires": None},
    timestamps=False,
)
PRODUCT_ASSOCIATION = TableSpec(
    source="ProductAssociation",
    model=ProductAssociation,
    key=("shop", "dropi_product_id", "shopify_product_id"),
    columns=(
        Column("shop", "shop", _shop, required=True),
        Column("dropiProductId", "dropi_product_id", _text(255, required=True), required=True),
        Column("shopifyProductId", "shopify_product_id", _text(255, required=True), required=True),
        Column("dropiProductName", "dropi_product_name", _text(500)),
        Column("shopifyProductTitle", "shopify_product_title", _text(500)),
        Column("importType", "import_type", _import_type, required=True),
        Column("dropiVariations", "dropi_variations", _json),
        Column("saveDropiName", "save_dropi_name", _boolean(default=True)),
        Column("saveDropiDescription", "save_dropi_description", _boolean(default=True)),
        Column("customPrice", "custom_price", _text(50)),
        Column("useSuggestedBarcode", "use_suggested_barcode", _boolean(default=False)),
        Column("saveDropiImages", "save_dropi_images", _boolean(default=True)),
    ),
)
AI_CONFIGURATION = TableSpec(
    source="AIConfiguration",
    model=AIConfiguration,
    key=("shop",),
    columns=(
        Column("shop", "shop", _shop, required=True),
        Column("agentName", "agent_name", _text(255)),
        Column("companyName", "company_name", _text(255)),
        Column("companyDescription", "company_description", _text(None), soft=True),
        Column("paymentMethods", "payment_methods", _json, soft=True),
        Column("companyPolicies", "company_policies", _text(None), soft=True),
        Column("faq", "faq", _json, soft=True),
        Column("postSaleFaq", "post_sale_faq", _json, soft=True),
        Column("rules", "rules", _json, soft=True),
        Column("notifications", "notifications", _json, soft=True),
    ),
)
SPECS = (SHOP_CONFIGURATION, SESSION, PRODUCT_ASSOCIATION, AI_CONFIGURATION)
GENERATED_CONFIGURATIONS = "ShopConfiguration (for shops without one)"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RowNote:
    row: str
    reason: str


@dataclass
class TableSummary:
    table: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    skipped_rows: list[RowNote] = field(default_factory=list)
    warnings: list[RowNote] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, row: str, reason: str) -> None:
        self.skipped += 1
        self.skipped_rows.append(RowNote(row, reason))


@dataclass
class ImportSummary:
    source: str
    dry_run: bool
    tables: list[TableSummary] = field(default_factory=list)  # the four source tables, in import order
    generated: TableSummary = field(default_factory=lambda: TableSummary(table=GENERATED_CONFIGURATIONS))

    def total(self, name: str) -> int:
        """Sum of one counter over the source tables."""
        return sum(getattr(table, name) for table in self.tables)

    def table(self, name: str) -> TableSummary:
        return next(table for table in [*self.tables, self.generated] if table.table == name)


@dataclass
class _Candidate:
    label: str
    key: tuple[Any, ...]
    values: dict[str, Any]
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    warnings: list[str]


# --------------------------------------------------------------------------- sources


class _Source:
    """Read-only access to the old database: table names, columns, rows in primary-key order."""

    label = ""

    def table_names(self) -> list[str]:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        raise NotImplementedError

    def page(self, table: str, columns: list[str], *, after: Any, limit: int) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def rows(self, table: str, columns: list[str], *, batch_size: int) -> Iterator[list[dict[str, Any]]]:
        """Yield batches of rows as dicts; ``columns`` must start with ``id`` (keyset paging)."""
        after = None
        while True:
            page = self.page(table, columns, after=after, limit=batch_size)
            if not page:
                return
            yield [dict(zip(columns, row, strict=True)) for row in page]
            after = page[-1][0]


class _SqliteSource(_Source):
    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise OperationError(f"--from: {path} does not exist.")
        with path.open("rb") as handle:
            if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                raise OperationError(f"--from: {path} is not an SQLite database (nor a mysql:// URL).")
        self.label = str(path)
        # mode=ro: the file is opened read-only, so nothing here can change the source.
        self.connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        self.connection.text_factory = bytes  # decoded per value, so bad UTF-8 skips one row only

    @staticmethod
    def _quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def table_names(self) -> list[str]:
        rows = self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return [row[0].decode() for row in rows]

    def columns(self, table: str) -> list[str]:
        rows = self.connection.execute(f"PRAGMA table_info({self._quote(table)})").fetchall()
        return [row[1].decode() for row in rows]

    def page(self, table: str, columns: list[str], *, after: Any, limit: int) -> list[tuple[Any, ...]]:
        selected = ", ".join(self._quote(column) for column in columns)
        sql = f"SELECT {selected} FROM {self._quote(table)}"  # noqa: S608  (quoted identifiers)
        parameters: list[Any] = []
        # Values come back as bytes (text_factory), and SQLite sorts a bytes parameter (BLOB) after
        # every TEXT value: compare and order the id as BLOB on both sides (memcmp order).
        if after is not None:
            sql += ' WHERE CAST("id" AS BLOB) > ?'
            parameters.append(after)
        sql += ' ORDER BY CAST("id" AS BLOB) LIMIT ?'
        parameters.append(limit)
        return self.connection.execute(sql, parameters).fetchall()

    def close(self) -> None:
        self.connection.close()


class _MysqlSource(_Source):
    def __init__(self, url: str) -> None:
        import MySQLdb

        settings_dict = mysql_settings_from_url(url, option_name="--from", require_database=True)
        where = f"{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 3306}/{settings_dict['NAME']}"
        self.label = f"mysql://{where}"
        try:
            self.connection = mysql_connect(settings_dict=settings_dict, autocommit=False)
            with self.connection.cursor() as cursor:
                # One consistent, read-only snapshot of all four tables: the server refuses any
                # write in this transaction.
                cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        except MySQLdb.OperationalError as error:
            detail = str(error.args[1] if len(error.args) > 1 else error)
            password = settings_dict.get("PASSWORD") or ""
            if password:
                detail = detail.replace(password, "••••")
            raise OperationError(f"Cannot read the old database at {where}: {detail}") from None

    def _query(self, sql: str, parameters: Any = None) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return list(cursor.fetchall())

    def table_names(self) -> list[str]:
        return [row[0] for row in self._query("SHOW TABLES")]

    def columns(self, table: str) -> list[str]:
        return [row[0] for row in self._query(f"SHOW COLUMNS FROM {quote_identifier(table)}")]

    def page(self, table: str, columns: list[str], *, after: Any, limit: int) -> list[tuple[Any, ...]]:
        selected = ", ".join(quote_identifier(column) for column in columns)
        sql = f"SELECT {selected} FROM {quote_identifier(table)}"  # noqa: S608  (quoted identifiers)
        parameters: list[Any] = []
        if after is not None:
            sql += " WHERE `id` > %s"
            parameters.append(after)
        sql += " ORDER BY `id` LIMIT %s"
        parameters.append(limit)
        return self._query(sql, parameters)

    def close(self) -> None:
        self.connection.rollback()
        self.connection.close()


def _open_source(source: str) -> _Source:
    try:
        scheme = urlsplit(source).scheme.lower()
    except ValueError:
        # The parser's message quotes what it could not read, possibly part of the password.
        raise OperationError(INVALID_URL.replace("DATABASE_URL", "--from")) from None
    if scheme in MYSQL_SCHEMES:
        return _MysqlSource(source)
    if scheme == "sqlite":
        return _SqliteSource(Path(environ.Env.db_url_config(source)["NAME"]))
    return _SqliteSource(Path(source))


# --------------------------------------------------------------------------- import


def prisma_import(
    *, source: str, dry_run: bool = False, overwrite: bool = False, batch_size: int = 500
) -> ImportSummary:
    """Upsert the old app's rows from ``source`` (mysql:// URL or SQLite file) into this app.

    Idempotent; each batch commits on its own, so an interrupted run completes on the next.
    ``dry_run`` reads and compares but writes nothing. Secrets are encrypted on the way in.
    Raises OperationError when the source cannot be opened; bad rows are skipped and reported.
    """
    reader = _open_source(source)
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
    reader: _Source,
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
    label = f"id={_shown(identifier) if identifier is not None else '?'}"
    shop = row.get("shop")
    if isinstance(shop, bytes):
        shop = shop.decode("utf-8", "replace")
    if shop:
        label += f" shop={_shown(shop)}"
    return label


def _candidate(spec: TableSpec, row: dict[str, Any], *, missing: list[str], result: TableSummary) -> _Candidate | None:
    label = _label(row)
    values: dict[str, Any] = {}
    warnings: list[str] = []
    try:
        for column in spec.columns:
            value = column.convert(row.get(column.source) if column.source not in missing else None, column.source)
            if column.soft and value not in (None, ""):
                try:
                    spec.model._meta.get_field(column.field).run_validators(value)
                except ValidationError as error:
                    warnings.append(f"{column.source}: {' '.join(error.messages)}")
            values[column.field] = value
        created_at = updated_at = None
        if spec.timestamps:
            created_at = _datetime()(row.get("createdAt"), "createdAt")
            updated_at = _datetime()(row.get("updatedAt"), "updatedAt") or created_at
    except RowProblem as problem:
        result.skip(label, str(problem))
        return None
    values.update(spec.fixed)
    key = tuple(values[name] for name in spec.key)
    return _Candidate(label, key, values, created_at, updated_at, warnings)


def _existing(spec: TableSpec, candidates: list[_Candidate]) -> dict[tuple[Any, ...], models.Model]:
    if not candidates:
        return {}
    manager = spec.model._default_manager
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


def _is_blank(instance: models.Model, spec: TableSpec) -> bool:
    return all(getattr(instance, name) in (None, "", [], {}) for name in spec.value_fields if name not in spec.fixed)


def _kept_reason(instance: Any, candidate: _Candidate, spec: TableSpec) -> str:
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
    candidates: list[_Candidate],
    *,
    dry_run: bool,
    overwrite: bool,
    result: TableSummary,
    planned: set[str] | None,
) -> None:
    existing = _existing(spec, candidates)
    to_create: list[_Candidate] = []
    to_update: list[tuple[models.Model, _Candidate]] = []
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


def _new_instance(spec: TableSpec, candidate: _Candidate) -> models.Model:
    instance = spec.model(**candidate.values)
    if spec is SHOP_CONFIGURATION:
        shop_configuration_ensure_callback_secret(configuration=instance)  # type: ignore[arg-type]
        # The shop had the old app installed: from the old app's createdAt when known.
        instance.installed_at = candidate.created_at or timezone.now()  # type: ignore[attr-defined]
    return instance


def _write(
    spec: TableSpec,
    to_create: list[_Candidate],
    to_update: list[tuple[models.Model, _Candidate]],
    result: TableSummary,
) -> tuple[list[_Candidate], list[_Candidate]]:
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
    args = getattr(error, "args", ())
    message = str(args[1] if len(args) > 1 else (args[0] if args else error))
    duplicate = re.search(r"Duplicate entry .* for key '([^']+)'", message)
    if duplicate:
        return f"same unique key as a row already here ({duplicate.group(1)}; MySQL compares text case-insensitively)"
    return message[:200]


def _write_rows(spec: TableSpec, to_create: list[_Candidate], to_update: list[tuple[models.Model, _Candidate]]) -> None:
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


def _stamp(instances: list[models.Model], candidates: list[_Candidate]) -> None:
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
