"""System checks: refused databases and unreadable secrets stop `check --database` and
`migrate` with Django's check report, which names what is wrong and how to fix it."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from connector.checks import check_encryption_keys_read_stored_secrets, check_worker_maintenance
from ops.tests.databases import database_alias, mysql_database, server_settings
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

LOST_KEY = Fernet.generate_key().decode()


def test_a_wrong_key_stops_check_database_with_an_error_naming_the_column():
    with override_settings(FIELD_ENCRYPTION_KEYS=[LOST_KEY]):
        ShopConfigurationFactory(dropi_token="written-with-a-lost-key")

    with pytest.raises(SystemCheckError) as raised:
        call_command("check", databases=["default"])

    message = str(raised.value)
    assert "(connector.E003) Secrets stored in " in message
    assert "shops_shop_configuration.dropi_token" in message
    assert "rotate_encryption_keys" in message
    assert "written-with" not in message


def test_check_database_passes_when_the_keys_read_every_stored_secret(capsys):
    ShopConfigurationFactory(dropi_token="readable")

    call_command("check", databases=["default"])

    assert "no issues" in capsys.readouterr().out


def test_an_unreadable_old_row_is_found_behind_newer_readable_ones():
    with override_settings(FIELD_ENCRYPTION_KEYS=[LOST_KEY]):
        ShopConfigurationFactory(dropi_token="oldest, written with a lost key")
    ShopConfigurationFactory.create_batch(5, dropi_token="newer, readable")

    (error,) = check_encryption_keys_read_stored_secrets(databases=["default"])

    assert "shops_shop_configuration.dropi_token" in error.msg


def test_migrate_refuses_a_wrong_key_before_migrating():
    with override_settings(FIELD_ENCRYPTION_KEYS=[LOST_KEY]):
        ShopConfigurationFactory(dropi_token="written-with-a-lost-key")

    with pytest.raises(SystemCheckError, match=r"\(connector\.E003\) .*shops_shop_configuration\.dropi_token"):
        call_command("migrate", verbosity=0, skip_checks=False)


@pytest.mark.mysql
def test_migrate_refuses_a_latin1_database_with_the_fix():
    with (
        mysql_database("latin1", charset="latin1", collation="latin1_swedish_ci") as name,
        database_alias("ops_latin1", server_settings(NAME=name)),
        pytest.raises(SystemCheckError) as raised,
    ):
        call_command("migrate", database="ops_latin1", verbosity=0, skip_checks=False)

    message = str(raised.value)
    assert f"(connector.E001) Database '{name}' uses character set latin1;" in message
    assert f"ALTER DATABASE `{name}` CHARACTER SET utf8mb4" in message


def test_every_function_the_worker_runs_for_maintenance_imports():
    assert check_worker_maintenance() == []


def test_a_maintenance_entry_that_does_not_import_is_an_error(settings):
    settings.WORKER_MAINTENANCE = [*settings.WORKER_MAINTENANCE, "shops.maintenance.nothing_here", "django.conf"]

    errors = check_worker_maintenance()

    assert [error.id for error in errors] == ["connector.E004", "connector.E004"]
    assert "'shops.maintenance.nothing_here', which cannot be imported" in errors[0].msg
    assert "'django.conf', which is not a function" in errors[1].msg
