"""`manage.py restore`: bad files are refused before anything changes; good ones come back byte for byte."""

import gzip
import sqlite3
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from assistant.tests.factories import AIConfigurationFactory
from connector.tests.factories import ShopifySessionFactory
from ops import restore as restore_module
from ops.restore import _count_tuples, backup_file_validate
from ops.tests.databases import mysql_snapshot, sqlite_alias, sqlite_snapshot
from products.tests.factories import ProductAssociationFactory, VariantMappingFactory
from shops.models import ShopConfiguration
from shops.tests.factories import ShopConfigurationFactory

EMOJI = "Ñandú 😀🚀 ﷽ 中文 «comillas»"


def make_data():
    """Rows in every app table: emoji in text and JSON, secrets in every encrypted column."""
    for number in range(3):
        shop = f"tienda-{number}.myshopify.com"
        ShopConfigurationFactory(
            shop=shop,
            dropi_store_name=f"{EMOJI} {number}",
            ecomdrop_api_key=f"ecomdrop-key-{number}-0123456789",
            dropi_token=f"dropi-token-{number}-😀",
        )
        ShopifySessionFactory(shop=shop, id=f"offline_{shop}", refresh_token=f"refresh-{number}", first_name=EMOJI)
        association = ProductAssociationFactory(
            shop=shop, dropi_product_name=EMOJI, dropi_variations=[{"id": number, "color": EMOJI, "n": None}]
        )
        VariantMappingFactory(association=association, dropi_variation_label=EMOJI)
        AIConfigurationFactory(shop=shop, company_description=f"{EMOJI}\nline two\\backslash 'quote' \"dq\"")


def run_restore(path, **options):
    out = StringIO()
    call_command("restore", str(path), stdout=out, **options)
    return out.getvalue()


def take_backup(directory, **options):
    call_command("backup", output=str(directory / "backup.sql.gz"), stdout=StringIO(), **options)
    return directory / "backup.sql.gz"


def drop_every_table():
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        cursor.execute("DROP TABLE " + ", ".join(connection.ops.quote_name(table) for table in tables))
        cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


@pytest.fixture
def no_client_program(monkeypatch):
    """Fail the test if the mysql client (which loads a dump) is ever started."""
    real_popen = subprocess.Popen

    def refusing_popen(arguments, *args, **kwargs):
        if Path(str(arguments[0])).name in ("mysql", "mariadb"):
            raise AssertionError("the database was about to be touched")
        return real_popen(arguments, *args, **kwargs)

    monkeypatch.setattr(restore_module.subprocess, "Popen", refusing_popen)


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_backup_drop_restore_gives_back_every_row_byte_for_byte(tmp_path):
    make_data()
    name = connection.settings_dict["NAME"]
    before = mysql_snapshot(name)
    path = take_backup(tmp_path)

    drop_every_table()
    assert mysql_snapshot(name) == {}
    output = run_restore(path)

    assert mysql_snapshot(name) == before
    configurations = before["shops_shop_configuration"]
    assert len(configurations) == 3
    assert any(EMOJI.encode() in value for row in configurations for value in row if isinstance(value, bytes))
    # Encrypted columns hold Fernet tokens; they came back as the same bytes, not re-encrypted.
    assert sum(value.startswith(b"gAAAAA") for row in configurations for value in row if value) >= 9
    assert "✓ rows: all" in output
    assert "✗" not in output
    assert output.rstrip().endswith("verified.")
    assert ShopConfiguration.objects.get(shop="tienda-1.myshopify.com").dropi_token == "dropi-token-1-😀"


def corrupt_truncated(path):
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def corrupt_flipped_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def corrupt_cut_dump(path):
    # A valid gzip of a dump that stops before its end (e.g. a dump killed mid-way).
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    path.write_bytes(gzip.compress(b"".join(lines[: len(lines) - 5])))


def corrupt_empty(path):
    path.write_bytes(b"")


def corrupt_not_a_dump(path):
    path.write_bytes(b"SELECT 1;\n-- Dump completed\n")


