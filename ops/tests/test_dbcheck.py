"""`manage.py dbcheck`: one ✓/✗ line per check, a fix for each failure, exit status 0 only when all pass."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from connector.models import ShopifySession
from connector.tests.factories import ShopifySessionFactory
from ops.dbcheck import (
    _check_max_allowed_packet,
    _check_server_version,
)
from ops.tests.databases import (
    admin_execute,
    database_alias,
    mysql_database,
    server_settings,
    sqlite_alias,
)
from shops.tests.factories import ShopConfigurationFactory


def run_dbcheck(**options):
    """Run dbcheck; return (passed, output)."""
    out = StringIO()
    failure = None
    try:
        call_command("dbcheck", stdout=out, **options)
    except CommandError as error:
        failure = error
    if failure is None:
        return True, out.getvalue()
    assert failure.returncode == 1
    assert "checks failed" in str(failure)
    return False, out.getvalue()


def line(output, name):
    """The line of check ``name`` (with its fix line, if any)."""
    lines = output.splitlines()
    for index, text in enumerate(lines):
        if text[2:].startswith(f"{name}:"):
            following = lines[index + 1] if index + 1 < len(lines) and lines[index + 1].startswith("    fix:") else ""
            return text + ("\n" + following if following else "")
    raise AssertionError(f"no '{name}' line in:\n{output}")


@pytest.mark.django_db
def test_dbcheck_passes_on_the_migrated_database():
    passed, output = run_dbcheck()

    assert passed, output
    assert "✗" not in output
    assert "dbcheck: all" in output
    for name in ("connection", "migrations", "emoji round trip", "encryption keys"):
        assert line(output, name).startswith("✓")
    assert not ShopifySession.objects.filter(shop="dbcheck-probe.myshopify.com").exists()


@pytest.mark.mysql
@pytest.mark.django_db
def test_dbcheck_reports_every_mysql_check_on_a_healthy_database():
    passed, output = run_dbcheck()

    assert passed, output
    expected = [
        "connection",
        "server",
        "database charset",
        "table collations",
        "strict SQL mode",
        "time zone",
        "max_allowed_packet",
        "TLS",
        "migrations",
        "emoji round trip",
        "encryption keys",
    ]
    assert [text[2:].split(":")[0] for text in output.splitlines() if text[:1] in "✓✗"] == expected
    assert "utf8mb4 / utf8mb4_unicode_ci" in line(output, "database charset")
    assert "MariaDB" in line(output, "server") or "MySQL" in line(output, "server")


@pytest.mark.django_db
def test_dbcheck_on_sqlite_runs_fewer_checks(tmp_path):
    with sqlite_alias("ops_sqlite", tmp_path / "db.sqlite3"):
        passed, output = run_dbcheck(database="ops_sqlite")

    assert passed, output
    assert line(output, "integrity").startswith("✓ integrity: SQLite")
    assert "server:" not in output
    assert "database charset" not in output


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_dbcheck_fails_on_a_latin1_database_with_the_fixes():
    with mysql_database("latin1", charset="latin1", collation="latin1_swedish_ci") as name:
        admin_execute(f"CREATE TABLE `{name}`.`legacy` (id INT PRIMARY KEY, title VARCHAR(50)) CHARACTER SET latin1")
        with database_alias("ops_latin1", server_settings(NAME=name)):
            passed, output = run_dbcheck(database="ops_latin1")

    assert not passed
    charset = line(output, "database charset")
    assert charset.startswith("✗")
    assert "latin1 / latin1_swedish_ci" in charset
    assert f"ALTER DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" in charset
    tables = line(output, "table collations")
    assert tables.startswith("✗")
    assert "legacy (latin1_swedish_ci)" in tables
    assert "CONVERT TO CHARACTER SET utf8mb4" in tables
    assert line(output, "migrations").startswith("✗")
    assert line(output, "server").startswith("✓")


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_dbcheck_names_the_one_table_that_is_not_utf8mb4():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE ops_legacy_latin1 (id INT PRIMARY KEY, title VARCHAR(50)) CHARACTER SET latin1")
    try:
        passed, output = run_dbcheck()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE ops_legacy_latin1")

    assert not passed
    tables = line(output, "table collations")
    assert tables.startswith("✗ table collations: 1 of")
    assert "ops_legacy_latin1 (latin1_swedish_ci)" in tables
    assert "ALTER TABLE `ops_legacy_latin1` CONVERT TO CHARACTER SET utf8mb4" in tables
    assert [text for text in output.splitlines() if text.startswith("✗")] == [tables.splitlines()[0]]


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_dbcheck_points_an_unmigrated_database_to_the_missing_tables_entry():
    with mysql_database("empty") as name, database_alias("ops_empty", server_settings(NAME=name)):
        passed, output = run_dbcheck(database="ops_empty")

    assert not passed
    assert "unapplied" in line(output, "migrations")
    assert "docs/operations.md › Troubleshooting › Table does not exist" in line(output, "migrations")
    assert "A table is missing" in line(output, "emoji round trip")
    assert line(output, "database charset").startswith("✓")


@pytest.mark.mysql
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        ({"PORT": "1"}, ["connection refused", "docs/operations.md › Troubleshooting › Connection refused"]),
        ({"PASSWORD": "Wr0ng-Passw0rd"}, ["refused user", "docs/operations.md › Troubleshooting › Access denied"]),
        ({"NAME": "ops_no_such_database_here"}, ["does not exist", "dbcreate"]),
    ],
    ids=["connection-refused", "access-denied", "unknown-database"],
)
def test_dbcheck_explains_a_connection_failure(overrides, fragments):
    with database_alias("ops_broken", server_settings(**overrides)):
        passed, output = run_dbcheck(database="ops_broken")

    assert not passed
    connection_line = line(output, "connection")
    assert connection_line.startswith("✗")
    for fragment in fragments:
        assert fragment in connection_line
    assert "Wr0ng-Passw0rd" not in output
    assert len([text for text in output.splitlines() if text[:1] in "✓✗"]) == 1


@pytest.mark.mysql
@pytest.mark.django_db
def test_dbcheck_fails_when_tls_is_required_but_not_in_use():
    # This server has no TLS: MariaDB Connector/C then connects in clear text despite REQUIRED.
    settings_dict = server_settings()
    settings_dict["OPTIONS"]["ssl_mode"] = "REQUIRED"
    with database_alias("ops_tls", settings_dict):
        passed, output = run_dbcheck(database="ops_tls")

    assert not passed
    assert line(output, "TLS").startswith("✗ TLS: DATABASE_URL asks for TLS but the connection is not encrypted")


@pytest.mark.mysql
@pytest.mark.django_db
def test_dbcheck_refuses_a_time_zone_the_server_cannot_convert():
    with connection.cursor() as cursor:
        cursor.execute("SELECT CONVERT_TZ('2000-01-01 00:00:00', 'UTC', 'America/Bogota')")
        (converted,) = cursor.fetchone()

    with override_settings(TIME_ZONE="America/Bogota"):
        _passed, output = run_dbcheck()

    time_zone = line(output, "time zone")
    if converted is None:
        assert time_zone.startswith("✗")
        assert "mysql_tzinfo_to_sql" in time_zone
    else:
        assert time_zone.startswith("✓")


@pytest.mark.django_db
def test_dbcheck_fails_when_the_keys_cannot_read_stored_secrets():
    ShopConfigurationFactory(ecomdrop_api_key="ecomdrop-key-0123456789")
    ShopifySessionFactory()

    with override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        passed, output = run_dbcheck()

    assert not passed
    keys = line(output, "encryption keys")
    assert keys.startswith("✗")
    assert "cannot be decrypted" in keys
    assert "rotate_encryption_keys" in keys


@pytest.mark.parametrize(
    ("version", "ok"),
    [
        ("10.11.19-MariaDB-0+deb12u1", True),
        ("10.6.0-MariaDB", True),
        ("10.5.27-MariaDB", False),
        ("8.4.3", True),
        ("8.0.11", True),
        ("8.0.10", False),
        ("5.7.44-log", False),
    ],
)
def test_server_versions_below_the_minimum_fail(version, ok):
    assert _check_server_version(version).ok is ok


@pytest.mark.parametrize(
    ("size", "ok", "recommended"),
    [(4 * 1024 * 1024, False, False), (16 * 1024 * 1024, True, True), (256 * 1024 * 1024, True, False)],
)
def test_max_allowed_packet_needs_16m_and_recommends_256m(size, ok, recommended):
    result = _check_max_allowed_packet(size)

    assert result.ok is ok
    assert ("256M recommended" in result.detail) is recommended


def test_dbcheck_exit_status_is_0_only_when_every_check_passes(tmp_path):
    from connector.tests.test_startup import PRODUCTION_ENV, manage

    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    unmigrated = manage("dbcheck", env=env)
    assert unmigrated.returncode == 1, unmigrated.stdout + unmigrated.stderr
    assert "✗ migrations" in unmigrated.stdout
    assert "checks failed" in unmigrated.stderr

    assert manage("migrate", "--noinput", env=env).returncode == 0
    migrated = manage("dbcheck", env=env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "dbcheck: all 5 checks passed (sqlite)." in migrated.stdout
