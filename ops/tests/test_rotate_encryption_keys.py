"""`manage.py rotate_encryption_keys`: every stored secret re-encrypted with the newest key."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from connector.models import ShopifySession
from connector.tests.factories import ShopifySessionFactory
from shops.models import ShopConfiguration
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

KEY_OLD = Fernet.generate_key().decode()
KEY_NEW = Fernet.generate_key().decode()


def raw_column(model, column, pk):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_every_value_with_the_newest_key_and_is_idempotent(capsys):
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_OLD]):
        configurations = [ShopConfigurationFactory(ecomdrop_api_key=f"key-{n}-ñ", dropi_token=None) for n in range(3)]
        session = ShopifySessionFactory(access_token="shpat_rotate_me", refresh_token=None)

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW, KEY_OLD]):
        call_command("rotate_encryption_keys", batch_size=2)
        first_run = capsys.readouterr().out
        call_command("rotate_encryption_keys")
        second_run = capsys.readouterr().out

    # 3 API keys + 3 callback secrets + 1 access token.
    assert first_run.startswith("Re-encrypted 7 value(s)")
    assert second_run.startswith("Re-encrypted 0 value(s); 7 already under the newest key")
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW]):
        for number, configuration in enumerate(configurations):
            reloaded = ShopConfiguration.objects.get(pk=configuration.pk)
            assert reloaded.ecomdrop_api_key.reveal() == f"key-{number}-ñ"
            assert reloaded.callback_secret == configuration.callback_secret
        assert ShopifySession.objects.get(pk=session.pk).access_token.reveal() == "shpat_rotate_me"


def test_rotation_dry_run_writes_nothing(capsys):
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_OLD]):
        configuration = ShopConfigurationFactory(ecomdrop_api_key="key-dry-run")
    before = raw_column(ShopConfiguration, "ecomdrop_api_key", configuration.pk)

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW, KEY_OLD]):
        call_command("rotate_encryption_keys", dry_run=True)

    assert capsys.readouterr().out.startswith("Would re-encrypt 2 value(s)")
    assert raw_column(ShopConfiguration, "ecomdrop_api_key", configuration.pk) == before


def test_rotation_without_the_old_key_stops_with_a_clear_error():
    from django.core.management.base import CommandError

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_OLD]):
        ShopConfigurationFactory(ecomdrop_api_key="key-lost")
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW]), pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_encryption_keys")
