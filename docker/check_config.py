"""Validate docker/compose.yaml without a Docker engine (`make docker-config`).

Parses the file with PyYAML and checks what the product relies on: the proxy, app, worker,
mysql and redis services; nginx in front with docker/nginx/connector.conf (request buffering,
header and body timeouts, a body size limit, an access log without query strings) and the
only way in; mysql:8.4 with utf8mb4 / utf8mb4_unicode_ci, max_allowed_packet=256M, a buffer
pool, the slow query log and UTC; app and worker sharing the Redis cache (CACHE_URL); healthchecks;
named volumes; passwords taken from the environment; and that docker/mysql/connector.cnf (for
servers outside Docker) has the same settings. Prints one line per problem and exits 1, or one
summary line and exits 0.
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path
from typing import Any

import yaml

DOCKER = Path(__file__).resolve().parent
COMPOSE = DOCKER / "compose.yaml"
MYSQL_CNF = DOCKER / "mysql" / "connector.cnf"
NGINX_CONF = DOCKER / "nginx" / "connector.conf"
REQUIRED_SERVICES = ("proxy", "app", "worker", "mysql", "redis")
PROXY_IMAGE = "nginx:"
PROXY_CONFIG_TARGET = "/etc/nginx/conf.d/default.conf"
# What makes a slow client harmless, and what keeps tokens out of the proxy's log.
REQUIRED_NGINX_DIRECTIVES = (
    "proxy_request_buffering on;",
    "proxy_buffering on;",
    "client_header_timeout ",
    "client_body_timeout ",
    "send_timeout ",
    "client_max_body_size ",
    "server app:8000;",
    "proxy_pass http://connector_app;",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "access_log /dev/stdout connector;",
)
LEAKING_NGINX_VARIABLES = re.compile(r"\$(request\b|request_uri|args|query_string|arg_\w+|http_referer)")
MYSQL_IMAGE = "mysql:8.4"
REDIS_IMAGE = "redis:"
# The cache every process shares (rate limits, locks, pauses): the compose file's Redis.
SHARED_CACHE_URL = "redis://redis:"
# Server settings the product requires, and the value each must have.
REQUIRED_MYSQL_SETTINGS = {
    "character-set-server": "utf8mb4",
    "collation-server": "utf8mb4_unicode_ci",
    "max-allowed-packet": "256M",
    "slow-query-log": "ON",
    "long-query-time": "1",
    "default-time-zone": "+00:00",
}
PRESENT_MYSQL_SETTINGS = ("innodb-buffer-pool-size",)  # any value; tuned per server
BOOLEAN_OPTIONS = {"slow-query-log"}
DEFAULTED_VARIABLE = re.compile(r"\$\{[A-Z0-9_]+:-([^}]*)\}")
PASSWORD_KEYS = ("MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD")


def _name(option: str) -> str:
    return option.strip().lstrip("-").replace("_", "-").lower()


def _value(option: str, raw: str) -> str:
    value = DEFAULTED_VARIABLE.sub(r"\1", str(raw).strip()).strip("'\"")
    if option in BOOLEAN_OPTIONS:
        return {"1": "ON", "TRUE": "ON", "0": "OFF", "FALSE": "OFF"}.get(value.upper(), value.upper())
    return value


def _flags(command: Any) -> dict[str, str]:
    if isinstance(command, str):
        command = command.split()
    flags = {}
    for item in command or []:
        if str(item).startswith("--") and "=" in str(item):
            option, value = str(item).split("=", 1)
            flags[_name(option)] = _value(_name(option), value)
    return flags


def _cnf_settings(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(allow_no_value=True, interpolation=None, strict=False)
    parser.read(path, encoding="utf-8")
    if not parser.has_section("mysqld"):
        return {}
    return {_name(option): _value(_name(option), value or "ON") for option, value in parser.items("mysqld")}


def _environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: str(value) for key, value in environment.items()}


def _redis_problems(services: dict[str, Any]) -> list[str]:
    """Redis runs, and the app and the worker use it as their cache (a per-process cache lets
    every process count its own limits)."""
    problems = []
    if not str(services["redis"].get("image", "")).startswith(REDIS_IMAGE):
        problems.append(f"redis: image is {services['redis'].get('image')!r}, expected {REDIS_IMAGE}…")
    for name in ("app", "worker"):
        if not _environment(services[name]).get("CACHE_URL", "").startswith(SHARED_CACHE_URL):
            problems.append(f"{name}: CACHE_URL must be the redis service ({SHARED_CACHE_URL}6379/0)")
    if "redis" not in (services["app"].get("depends_on") or {}):
        problems.append("app: must depend on redis (service_healthy)")
    return problems


def _proxy_problems(compose: dict[str, Any], nginx_path: Path) -> list[str]:
    """nginx is the only way in, with the shipped server block."""
    services = compose["services"]
    proxy = services["proxy"]
    problems = []
    if not str(proxy.get("image", "")).startswith(PROXY_IMAGE):
        problems.append(f"proxy: image is {proxy.get('image')!r}, expected {PROXY_IMAGE}…")
    if not proxy.get("ports"):
        problems.append("proxy: must publish a port (the only way in)")
    for name in ("app", "worker"):
        if services[name].get("ports"):
            problems.append(f"{name}: must not publish a port: slow clients would reach gunicorn past the proxy")
    if not _environment(services["app"]).get("TRUSTED_PROXIES"):
        problems.append("app: TRUSTED_PROXIES must name the proxy's network, or every client is the proxy")
    sources = {str(config.get("source")): str(config.get("target")) for config in proxy.get("configs") or []}
    files = {name: str((config or {}).get("file", "")) for name, config in (compose.get("configs") or {}).items()}
    if not any(
        target == PROXY_CONFIG_TARGET and files.get(source) == "./nginx/connector.conf"
        for source, target in sources.items()
    ):
        problems.append(f"proxy: must mount ./nginx/connector.conf as {PROXY_CONFIG_TARGET} (configs)")
    try:
        conf = nginx_path.read_text(encoding="utf-8")
    except OSError as error:
        return [*problems, f"{nginx_path.name}: cannot be read: {error}"]
    problems += [
        f"{nginx_path.name}: needs '{wanted.strip()}'" for wanted in REQUIRED_NGINX_DIRECTIVES if wanted not in conf
    ]
    for line in conf.splitlines():
        code = line.split("#", 1)[0]
        if ("log_format" in code or code.strip().startswith("'")) and LEAKING_NGINX_VARIABLES.search(code):
            problems.append(f"{nginx_path.name}: the access log must not record query strings or the Referer")
    return problems


def compose_problems(
    compose_path: Path = COMPOSE, cnf_path: Path = MYSQL_CNF, nginx_path: Path = NGINX_CONF
) -> list[str]:
    """Every problem found in the compose file (empty when it is fine)."""
    try:
        compose = yaml.safe_load(compose_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        return [f"{compose_path.name}: cannot be parsed: {error}"]
    if not isinstance(compose, dict):
        return [f"{compose_path.name}: is not a mapping"]
    services = compose.get("services") or {}
    problems = [f"service '{name}' is missing" for name in REQUIRED_SERVICES if name not in services]
    if problems:
        return problems

    mysql = services["mysql"]
    if mysql.get("image") != MYSQL_IMAGE:
        problems.append(f"mysql: image is {mysql.get('image')!r}, expected {MYSQL_IMAGE!r}")
    flags = _flags(mysql.get("command"))
    for option, wanted in REQUIRED_MYSQL_SETTINGS.items():
        if flags.get(option) != wanted:
            problems.append(f"mysql: command needs --{option}={wanted} (has {flags.get(option)!r})")
    for option in PRESENT_MYSQL_SETTINGS:
        if option not in flags:
            problems.append(f"mysql: command needs --{option}=…")
    for key in PASSWORD_KEYS:
        value = _environment(mysql).get(key, "")
        if not value.startswith("${"):
            problems.append(f"mysql: {key} must come from the environment (${{{key}:?…}}), not the file")

    volumes = compose.get("volumes") or {}
    mounts = [str(mount).split(":")[0] for mount in mysql.get("volumes") or []]
    if not any(mount in volumes for mount in mounts):
        problems.append("mysql: the data directory must be on a named volume")

    problems += _redis_problems(services)
    problems += _proxy_problems(compose, nginx_path)
    for name in ("mysql", "app", "redis"):
        test = (services[name].get("healthcheck") or {}).get("test")
        if not test:
            problems.append(f"{name}: healthcheck missing")
        elif any("PASSWORD" in str(part) for part in test):
            problems.append(f"{name}: healthcheck must not put a password on the command line")
    for name in ("app", "worker"):
        if "DATABASE_URL" not in _environment(services[name]):
            problems.append(f"{name}: DATABASE_URL missing")
    if "mysql" not in (services["app"].get("depends_on") or {}):
        problems.append("app: must depend on mysql (service_healthy)")
    if not services["worker"].get("depends_on"):
        problems.append("worker: must wait for the app (which migrates) or the database")

    cnf = _cnf_settings(cnf_path)
    for option in [*REQUIRED_MYSQL_SETTINGS, *PRESENT_MYSQL_SETTINGS]:
        if cnf.get(option) != flags.get(option):
            problems.append(
                f"{cnf_path.name}: {option} is {cnf.get(option)!r} but compose.yaml passes {flags.get(option)!r}"
            )
    return problems


def main() -> int:
    problems = compose_problems()
    for problem in problems:
        print(f"✗ {problem}")
    if problems:
        print(f"docker-config: {len(problems)} problem(s) in {COMPOSE.relative_to(DOCKER.parent)}")
        return 1
    print(
        f"docker-config: {COMPOSE.relative_to(DOCKER.parent)} OK (services {', '.join(REQUIRED_SERVICES)}; "
        f"{MYSQL_IMAGE} utf8mb4/utf8mb4_unicode_ci, max_allowed_packet 256M; matches {MYSQL_CNF.name}; "
        "the app and the worker share the Redis cache; nginx buffers every request)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
