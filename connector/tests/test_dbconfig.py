import traceback

import pytest
from django.core.exceptions import ImproperlyConfigured

from connector.dbconfig import MYSQL_SQL_MODE, database_config_from_url, requires_tls


def test_sqlite_url_gives_sqlite_with_wal(tmp_path):
    config = database_config_from_url(f"sqlite:///{tmp_path}/db.sqlite3")

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == f"{tmp_path}/db.sqlite3"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_mysql_url_gets_utf8mb4_strict_mode_read_committed_and_persistent_connections():
    config = database_config_from_url("mysql://app:s3cret@db.example.com:3307/connector", conn_max_age=120)

    assert config["ENGINE"] == "django.db.backends.mysql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("connector", "app", "s3cret")
    assert (config["HOST"], config["PORT"]) == ("db.example.com", "3307")
    assert config["OPTIONS"]["charset"] == "utf8mb4"
    assert config["OPTIONS"]["init_command"] == f"SET sql_mode='{MYSQL_SQL_MODE}'"
    assert "STRICT_TRANS_TABLES" in MYSQL_SQL_MODE
    assert config["OPTIONS"]["isolation_level"] == "read committed"
    assert config["CONN_MAX_AGE"] == 120
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["TEST"] == {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}


def test_percent_encoded_credentials_are_decoded():
    config = database_config_from_url("mysql://app%40prod:p%40ss%3Aw%2Ford@127.0.0.1/connector")

    assert config["USER"] == "app@prod"
    assert config["PASSWORD"] == "p@ss:w/ord"


def test_ssl_options_map_to_mysqlclient_keywords(tmp_path):
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("-----BEGIN CERTIFICATE-----\n")
    url = (
        f"mysql://app:pw@db.example.com/connector?ssl-mode=VERIFY_IDENTITY&ssl-ca={tmp_path}/ca.pem"
        f"&ssl_cert={tmp_path}/cert.pem&ssl-key={tmp_path}/key.pem"
    )

    config = database_config_from_url(url)

    assert config["OPTIONS"]["ssl_mode"] == "VERIFY_IDENTITY"
    assert config["OPTIONS"]["ssl"] == {
        "ca": f"{tmp_path}/ca.pem",
        "cert": f"{tmp_path}/cert.pem",
        "key": f"{tmp_path}/key.pem",
    }
    assert requires_tls(config)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://app@h/db?ssl-mode=REQUIRED", True),
        ("mysql://app@h/db?ssl-mode=required", True),
        ("mysql://app@h/db?ssl-mode=PREFERRED", False),
        ("mysql://app@h/db", False),
    ],
)
def test_requires_tls_follows_ssl_mode(url, expected):
    assert requires_tls(database_config_from_url(url)) is expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "DATABASE_URL is empty"),
        ("postgres://u@h/db", "scheme 'postgres' is not supported"),
        ("localhost:3306", "is not supported"),
        ("mysql://u@h:3306/", "must name one database"),
        ("mysql://u@h/a/b", "must name one database"),
        ("mysql://u@:3306/db", "must name a host"),
        ("mysql://u@h:99999/db", "invalid host or port"),
        ("mysql://u@h/db?ssl-mode=SOMETIMES", "ssl-mode 'SOMETIMES' is not one of"),
        ("mysql://u@h/db?ssl-ca=/does/not/exist.pem", "does not exist"),
        ("mysql://u@h/db?ssl-ca=", "needs a value"),
        ("mysql://u@h/db?charset=latin1", "charset must be utf8mb4"),
        ("mysql://u@h/db?pool=5", "option 'pool' is not supported"),
        ("mysql://u@h/db?connect-timeout=soon", "must be a number of seconds"),
    ],
)
def test_invalid_urls_are_refused_with_a_fix(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_config_from_url(url)


# A password with a character that must be percent-encoded, written raw: the parser reads part of
# it as the port, the database name or an option. No piece of it may appear in the error.
UNENCODED_PASSWORDS = [
    ("mysql://connector:S3cretPass/word@db.example.com:3306/connector", ["S3cretPass", "word@"]),
    ("mysql://connector:S3cret#Pa55@db.example.com:3306/connector", ["S3cret", "Pa55"]),
    ("mysql://connector:S3cret?Pa55=x@db.example.com:3306/connector", ["S3cret", "Pa55"]),
    ("mysql://connector:31337/S3cretPass@db.example.com:3306/connector", ["31337", "S3cretPass"]),
    ("mysql://connector:[S3cretPass]@db.example.com:3306/connector", ["S3cretPass"]),
    ("mysql://connector:S3cret\uff03Pass@db.example.com/connector", ["S3cret", "Pass"]),
]


@pytest.mark.parametrize(
    ("url", "pieces"), UNENCODED_PASSWORDS, ids=["slash", "hash", "question", "digits", "brackets", "nfkc"]
)
def test_an_unencoded_password_is_refused_without_showing_any_of_it(url, pieces):
    with pytest.raises(ImproperlyConfigured) as raised:
        database_config_from_url(url)

    message = str(raised.value)
    shown = "".join(traceback.format_exception(raised.value))
    assert "percent-encode special characters such as / # ? @" in message
    assert "\n" not in message
    for piece in pieces:
        assert piece not in shown
