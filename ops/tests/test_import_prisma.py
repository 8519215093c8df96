"""`manage.py import_prisma`: the old app's data moves in whole, twice is the same as once, bad rows are reported."""

import datetime
import re
import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from assistant.models import AIConfiguration
from connector import crypto
from connector.models import ShopifySession
from ops.mysql_clients import mysql_connect
from ops.prisma_import import importer
from ops.tests.databases import mysql_database, mysql_snapshot, server_settings, sqlite_snapshot
from products.models import ProductAssociation
from shops.models import ShopConfiguration
from shops.services import callback_secret_hash

FIXTURES = Path(__file__).parent / "fixtures"
UTC = datetime.UTC
CREATED = datetime.datetime(2024, 5, 1, 10, 0, 0, 123000, tzinfo=UTC)
UPDATED = datetime.datetime(2024, 6, 2, 11, 30, 15, 456000, tzinfo=UTC)
EXPIRES = datetime.datetime(2030, 1, 1, 0, 0, 0, tzinfo=UTC)
EMOJI = "Tienda Ñandú 😀🛒"
VALID_NOTIFICATIONS = '[{"id":"1","type":"Cancelación","country":"CO","phone":"+573001234567","name":"Laura"}]'
INVALID_NOTIFICATIONS = '[{"id":"1","type":"Cancelación","phone":"12","name":"Ana"}]'

SHOP_CONFIGURATIONS = [
    {
        "id": "c-1",
        "shop": "tienda-uno.myshopify.com",
        "ecomdropApiKey": "ecomdrop-secret-key-0001",
        "nuevoPedidoFlowId": "flow-np-1",
        "carritoAbandonadoFlowId": "flow-ca-1",
        "dropiStoreName": EMOJI,
        "dropiCountry": "CO",
        "dropiToken": "dropi-token-secret-0001",
        "createdAt": CREATED,
        "updatedAt": UPDATED,
    },
    {"id": "c-2", "shop": "not a shop", "dropiCountry": "CO", "createdAt": CREATED, "updatedAt": UPDATED},
    {"id": "c-3", "shop": "tienda-dos.myshopify.com", "dropiCountry": "XX", "createdAt": CREATED, "updatedAt": UPDATED},
]
SESSIONS = [
    {
        "id": "offline_tienda-uno.myshopify.com",
        "shop": "tienda-uno.myshopify.com",
        "state": "state-1",
        "isOnline": 0,
        "scope": "read_products,write_products",
        "accessToken": "shpat_offline_token_0001",
        "accountOwner": 0,
    },
    {
        "id": "tienda-uno.myshopify.com_12345",
        "shop": "tienda-uno.myshopify.com",
        "state": "state-2",
        "isOnline": 1,
        "scope": "read_products",
        "expires": EXPIRES,
        "accessToken": "shpua_online_token_0002",
        "userId": 12345,
        "firstName": "José 😀",
        "lastName": "Pérez",
        "email": "jose@example.com",
        "accountOwner": 1,
        "locale": "es",
        "collaborator": 0,
        "emailVerified": 1,
    },
    {
        "id": "offline_solo-sesion.myshopify.com",
        "shop": "solo-sesion.myshopify.com",
        "state": "",
        "isOnline": 0,
        "accessToken": "shpat_only_a_session_0003",
        "accountOwner": 0,
    },
    {"id": "offline_evil", "shop": "evil.example.com", "state": "", "accessToken": "shpat_x", "accountOwner": 0},
]
ASSOCIATIONS = [
    {
        "id": "a-1",
        "shop": "tienda-uno.myshopify.com",
        "dropiProductId": "1001",
        "shopifyProductId": "gid://shopify/Product/111",
        "dropiProductName": "Reloj ⌚ inteligente",
        "shopifyProductTitle": "Reloj",
        "importType": "link",
        "dropiVariations": '[{"id": 7, "color": "Negro 🖤"}]',
        "saveDropiName": 1,
        "saveDropiDescription": 0,
        "useSuggestedBarcode": 1,
        "saveDropiImages": 1,
        "createdAt": CREATED,
        "updatedAt": UPDATED,
    },
    {
        "id": "a-2",
        "shop": "tienda-uno.myshopify.com",
        "dropiProductId": "1002",
        "shopifyProductId": "gid://shopify/Product/112",
        "importType": "link",
        "dropiVariations": '[{"id": 8,',
        "createdAt": CREATED,
        "updatedAt": UPDATED,
    },
    {
        "id": "a-3",
        "shop": "tienda-uno.myshopify.com",
        "dropiProductId": "1003",
        "shopifyProductId": "gid://shopify/Product/113",
        "importType": "clone",
        "createdAt": CREATED,
        "updatedAt": UPDATED,
    },
]
AI_CONFIGURATIONS = [
    {
        "id": "ai-1",
        "shop": "tienda-uno.myshopify.com",
        "agentName": "Andrés",
        "companyName": "ClickShop®",
        "companyDescription": "Tecnología en Bogotá 🇨🇴",
        "paymentMethods": '[{"id":"1","name":"Contra entrega","enabled":true}]',
        "faq": '[{"id":"1","question":"¿Envío gratis?","answer":"Sí"}]',
        "postSaleFaq": "[]",
        "rules": '[{"id":"1","text":"Responder en español"}]',
        "notifications": VALID_NOTIFICATIONS,
        "createdAt": CREATED,
        "updatedAt": UPDATED,
    },
    {
        "id": "ai-2",
        "shop": "tienda-tres.myshopify.com",
        "agentName": "Ana",
        "notifications": INVALID_NOTIFICATIONS,
        "createdAt": CREATED,
        "updatedAt": UPDATED,
    },
]
DATASET = {
    "ShopConfiguration": SHOP_CONFIGURATIONS,
    "Session": SESSIONS,
    "ProductAssociation": ASSOCIATIONS,
    "AIConfiguration": AI_CONFIGURATIONS,
}