def corrupt_latin1_dump(path):
    dump = gzip.decompress(path.read_bytes()).replace(b"SET NAMES utf8mb4", b"SET NAMES latin1")
    path.write_bytes(gzip.compress(dump))


def corrupt_sqlite_file(path):
    database = sqlite3.connect(path.with_suffix(".tmp"))
    database.execute("CREATE TABLE t (id INTEGER)")
    database.commit()
    database.close()
    path.write_bytes(gzip.compress(path.with_suffix(".tmp").read_bytes()))


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (corrupt_truncated, "is truncated"),
        (corrupt_flipped_byte, "is corrupt"),
        (corrupt_cut_dump, "'-- Dump completed'"),
        (corrupt_empty, "is empty"),
        (corrupt_not_a_dump, "neither a mysqldump"),
        (corrupt_latin1_dump, "character set latin1"),
        (corrupt_sqlite_file, "it needs a mysqldump file"),
    ],
    ids=["truncated-gzip", "flipped-byte", "dump-cut-short", "empty", "not-a-dump", "latin1-dump", "sqlite-file"],
)
def test_a_damaged_backup_is_refused_and_the_database_is_untouched(tmp_path, no_client_program, damage, message):
    make_data()
    path = take_backup(tmp_path)
    damage(path)
    before = mysql_snapshot(connection.settings_dict["NAME"])

    with pytest.raises(CommandError, match=message) as raised:
        run_restore(path, yes=True)

    assert "Nothing was restored" in str(raised.value)
    assert mysql_snapshot(connection.settings_dict["NAME"]) == before


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_a_database_with_tables_is_not_replaced_without_yes(tmp_path, no_client_program):
    make_data()
    path = take_backup(tmp_path)
    ShopConfigurationFactory(shop="added-later.myshopify.com")
    before = mysql_snapshot(connection.settings_dict["NAME"])

    with pytest.raises(CommandError, match=r"is not empty \(\d+ tables\).*--yes"):
        run_restore(path)

    assert mysql_snapshot(connection.settings_dict["NAME"]) == before


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_yes_replaces_everything_including_tables_the_backup_does_not_have(tmp_path):
    make_data()
    name = connection.settings_dict["NAME"]
    before = mysql_snapshot(name)
    path = take_backup(tmp_path)
    ShopConfigurationFactory(shop="added-later.myshopify.com")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE ops_not_in_the_backup (id INT PRIMARY KEY)")

    output = run_restore(path, yes=True)

    assert mysql_snapshot(name) == before
    assert "replacing" in output
    assert output.rstrip().endswith("verified.")


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_a_restore_that_fails_half_way_says_so(tmp_path):
    make_data()
    path = take_backup(tmp_path)
    dump = gzip.decompress(path.read_bytes()).replace(
        b"\n-- Dump completed", b"\nINSERT INTO `ops_no_such_table` VALUES (1);\n-- Dump completed"
    )
    path.write_bytes(gzip.compress(dump))

    with pytest.raises(CommandError, match=r"The restore stopped: .*ops_no_such_table.*partly restored"):
        run_restore(path, yes=True)


@pytest.mark.django_db
def test_sqlite_backup_and_restore_round_trip_byte_for_byte(tmp_path):
    source_file, target_file = tmp_path / "source.sqlite3", tmp_path / "target.sqlite3"
    with sqlite_alias("ops_source", source_file):
        ShopConfiguration.objects.using("ops_source").create(
            shop="a.myshopify.com", dropi_store_name=EMOJI, ecomdrop_api_key="ecomdrop-key-0123456789"
        )
        call_command("backup", database="ops_source", output=str(tmp_path), stdout=StringIO())
    (backup,) = tmp_path.glob("backup_*.sqlite3.gz")

    with sqlite_alias("ops_target", target_file, migrate=False):
        output = run_restore(backup, database="ops_target")
        with pytest.raises(CommandError, match="not empty"):
            run_restore(backup, database="ops_target")

    assert sqlite_snapshot(target_file) == sqlite_snapshot(source_file)
    assert output.rstrip().endswith("verified.")


