"""The old app's four tables as this app reads them, and what an import reports.

Owns: which source column feeds which field, how each value is checked and converted (a value
this app's database would refuse raises RowProblem: the row is skipped with the reason), and
the summary of a run. Must not read the source or write anything.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.models import AIConfiguration
from connector.fields import SECRET_MAX_LENGTH
from connector.models import ShopifySession, TimestampedModel
from connector.validators import is_valid_shop_domain
from products.models import ProductAssociation
from shops.countries import COUNTRIES_BY_CODE
from shops.models import ShopConfiguration

BIGINT_RANGE = (-(2**63), 2**63 - 1)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
SHOWN_VALUE_LIMIT = 60


class RowProblem(Exception):
    """A source value this app cannot store; the row is skipped with this reason."""


# --------------------------------------------------------------------------- value conversion

Converter = Callable[[Any, str], Any]


def shown(value: Any) -> str:
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
        text = value if isinstance(value, str) else str(value)
        if limit is not None and len(text) > limit:
            raise RowProblem(f"{column} is {len(text)} characters long; the limit here is {limit}")
        return text

    return convert


def _secret(*, required: bool = False) -> Converter:
    def convert(value: Any, column: str) -> str | None:
        value = _decode(value, column)
        if value is None:
            if required:
                raise RowProblem(f"{column} is empty")
            return None
        secret = str(value)
        if len(secret) > SECRET_MAX_LENGTH:
            # The value itself is never shown: it is a secret.
            raise RowProblem(f"{column} is longer than {SECRET_MAX_LENGTH} characters")
        return secret

    return convert


def _shop(value: Any, column: str) -> str:
    shop: str = _text(255, required=True)(value, column)
    if not is_valid_shop_domain(shop):
        raise RowProblem(f"{column} {shown(shop)} is not a valid *.myshopify.com domain")
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
        raise RowProblem(f"{column} {shown(value)} is not true/false")

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
        raise RowProblem(f"{column} {shown(value)} is not a 64-bit integer")
    return number


def datetime_converter(*, required: bool = False) -> Converter:
    def convert(value: Any, column: str) -> datetime.datetime | None:
        value = _decode(value, column)
        if value is None or value == "":
            if required:
                raise RowProblem(f"{column} is empty")
            return None
        try:
            moment = _parse_datetime(value)
        except (ValueError, OverflowError, TypeError):
            raise RowProblem(f"{column} {shown(value)} is not a date and time") from None
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
        raise RowProblem(f"{column} {shown(value)} is not a Dropi country ({', '.join(COUNTRIES_BY_CODE)})")
    return code


def _import_type(value: Any, column: str) -> str:
    import_type: str = _text(50, required=True)(value, column)
    if import_type not in ProductAssociation.ImportType.values:
        allowed = "/".join(ProductAssociation.ImportType.values)
        raise RowProblem(f"{column} {shown(import_type)} is not {allowed}")
    return import_type


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
    model: type[TimestampedModel]
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
        Column("expires", "expires", datetime_converter()),
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
class Candidate:
    label: str
    key: tuple[Any, ...]
    values: dict[str, Any]
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    warnings: list[str]
