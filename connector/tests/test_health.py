import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import override_settings

from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ok_when_migrated(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "migrations": "ok", "encryption": "ok"}


@pytest.mark.parametrize(
    ("backend", "kind"),
    [
        ("connector.cache.DatabaseCache", "database"),
        ("django.core.cache.backends.locmem.LocMemCache", "local memory"),
    ],
)
def test_readyz_names_the_cache_in_use(client, backend, kind):
    with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": "connector_cache"}}):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["cache"] == kind


def test_readyz_is_503_when_redis_does_not_answer(client):
    unreachable = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 2},
    }
    with override_settings(CACHES={"default": unreachable}):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["cache"] == "redis"
    assert response.json()["checks"]["cache"] == "error"
    assert response.json()["reason"] == "cache (redis) unreachable: ConnectionError"


def test_readyz_is_503_with_the_reason_when_a_migration_is_not_applied(client):
    from django.db.migrations.loader import MigrationLoader

    app, name = sorted(MigrationLoader(connection).graph.leaf_nodes())[-1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", [app, name])

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["migrations"] == "pending"
    assert f"{app}.{name}" in body["reason"]


def test_readyz_is_503_when_stored_secrets_cannot_be_decrypted(client):
    with override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        ShopConfigurationFactory(ecomdrop_api_key="written-with-a-lost-key")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["encryption"] == "error"
    assert "written-with" not in response.content.decode()


def test_readyz_refuses_other_methods(client):
    assert client.post("/readyz").status_code == 405


def test_probes_answer_any_host_over_plain_http(client):
    # Orchestrators probe by pod IP over HTTP: no DisallowedHost, no HTTPS redirect.
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")

    assert response.status_code == 200


def test_readyz_is_503_when_the_database_is_unreachable():
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "response = Client(HTTP_HOST='10.0.0.7').get('/readyz');"
        "print(response.status_code, json.dumps(response.json()))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector.settings_test",
        "DATABASE_URL": "mysql://nobody@127.0.0.1:1/unreachable?connect-timeout=2",
    }

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )

    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503", result.stderr
    assert json.loads(body)["checks"]["database"] == "error"
    assert "database unreachable" in json.loads(body)["reason"]