@pytest.mark.django_db
@pytest.mark.parametrize("damage", [corrupt_truncated, "page"], ids=["truncated-gzip", "damaged-page"])
def test_a_damaged_sqlite_backup_is_refused_and_the_database_is_untouched(tmp_path, damage):
    with sqlite_alias("ops_source", tmp_path / "source.sqlite3"):
        call_command("backup", database="ops_source", output=str(tmp_path / "b.sqlite3.gz"), stdout=StringIO())
    path = tmp_path / "b.sqlite3.gz"
    if damage == "page":
        data = bytearray(gzip.decompress(path.read_bytes()))
        data[4096 : 4096 * 3] = b"\xa5" * (4096 * 2)  # overwrite whole pages after the header
        path.write_bytes(gzip.compress(bytes(data)))
    else:
        damage(path)

    with sqlite_alias("ops_target", tmp_path / "target.sqlite3"):
        before = sqlite_snapshot(tmp_path / "target.sqlite3")
        with pytest.raises(CommandError, match="Nothing was restored"):
            run_restore(path, database="ops_target", yes=True)
        assert sqlite_snapshot(tmp_path / "target.sqlite3") == before


def write_dump(directory: Path, body: bytes, *, completed: bool = True) -> Path:
    path = directory / "hand.sql"
    header = b"-- MySQL dump 10.13  Distrib 8.4.3, for Linux (x86_64)\n--\n/*!40101 SET NAMES utf8mb4 */;\n"
    path.write_bytes(header + body + (b"-- Dump completed on 2025-01-01 00:00:00\n" if completed else b""))
    return path


def test_rows_are_counted_in_single_line_and_multi_line_inserts(tmp_path):
    body = (
        b"CREATE TABLE `empty_table` (id int);\n"
        b"INSERT INTO `t` VALUES (1,'a),(b'),(2,'it\\'s; (ok)'),(3,NULL);\n"  # MySQL: one line per statement
        b"INSERT INTO `t` VALUES (4,'x');\n"
        b"INSERT INTO `u``v` VALUES\n(1,'first'),\n(2,'sec),(ond;'),\n(3,0x00FF);\n"  # MariaDB 10.11+
        b"INSERT INTO `w` (`a`, `b(c)`) VALUES (1,2),(3,4);\n"  # --complete-insert
    )

    info = backup_file_validate(path=write_dump(tmp_path, body))

    assert info.kind == "mysql"
    assert info.rows == {"empty_table": 0, "t": 4, "u`v": 3, "w": 2}


def test_a_gzip_file_of_several_members_is_read_whole(tmp_path):
    dump = write_dump(tmp_path, b"INSERT INTO `t` VALUES\n(1,'a'),\n(2,'b');\n").read_bytes()
    middle = len(dump) // 2
    path = tmp_path / "members.sql.gz"
    path.write_bytes(gzip.compress(dump[:middle]) + gzip.compress(dump[middle:]))  # as `backup` writes on many cores

    info = backup_file_validate(path=path)

    assert info.compressed
    assert info.rows == {"t": 2}
    assert info.uncompressed_bytes == len(dump)


def test_a_dump_without_its_completion_line_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Dump completed"):
        run_restore(write_dump(tmp_path, b"INSERT INTO `t` VALUES (1);\n", completed=False), yes=True)


@pytest.mark.parametrize(
    ("fragment", "rows", "ends"),
    [
        (b" (1,'a'),(2,'b');", 2, True),
        (b"(1,'(;)'),", 1, False),
        (b"(2,'\\\\'),(3,'\\'');", 2, True),
        (b"(4,'); DROP TABLE x; --'),", 1, False),
    ],
)
def test_tuple_counting_ignores_brackets_and_semicolons_inside_strings(fragment, rows, ends):
    assert _count_tuples(fragment) == (rows, ends)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run_restore(tmp_path / "nope.sql.gz")
