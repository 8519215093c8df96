"""Start-up refuses bad configuration with one line that says what to fix."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "prod-like-secret-key-" + "x" * 40,
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "SHOPIFY_API_KEY": "prod-api-key",
    "SHOPIFY_API_SECRET": "prod-api-secret",
    "SHOPIFY_APP_URL": "https://connector.example.com",
}


def manage(*args, env, timeout=120):
    base = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "DATABASE_URL")}
    base.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_one_line_error(result, *fragments):
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def test_production_without_secrets_names_every_missing_variable():
    result = manage("check", env={"DEBUG": "false"})

    assert_one_line_error(
        result, "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL"
    )


def test_production_names_only_what_is_missing():
    env = {**PRODUCTION_ENV}
    del env["SHOPIFY_API_SECRET"]

    result = manage("check", env=env)

    assert_one_line_error(result, "SHOPIFY_API_SECRET")
    assert "SECRET_KEY," not in result.stderr


def test_a_malformed_encryption_key_refuses_to_start():
    result = manage("check", env={**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": "not-a-fernet-key"})

    assert_one_line_error(result, "FIELD_ENCRYPTION_KEYS key #1 is not a valid Fernet key")


def test_an_invalid_database_url_is_one_line():
    result = manage("check", env={**PRODUCTION_ENV, "DATABASE_URL": "postgresql://u@h/db"})

    assert_one_line_error(result, "DATABASE_URL scheme 'postgresql' is not supported")


def test_an_unencoded_password_in_database_url_is_one_line_and_never_printed():
    result = manage(
        "check", env={**PRODUCTION_ENV, "DATABASE_URL": "mysql://connector:S3cretPass/word@db.example.com:3306/db"}
    )

    assert_one_line_error(result, "DATABASE_URL has an invalid host or port", "percent-encode")
    assert "S3cretPass" not in result.stdout + result.stderr
    assert "word@" not in result.stdout + result.stderr


def test_an_unreachable_server_is_one_line_with_the_fix():
    result = manage(
        "migrate", env={**PRODUCTION_ENV, "DATABASE_URL": "mysql://app:pw@127.0.0.1:1/connector?connect-timeout=3"}
    )

    assert_one_line_error(result, "connection refused", "127.0.0.1:1", "docs/operations.md")
    assert "pw" not in result.stderr.replace("pw@", "")


@pytest.mark.mysql
def test_a_wrong_password_is_one_line_and_never_printed():
    result = manage(
        "migrate",
        env={**PRODUCTION_ENV, "DATABASE_URL": "mysql://root:Wr0ngPassw0rd@127.0.0.1:3306/test?connect-timeout=5"},
    )

    assert_one_line_error(result, "refused user 'root'", "Access denied")
    assert "Wr0ngPassw0rd" not in result.stderr


@pytest.mark.mysql
def test_an_unknown_database_is_one_line_with_the_fix():
    # The suite's own account (root may not log in over TCP), and an ops_* name it has privileges
    # on: for a name it has none on, the server says "access denied" instead.
    suite_url = urlsplit(os.environ["DATABASE_URL"])
    missing = urlunsplit(suite_url._replace(path="/ops_no_such_db_here_xyz"))
    result = manage("migrate", env={**PRODUCTION_ENV, "DATABASE_URL": missing})

    assert_one_line_error(
        result,
        "Database 'ops_no_such_db_here_xyz' does not exist",
        "utf8mb4",
        "docs/operations.md › Troubleshooting › Unknown database",
    )


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("processes", "serving"),
    [
        ({"WEB_CONCURRENCY": "2", "TASKS_BACKEND": "immediate"}, "2 web worker(s)"),
        ({"WEB_CONCURRENCY": "1", "TASKS_BACKEND": "database"}, "a task worker"),
    ],
)
def test_production_refuses_a_local_memory_cache_when_more_than_one_process_serves(processes, serving):
    result = manage("check", env={**PRODUCTION_ENV, **processes, "CACHE_URL": "locmemcache://"})

    assert_one_line_error(result, "CACHE_URL is a local-memory cache", serving, "redis://")


@pytest.mark.parametrize(
    "env",
    [
        {"WEB_CONCURRENCY": "1", "TASKS_BACKEND": "immediate", "CACHE_URL": "locmemcache://"},  # one process
        {"DEBUG": "true", "CACHE_URL": "locmemcache://"},  # development
        {"CACHE_URL": ""},  # the default: the database
    ],
)
def test_a_cache_every_process_sees_or_a_single_process_starts(env):
    result = manage("check", env={**PRODUCTION_ENV, **env})

    assert result.returncode == 0, result.stderr
