"""docker/: the compose file parses and has what the product needs; the image files are sane."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from django.conf import settings

from ops.tests.databases import sqlite_alias
from shops.models import ShopConfiguration

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"


def load_checker():
    spec = importlib.util.spec_from_file_location("docker_check_config", DOCKER / "check_config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


checker = load_checker()


def compose_variant(tmp_path, change):
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    change(compose)
    path = tmp_path / "compose.yaml"
    path.write_text(yaml.safe_dump(compose, allow_unicode=True))
    return path


def test_the_shipped_compose_file_passes_and_make_docker_config_says_so():
    assert checker.compose_problems() == []
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(DOCKER / "check_config.py")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
    assert "docker-config: docker/compose.yaml OK" in result.stdout


def test_compose_runs_mysql_8_4_configured_for_the_product():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    mysql = compose["services"]["mysql"]
    flags = checker._flags(mysql["command"])

    assert mysql["image"] == "mysql:8.4"
    assert flags["character-set-server"] == "utf8mb4"
    assert flags["collation-server"] == "utf8mb4_unicode_ci"
    assert flags["max-allowed-packet"] == "256M"
    assert flags["innodb-buffer-pool-size"] == "768M"
    assert flags["slow-query-log"] == "ON"
    assert "mysql-data" in compose["volumes"]
    assert mysql["healthcheck"]["test"][:3] == ["CMD", "mysqladmin", "ping"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda compose: compose["services"].pop("worker"), "service 'worker' is missing"),
        (lambda compose: compose["services"]["mysql"].update(image="mysql:8.0"), "image is 'mysql:8.0'"),
        (
            lambda compose: compose["services"]["mysql"]["command"].remove("--collation-server=utf8mb4_unicode_ci"),
            "--collation-server=utf8mb4_unicode_ci",
        ),
        (
            lambda compose: compose["services"]["mysql"]["environment"].update(MYSQL_ROOT_PASSWORD="hunter2"),
            "MYSQL_ROOT_PASSWORD must come from the environment",
        ),
        (
            lambda compose: compose["services"]["mysql"]["healthcheck"].update(
                test=["CMD-SHELL", 'mysqladmin ping -p"$$MYSQL_ROOT_PASSWORD"']
            ),
            "must not put a password on the command line",
        ),
        (lambda compose: compose["services"]["mysql"].update(volumes=["/srv/mysql:/var/lib/mysql"]), "named volume"),
        (lambda compose: compose["services"]["worker"].pop("depends_on"), "worker: must wait"),
        (lambda compose: compose["services"].pop("redis"), "service 'redis' is missing"),
        (
            lambda compose: compose["x-app"]["environment"].pop("CACHE_URL"),
            "app: CACHE_URL must be the redis service",
        ),
        (lambda compose: compose["services"]["redis"].pop("healthcheck"), "redis: healthcheck missing"),
        (lambda compose: compose["services"].pop("proxy"), "service 'proxy' is missing"),
        (
            lambda compose: compose["services"]["app"].update(ports=["127.0.0.1:8000:8000"]),
            "app: must not publish a port",
        ),
        (lambda compose: compose["services"]["proxy"].pop("configs"), "proxy: must mount ./nginx/connector.conf"),
        (lambda compose: compose["x-app"]["environment"].pop("TRUSTED_PROXIES"), "app: TRUSTED_PROXIES must name"),
    ],
    ids=[
        "no-worker",
        "old-mysql",
        "collation",
        "password-in-file",
        "password-in-healthcheck",
        "bind-mount",
        "race",
        "no-redis",
        "per-process-cache",
        "redis-unchecked",
        "no-proxy",
        "app-reachable-past-the-proxy",
        "proxy-without-its-config",
        "every-client-is-the-proxy",
    ],
)
def test_a_compose_file_missing_a_requirement_is_reported(tmp_path, change, problem):
    problems = checker.compose_problems(compose_variant(tmp_path, change), DOCKER / "mysql" / "connector.cnf")

    assert any(problem in line for line in problems), problems


@pytest.mark.parametrize(
    ("shipped", "changed", "problem"),
    [
        ("proxy_request_buffering on;", "proxy_request_buffering off;", "needs 'proxy_request_buffering on;'"),
        ("client_body_timeout 10s;", "", "needs 'client_body_timeout'"),
        ('"$request_method $uri $server_protocol"', '"$request"', "must not record query strings"),
        ("$http_user_agent", "$http_referer", "must not record query strings or the Referer"),
    ],
    ids=["unbuffered", "no-body-timeout", "query-in-log", "referer-in-log"],
)
def test_the_nginx_config_must_buffer_time_out_and_log_no_tokens(tmp_path, shipped, changed, problem):
    text = (DOCKER / "nginx" / "connector.conf").read_text()
    assert shipped in text
    conf = tmp_path / "connector.conf"
    conf.write_text(text.replace(shipped, changed))

    problems = checker.compose_problems(DOCKER / "compose.yaml", DOCKER / "mysql" / "connector.cnf", conf)

    assert any(problem in line for line in problems), problems


def test_the_mysql_cnf_must_agree_with_compose(tmp_path):
    cnf = tmp_path / "connector.cnf"
    cnf.write_text((DOCKER / "mysql" / "connector.cnf").read_text().replace("256M", "64M"))

    problems = checker.compose_problems(DOCKER / "compose.yaml", cnf)

    assert problems == ["connector.cnf: max-allowed-packet is '64M' but compose.yaml passes '256M'"]


def test_invalid_yaml_is_reported(tmp_path):
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  app: [unclosed\n")

    (problem,) = checker.compose_problems(broken)

    assert problem.startswith("compose.yaml: cannot be parsed")


def test_the_image_runs_gunicorn_as_a_non_root_user_with_the_mysql_client():
    dockerfile = (DOCKER / "Dockerfile").read_text()

    assert "\nUSER app\n" in dockerfile
    assert "mariadb-client" in dockerfile  # mysqldump/mysql for backup and restore
    assert 'ENTRYPOINT ["sh", "/app/docker/entrypoint.sh"]' in dockerfile
    assert "exec gunicorn connector.wsgi" in (DOCKER / "entrypoint.sh").read_text()


def test_secrets_and_local_data_stay_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()

    for entry in (".env", ".venv", ".git", "*.sqlite3", "backups/", "media/"):
        assert entry in ignored


def test_the_entrypoint_is_valid_sh():
    result = subprocess.run(["sh", "-n", str(DOCKER / "entrypoint.sh")], capture_output=True, text=True, check=False)  # noqa: S603, S607

    assert result.returncode == 0, result.stderr


def test_every_documented_compose_command_passes_the_env_file():
    # Without --env-file, Compose reads .env from docker/ (the compose file's folder), not the
    # repository root, and ${MYSQL_PASSWORD:?...} stops every command, exec and run included.
    commands = [
        line
        for path in (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), DOCKER / "compose.yaml")
        for line in path.read_text().splitlines()
        if "docker compose " in line
    ]

    assert len(commands) >= 4
    for command in commands:
        assert "--env-file " in command, command


def run_entrypoint(tmp_path, command, *, database, keys):
    """docker/entrypoint.sh COMMAND with this checkout as /app and a stand-in gunicorn."""
    bin_directory = tmp_path / "bin"
    bin_directory.mkdir(exist_ok=True)
    # The image's `python` is this suite's interpreter (its virtualenv) here.
    stand_ins = {"python": f'exec "{sys.executable}" "$@"', "gunicorn": 'echo "gunicorn started $1"'}
    for name, body in stand_ins.items():
        (bin_directory / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_directory / name).chmod(0o755)
    env = {
        "PATH": f"{bin_directory}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "connector.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "FIELD_ENCRYPTION_KEYS": keys,
        "WAIT_SECONDS": "4",
    }
    return subprocess.run(  # noqa: S603
        ["sh", str(DOCKER / "entrypoint.sh"), command],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def database_with_a_secret(tmp_path):
    """A migrated SQLite file holding a Dropi token encrypted with the test suite's key."""
    path = tmp_path / "db.sqlite3"
    with sqlite_alias("ops_entrypoint", path):
        ShopConfiguration.objects.using("ops_entrypoint").create(shop="a.myshopify.com", dropi_token="dropi-token")
    return path


@pytest.mark.django_db
def test_the_entrypoint_refuses_to_start_gunicorn_with_a_key_that_cannot_read_the_secrets(
    tmp_path, database_with_a_secret
):
    result = run_entrypoint(tmp_path, "web", database=database_with_a_secret, keys=Fernet.generate_key().decode())

    assert result.returncode == 1, result.stdout + result.stderr
    assert "gunicorn started" not in result.stdout
    assert "gave up" not in result.stderr
    errors = result.stderr.splitlines()
    (failure,) = [line for line in errors if "(connector.E003)" in line]
    assert failure.startswith("?: (connector.E003) Secrets stored in ")
    assert "shops_shop_configuration.dropi_token" in failure
    assert errors[-1] == "web not started: the database check above failed (docs/operations.md › Troubleshooting)."


@pytest.mark.django_db
def test_the_entrypoint_starts_gunicorn_when_the_database_checks_pass(tmp_path, database_with_a_secret):
    keys = ",".join(settings.FIELD_ENCRYPTION_KEYS)

    result = run_entrypoint(tmp_path, "web", database=database_with_a_secret, keys=keys)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "gunicorn started connector.wsgi" in result.stdout