def milliseconds(moment):
    return int((moment - datetime.datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1000)


def statements(fixture):
    text = "\n".join(line for line in (FIXTURES / fixture).read_text().splitlines() if not line.startswith("--"))
    return [statement.strip() for statement in text.split(";") if statement.strip()]


def build_sqlite_source(path, dataset=DATASET):
    """The old app's SQLite file: Prisma's DDL, dates as epoch milliseconds like Prisma writes them."""
    database = sqlite3.connect(path)
    for statement in statements("prisma_sqlite.sql"):
        database.execute(statement)
    for table, rows in dataset.items():
        for row in rows:
            values = {
                key: milliseconds(value) if isinstance(value, datetime.datetime) else value
                for key, value in row.items()
            }
            columns = ", ".join(f'"{column}"' for column in values)
            database.execute(
                f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" for _ in values)})', list(values.values())
            )
    database.commit()
    database.close()
    return path


def build_mysql_source(name, dataset=DATASET):
    """The old app's MySQL database: the exact Prisma migration DDL, DATETIME(3) values."""
    source = mysql_connect(settings_dict=server_settings(), database=name)
    try:
        with source.cursor() as cursor:
            for statement in statements("prisma_mysql.sql"):
                cursor.execute(statement)
            for table, rows in dataset.items():
                for row in rows:
                    values = {
                        key: value.replace(tzinfo=None) if isinstance(value, datetime.datetime) else value
                        for key, value in row.items()
                    }
                    columns = ", ".join(f"`{column}`" for column in values)
                    cursor.execute(
                        f"INSERT INTO `{table}` ({columns}) VALUES ({', '.join('%s' for _ in values)})",
                        list(values.values()),
                    )
    finally:
        source.close()


def mysql_url(name):
    settings_dict = server_settings()
    credentials = settings_dict["USER"] + (f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else "")
    return f"mysql://{credentials}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 3306}/{name}"


def run_import(source, **options):
    out = StringIO()
    call_command("import_prisma", source=str(source), stdout=out, **options)
    return out.getvalue()


def counts(output, table):
    match = re.search(
        rf"^{re.escape(table)}: read (\d+), (?:would create|created) (\d+), updated (\d+), unchanged (\d+), "
        r"skipped (\d+)$",
        output,
        re.MULTILINE,
    )
    assert match, output
    read, created, updated, unchanged, skipped = (int(number) for number in match.groups())
    return {"read": read, "created": created, "updated": updated, "unchanged": unchanged, "skipped": skipped}


def generated_configurations(output):
    match = re.search(
        r"^ShopConfiguration \(for shops without one\): shops (\d+), (?:would create|created) (\d+), "
        r"already there (\d+)$",
        output,
        re.MULTILINE,
    )
    assert match, output
    shops, created, present = (int(number) for number in match.groups())
    return {"shops": shops, "created": created, "already there": present}


def raw_column(table, column, where, value):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {where} = %s", [value])
        return cursor.fetchone()[0]


def assert_first_import(output):
    assert counts(output, "ShopConfiguration") == {"read": 3, "created": 1, "updated": 0, "unchanged": 0, "skipped": 2}
    assert counts(output, "Session") == {"read": 4, "created": 3, "updated": 0, "unchanged": 0, "skipped": 1}
    assert counts(output, "ProductAssociation") == {"read": 3, "created": 1, "updated": 0, "unchanged": 0, "skipped": 2}
    assert counts(output, "AIConfiguration") == {"read": 2, "created": 2, "updated": 0, "unchanged": 0, "skipped": 0}
    # solo-sesion (sessions only) and tienda-tres (AI profile only) get one.
    assert generated_configurations(output)["created"] == 2
    assert "skipped id='c-2' shop='not a shop': shop 'not a shop' is not a valid *.myshopify.com domain" in output
    assert "dropiCountry 'XX' is not a Dropi country" in output
    assert "skipped id='offline_evil' shop='evil.example.com'" in output
    assert "skipped id='a-2' shop='tienda-uno.myshopify.com': dropiVariations is not valid JSON" in output
    assert "importType 'clone' is not link/create" in output
    assert (
        "warning id='ai-2' shop='tienda-tres.myshopify.com': notifications: "
        "Item 1: '12' is not a phone number in international format (+57…)." in output
    )
    for secret in ("ecomdrop-secret-key-0001", "dropi-token-secret-0001", "shpat_offline_token_0001"):
        assert secret not in output


def assert_imported_data():
    configuration = ShopConfiguration.objects.get(shop="tienda-uno.myshopify.com")
    assert configuration.ecomdrop_api_key == "ecomdrop-secret-key-0001"
    assert configuration.dropi_token == "dropi-token-secret-0001"
    assert configuration.dropi_store_name == EMOJI
    assert (configuration.nuevo_pedido_flow_id, configuration.carrito_abandonado_flow_id) == ("flow-np-1", "flow-ca-1")
    assert configuration.dropi_country == "CO"
    assert (configuration.created_at, configuration.updated_at) == (CREATED, UPDATED)
    assert configuration.installed_at == CREATED  # the old app's createdAt
    assert configuration.callback_secret_hash == callback_secret_hash(configuration.callback_secret.reveal())
    # Secrets were encrypted on the way in: the column holds Fernet ciphertext.
    raw = raw_column("shops_shop_configuration", "ecomdrop_api_key", "shop", "tienda-uno.myshopify.com")
    assert raw.startswith("gAAAAA")
    assert crypto.decrypt(raw) == "ecomdrop-secret-key-0001"
    raw_token = raw_column("connector_shopify_session", "access_token", "id", "offline_tienda-uno.myshopify.com")
    assert crypto.decrypt(raw_token) == "shpat_offline_token_0001"

    online = ShopifySession.objects.get(id="tienda-uno.myshopify.com_12345")
    assert online.is_online is True
    assert online.user_id == 12345
    assert online.first_name == "José 😀"
    assert online.expires == EXPIRES
    assert (online.account_owner, online.collaborator, online.email_verified) == (True, False, True)
    assert online.access_token == "shpua_online_token_0002"
    assert online.refresh_token is None

    association = ProductAssociation.objects.get()
    assert association.dropi_variations == [{"id": 7, "color": "Negro 🖤"}]
    assert association.dropi_product_name == "Reloj ⌚ inteligente"
    assert (association.save_dropi_name, association.save_dropi_description) == (True, False)
    assert (association.use_suggested_barcode, association.save_dropi_images) == (True, True)
    assert (association.created_at, association.updated_at) == (CREATED, UPDATED)

    profile = AIConfiguration.objects.get(shop="tienda-uno.myshopify.com")
    assert profile.payment_methods == [{"id": "1", "name": "Contra entrega", "enabled": True}]
    assert profile.post_sale_faq == []
    assert profile.notifications[0]["phone"] == "+573001234567"
    invalid = AIConfiguration.objects.get(shop="tienda-tres.myshopify.com")
    assert invalid.notifications == [{"id": "1", "type": "Cancelación", "phone": "12", "name": "Ana"}]

    assert set(ShopConfiguration.objects.values_list("shop", flat=True)) == {
        "tienda-uno.myshopify.com",
        "solo-sesion.myshopify.com",
        "tienda-tres.myshopify.com",
    }
    generated = ShopConfiguration.objects.get(shop="solo-sesion.myshopify.com")
    assert generated.callback_secret
    assert generated.ecomdrop_api_key is None


def assert_second_import_changes_nothing(output):
    for table, read, skipped in (
        ("ShopConfiguration", 3, 2),
        ("Session", 4, 1),
        ("ProductAssociation", 3, 2),
        ("AIConfiguration", 2, 0),
    ):
        assert counts(output, table) == {
            "read": read,
            "created": 0,
            "updated": 0,
            "unchanged": read - skipped,
            "skipped": skipped,
        }
    assert generated_configurations(output) == {"shops": 3, "created": 0, "already there": 3}


def our_rows():
    return {
        model.__name__: sorted(
            (tuple(str(value) for value in row) for row in model.objects.values_list()),
        )
        for model in (ShopConfiguration, ShopifySession, ProductAssociation, AIConfiguration)
    }


@pytest.mark.django_db
def test_import_from_the_old_sqlite_file_twice(tmp_path):
    source = build_sqlite_source(tmp_path / "dev.sqlite")
    before = sqlite_snapshot(source)

    first = run_import(source)
    assert_first_import(first)
    assert_imported_data()
    after_first = our_rows()

    second = run_import(f"sqlite:///{source}")
    assert_second_import_changes_nothing(second)
    assert our_rows() == after_first
    assert sqlite_snapshot(source) == before  # nothing changed or deleted in the source


@pytest.mark.django_db
def test_imported_shops_get_an_install_date(tmp_path):
    source = build_sqlite_source(tmp_path / "dev.sqlite")
    started = timezone.now()

    run_import(source)

    finished = timezone.now()
    installed = dict(ShopConfiguration.objects.values_list("shop", "installed_at"))
    assert installed["tienda-uno.myshopify.com"] == CREATED  # its configuration's createdAt
    # Shops with only sessions or an AI profile in the old app: the import time.
    for shop in ("solo-sesion.myshopify.com", "tienda-tres.myshopify.com"):
        assert started <= installed[shop] <= finished
    assert all(configuration.is_installed for configuration in ShopConfiguration.objects.all())


@pytest.mark.mysql
@pytest.mark.django_db
def test_import_from_the_old_mysql_database_twice():
    with mysql_database("prisma") as name:
        build_mysql_source(name)
        before = mysql_snapshot(name)

        first = run_import(mysql_url(name))
        assert_first_import(first)
        assert_imported_data()
        after_first = our_rows()

        second = run_import(mysql_url(name))
        assert_second_import_changes_nothing(second)
        assert our_rows() == after_first
        assert mysql_snapshot(name) == before


@pytest.mark.django_db
def test_dry_run_reports_the_same_counts_and_writes_nothing(tmp_path):
    source = build_sqlite_source(tmp_path / "dev.sqlite")

    output = run_import(source, dry_run=True)

    assert_first_import(output.replace("would create", "created"))
    assert "dry run: nothing was written" in output
    assert our_rows() == {
        "ShopConfiguration": [],
        "ShopifySession": [],
        "ProductAssociation": [],
        "AIConfiguration": [],
    }


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_import_completes_when_run_again(tmp_path, monkeypatch):
    source = build_sqlite_source(tmp_path / "dev.sqlite")
    real_write_rows = importer._write_rows
    calls = []

    def failing_write_rows(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C, or the process was killed
        return real_write_rows(*args, **kwargs)

    monkeypatch.setattr(importer, "_write_rows", failing_write_rows)
    with pytest.raises(KeyboardInterrupt):
        run_import(source, batch_size=1)
    partial = our_rows()
    assert sum(len(rows) for rows in partial.values()) > 0

    monkeypatch.setattr(importer, "_write_rows", real_write_rows)
    output = run_import(source, batch_size=1)

    assert counts(output, "ShopConfiguration")["unchanged"] == 1
    assert counts(output, "Session")["created"] >= 1
    assert_imported_data()
    assert_second_import_changes_nothing(run_import(source))


@pytest.mark.django_db
def test_unexpected_and_missing_columns_are_reported_and_the_rest_imported(tmp_path):
    source = tmp_path / "old.sqlite"
    database = sqlite3.connect(source)
    # An older template: no locale/collaborator/emailVerified, plus a column this app does not know.
    database.execute(
        'CREATE TABLE "Session" ("id" TEXT PRIMARY KEY, "shop" TEXT, "state" TEXT, "isOnline" BOOLEAN, '
        '"scope" TEXT, "expires" DATETIME, "accessToken" TEXT, "userId" BIGINT, "firstName" TEXT, '
        '"lastName" TEXT, "email" TEXT, "accountOwner" BOOLEAN, "legacyFlag" TEXT)'
    )
    database.execute(
        "INSERT INTO \"Session\" VALUES ('offline_a.myshopify.com', 'a.myshopify.com', '', 0, NULL, "
        "'2024-05-01T10:00:00.123Z', 'shpat_a', NULL, ?, NULL, NULL, 0, 'x')",
        [b"\xff\xfe not utf-8"],
    )
    database.execute(
        "INSERT INTO \"Session\" VALUES ('offline_b.myshopify.com', 'b.myshopify.com', '', 0, NULL, "
        "'2024-05-01 10:00:00', 'shpat_b', '42', ?, NULL, NULL, 'true', 'y')",
        ["x" * 300],
    )
    database.execute(
        "INSERT INTO \"Session\" VALUES ('offline_c.myshopify.com', 'c.myshopify.com', '', 0, NULL, "
        "1714557600123, 'shpat_c', 7, 'Ana', NULL, NULL, 1, 'z')"
    )
    # A table without a required column is skipped as a whole.
    database.execute('CREATE TABLE "ProductAssociation" ("id" TEXT PRIMARY KEY, "shop" TEXT, "dropiProductId" TEXT)')
    database.commit()
    database.close()

    output = run_import(source)

    assert counts(output, "Session") == {"read": 3, "created": 1, "updated": 0, "unchanged": 0, "skipped": 2}
    assert "note: column(s) locale, collaborator, emailVerified missing in the source: imported as empty" in output
    assert "note: column(s) legacyFlag not known here: ignored" in output
    assert "firstName is not valid UTF-8" in output
    assert "firstName is 300 characters long; the limit here is 255" in output
    assert "note: table skipped: required column(s) shopifyProductId, importType missing in the source" in output
    assert "AIConfiguration: read 0" in output
    assert "note: table not found in the source" in output
    session = ShopifySession.objects.get()
    assert session.expires == datetime.datetime(2024, 5, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert (session.user_id, session.account_owner, session.locale) == (7, True, None)


@pytest.mark.django_db
def test_rows_changed_here_after_the_import_are_kept_unless_overwrite(tmp_path):
    source = build_sqlite_source(tmp_path / "dev.sqlite")
    run_import(source)
    configuration = ShopConfiguration.objects.get(shop="tienda-uno.myshopify.com")
    configuration.dropi_store_name = "Renamed in the new app"
    configuration.save()
    ShopifySession.objects.filter(id="offline_tienda-uno.myshopify.com").update(refresh_token="refreshed-here")

    kept = run_import(source)

    assert counts(kept, "ShopConfiguration")["skipped"] == 3
    assert "kept: changed in this app after the import (updated_at" in kept
    assert "kept: this app has refreshed the token since" in kept
    assert ShopConfiguration.objects.get(shop="tienda-uno.myshopify.com").dropi_store_name == "Renamed in the new app"

    replaced = run_import(source, overwrite=True)

    assert counts(replaced, "ShopConfiguration")["updated"] == 1
    assert counts(replaced, "Session")["updated"] == 1
    assert ShopConfiguration.objects.get(shop="tienda-uno.myshopify.com").dropi_store_name == EMOJI
    assert ShopifySession.objects.get(id="offline_tienda-uno.myshopify.com").refresh_token is None


@pytest.mark.django_db
def test_rows_changed_in_the_old_app_since_are_updated(tmp_path):
    source = build_sqlite_source(tmp_path / "dev.sqlite")
    run_import(source)
    later = milliseconds(UPDATED + datetime.timedelta(days=1))
    database = sqlite3.connect(source)
    database.execute(
        'UPDATE "ShopConfiguration" SET "nuevoPedidoFlowId" = \'flow-np-2\', "updatedAt" = ? WHERE id = \'c-1\'',
        [later],
    )
    database.execute("UPDATE \"Session\" SET \"scope\" = 'read_orders' WHERE id = 'offline_tienda-uno.myshopify.com'")
    database.commit()
    database.close()

    output = run_import(source)

    assert counts(output, "ShopConfiguration")["updated"] == 1
    assert counts(output, "Session")["updated"] == 1
    configuration = ShopConfiguration.objects.get(shop="tienda-uno.myshopify.com")
    assert configuration.nuevo_pedido_flow_id == "flow-np-2"
    assert configuration.updated_at == UPDATED + datetime.timedelta(days=1)
    assert ShopifySession.objects.get(id="offline_tienda-uno.myshopify.com").scope == "read_orders"


@pytest.mark.mysql
@pytest.mark.django_db
def test_a_row_this_database_refuses_is_skipped_and_the_batch_continues(tmp_path):
    # SQLite compares text byte for byte; utf8mb4_unicode_ci does not, so "ab-1" and "AB-1" collide here.
    base = {"shop": "tienda-uno.myshopify.com", "shopifyProductId": "gid://shopify/Product/1", "importType": "link"}
    rows = [
        {**base, "id": "a-1", "dropiProductId": "ab-1", "createdAt": CREATED, "updatedAt": UPDATED},
        {**base, "id": "a-2", "dropiProductId": "AB-1", "createdAt": CREATED, "updatedAt": UPDATED},
        {**base, "id": "a-3", "dropiProductId": "cd-2", "createdAt": CREATED, "updatedAt": UPDATED},
    ]
    source = build_sqlite_source(tmp_path / "dev.sqlite", {"ProductAssociation": rows})

    first = run_import(source)
    second = run_import(source)

    assert counts(first, "ProductAssociation") == {"read": 3, "created": 2, "updated": 0, "unchanged": 0, "skipped": 1}
    assert "skipped id='a-2' shop='tienda-uno.myshopify.com': refused by this database: same unique key" in first
    assert "AB-1" not in first.split("refused by this database")[1]
    assert counts(second, "ProductAssociation")["unchanged"] == 2
    assert sorted(ProductAssociation.objects.values_list("dropi_product_id", flat=True)) == ["ab-1", "cd-2"]
    assert ProductAssociation.objects.get(dropi_product_id="cd-2").created_at == CREATED


@pytest.mark.django_db
def test_a_source_that_is_not_a_database_is_a_clear_error(tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello")

    with pytest.raises(CommandError, match="does not exist"):
        run_import(tmp_path / "missing.sqlite")
    with pytest.raises(CommandError, match="is not an SQLite database"):
        run_import(text_file)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "source",
    [
        "mysql://shopify_user:S3cretPass/word@old-db:3306/shopify_app",
        "mysql://shopify_user:[S3cretPass]@old-db:3306/shopify_app",
    ],
    ids=["slash", "brackets"],
)
def test_an_unencoded_source_password_is_refused_without_showing_it(source):
    with pytest.raises(CommandError) as raised:
        run_import(source)

    message = str(raised.value)
    assert message.startswith("--from ")
    assert "percent-encode" in message
    assert "S3cretPass" not in message
    assert "word@" not in message


@pytest.mark.mysql
@pytest.mark.django_db
def test_a_wrong_source_password_is_a_clear_error_without_the_password():
    settings_dict = server_settings()
    url = f"mysql://{settings_dict['USER']}:Wr0ng-S0urce-Pw@{settings_dict['HOST'] or '127.0.0.1'}:3306/prisma"

    with pytest.raises(CommandError, match="Cannot read the old database") as raised:
        run_import(url)

    assert "Wr0ng-S0urce-Pw" not in str(raised.value)
