"""`manage.py dbcreate`: database and user created once, kept on reruns, passwords never shown."""

from io import StringIO
from urllib.parse import quote

import MySQLdb
import pytest
from django.core.management import CommandError, call_command

from connector.dbconfig import database_config_from_url
from ops.mysql_clients import mysql_connect
from ops.tests.databases import (
    admin_execute,
    database_alias,
    server_settings,
    sqlite_alias,
    unique_name,
)

pytestmark = pytest.mark.django_db

APP_PASSWORD = "Ap p#pw\"d'\\;:@/😀"  # everything an option file or a URL could trip on
WRONG_ADMIN_PASSWORD = "N0t-The-Admin-Password"


def admin_url(password=None):
    """The suite's own account (allowed to create databases and users) as an --admin-url."""
    settings_dict = server_settings()
    password = settings_dict["PASSWORD"] if password is None else password
    credentials = quote(settings_dict["USER"], safe="") + (f":{quote(password, safe='')}" if password else "")
    return f"mysql://{credentials}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 3306}"


def admin_user():
    return server_settings()["USER"]


@pytest.fixture
def target():
    """An alias whose DATABASE_URL names a database and user that do not exist yet."""
    name = unique_name("create")
    user = unique_name("user")
    settings_dict = server_settings(NAME=name, USER=user, PASSWORD=APP_PASSWORD)
    with database_alias("ops_target", settings_dict):
        yield settings_dict
    admin_execute(f"DROP DATABASE IF EXISTS `{name}`")
    admin_execute("DROP USER IF EXISTS %s@'%%'", params=[user])


def dbcreate(**options):
    out, err = StringIO(), StringIO()
    call_command("dbcreate", database="ops_target", stdout=out, stderr=err, **options)
    return out.getvalue() + err.getvalue()


def database_charset(name):
    return admin_execute(
        "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
        "WHERE SCHEMA_NAME = %s",
        params=[name],
    )


@pytest.mark.mysql
def test_dbcreate_creates_the_database_and_user_then_keeps_them(target):
    first = dbcreate(admin_url=admin_url())
    second = dbcreate(admin_url=admin_url())

    name, user = target["NAME"], target["USER"]
    assert f"Database `{name}`: created (utf8mb4/utf8mb4_unicode_ci); user '{user}'@'%': created" in first
    assert f"Database `{name}`: exists (utf8mb4/utf8mb4_unicode_ci); user '{user}'@'%': exists" in second
    assert database_charset(name) == [("utf8mb4", "utf8mb4_unicode_ci")]
    assert APP_PASSWORD not in first + second
    assert APP_PASSWORD.replace("😀", "") not in first + second


@pytest.mark.mysql
def test_the_new_user_works_on_its_database_and_nowhere_else(target):
    dbcreate(admin_url=admin_url())

    grants = [row[0] for row in admin_execute("SHOW GRANTS FOR %s@'%%'", params=[target["USER"]])]
    escaped = target["NAME"].replace("_", "\\_")
    assert len(grants) == 2
    assert grants[0].startswith(f"GRANT USAGE ON *.* TO `{target['USER']}`")
    assert grants[1].startswith(f"GRANT ALL PRIVILEGES ON `{escaped}`.*")

    connection = mysql_connect(settings_dict=target)  # logs in with the password from DATABASE_URL
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE probe (id INT PRIMARY KEY, label VARCHAR(20))")
            cursor.execute("INSERT INTO probe VALUES (1, '😀')")
            cursor.execute("SELECT label FROM probe")
            assert cursor.fetchone() == ("😀",)
            with pytest.raises(MySQLdb.OperationalError, match="command denied"):
                cursor.execute("SELECT COUNT(*) FROM mysql.user")
            # '_' in the grant is escaped: a name differing only where the '_' is stays out of reach.
            lookalike = target["NAME"].replace("_", "x", 1)
            with pytest.raises(MySQLdb.OperationalError, match="Access denied"):
                cursor.execute(f"CREATE DATABASE `{lookalike}`")
    finally:
        connection.close()


@pytest.mark.mysql
def test_a_wrong_admin_password_is_a_clear_error_and_changes_nothing(target):
    with pytest.raises(CommandError) as raised:
        dbcreate(admin_url=admin_url(WRONG_ADMIN_PASSWORD))

    message = str(raised.value)
    assert f"refused the administrative user '{admin_user()}'" in message
    assert "nothing was changed" in message
    assert WRONG_ADMIN_PASSWORD not in message
    assert APP_PASSWORD not in message
    assert database_charset(target["NAME"]) == []


@pytest.mark.mysql
def test_an_existing_user_with_another_password_needs_reset_password(target):
    admin_execute("CREATE USER %s@'%%' IDENTIFIED BY 'an-older-password'", params=[target["USER"]])

    with pytest.raises(CommandError, match="--reset-password") as raised:
        dbcreate(admin_url=admin_url())
    assert APP_PASSWORD not in str(raised.value)

    output = dbcreate(admin_url=admin_url(), reset_password=True)
    assert "password reset to DATABASE_URL's" in output
    assert APP_PASSWORD not in output
    mysql_connect(settings_dict=target).close()


@pytest.mark.mysql
def test_an_existing_latin1_database_gets_utf8mb4_as_its_default(target):
    admin_execute(f"CREATE DATABASE `{target['NAME']}` CHARACTER SET latin1")

    output = dbcreate(admin_url=admin_url())

    assert "default charset changed from latin1/latin1_swedish_ci" in output
    assert database_charset(target["NAME"]) == [("utf8mb4", "utf8mb4_unicode_ci")]


@pytest.mark.mysql
def test_a_database_url_using_the_admin_account_leaves_accounts_alone():
    name = unique_name("create")
    with database_alias("ops_target", server_settings(NAME=name)):
        try:
            output = dbcreate(admin_url=admin_url())
        finally:
            admin_execute(f"DROP DATABASE IF EXISTS `{name}`")

    assert "created" in output
    assert f"DATABASE_URL uses the administrative user '{admin_user()}'; left alone" in output


def test_dbcreate_refuses_sqlite(tmp_path):
    alias = sqlite_alias("ops_target", tmp_path / "db.sqlite3", migrate=False)
    with alias, pytest.raises(CommandError, match="SQLite"):
        dbcreate(admin_url="mysql://root@127.0.0.1:3306")


def test_dbcreate_needs_an_admin_url():
    with pytest.raises(CommandError, match="--admin-url"):
        call_command("dbcreate", admin_url="")


def test_an_unencoded_admin_password_is_refused_without_showing_it():
    # No server is reached: the URL is refused while it is read.
    target = database_config_from_url("mysql://app:app-password@127.0.0.1:3306/connector")
    with database_alias("ops_target", target), pytest.raises(CommandError) as raised:
        dbcreate(admin_url="mysql://root:S3cretPass/word@db.example.com:3306")

    message = str(raised.value)
    assert "--admin-url has an invalid host or port" in message
    assert "percent-encode" in message
    assert "S3cretPass" not in message
    assert "word@" not in message
