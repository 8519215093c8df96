import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.db import connection
from django.test import override_settings

from connector import crypto
from connector.models import ShopifySession
from connector.secrets import Secret
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


def test_raw_columns_hold_ciphertext_and_models_read_plaintext():
    configuration = ShopConfigurationFactory(ecomdrop_api_key="ecomdrop-key-ABCDEF-123456", dropi_token="dropi-tok-🔑")
    session = ShopifySessionFactory(access_token="shpat_plain_access", refresh_token="shprt_plain_refresh")

    for model, column, pk, plaintext in [
        (ShopConfiguration, "ecomdrop_api_key", configuration.pk, "ecomdrop-key-ABCDEF-123456"),
        (ShopConfiguration, "dropi_token", configuration.pk, "dropi-tok-🔑"),
        (ShopifySession, "access_token", session.pk, "shpat_plain_access"),
        (ShopifySession, "refresh_token", session.pk, "shprt_plain_refresh"),
    ]:
        raw = raw_column(model, column, pk)
        assert plaintext not in raw
        assert raw.startswith("gAAAAA")  # Fernet version byte
        assert crypto.decrypt(raw) == plaintext

    reloaded = ShopConfiguration.objects.get(pk=configuration.pk)
    assert isinstance(reloaded.ecomdrop_api_key, Secret)
    assert reloaded.ecomdrop_api_key.reveal() == "ecomdrop-key-ABCDEF-123456"
    assert raw_column(ShopConfiguration, "callback_secret", configuration.pk).startswith("gAAAAA")


def test_assigned_plaintext_is_wrapped_at_once():
    configuration = ShopConfigurationFactory()
    configuration.ecomdrop_api_key = "a-new-key-value-123"

    assert isinstance(configuration.ecomdrop_api_key, Secret)
    assert "a-new-key" not in str(configuration.ecomdrop_api_key)


def test_full_clean_keeps_the_secret_intact():
    configuration = ShopConfigurationFactory(ecomdrop_api_key="ecomdrop-key-ABCDEF-123456")
    configuration.full_clean()
    configuration.save()

    configuration.refresh_from_db()
    assert configuration.ecomdrop_api_key.reveal() == "ecomdrop-key-ABCDEF-123456"


def test_null_stays_null():
    configuration = ShopConfigurationFactory(ecomdrop_api_key=None)

    assert raw_column(ShopConfiguration, "ecomdrop_api_key", configuration.pk) is None
    assert ShopConfiguration.objects.get(pk=configuration.pk).ecomdrop_api_key is None
    assert ShopConfiguration.objects.filter(ecomdrop_api_key__isnull=True).count() == 1


def test_equality_lookups_on_ciphertext_are_refused():
    with pytest.raises(FieldError, match="encrypted"):
        ShopConfiguration.objects.filter(ecomdrop_api_key="anything").exists()


def test_a_wrong_key_refuses_to_read_instead_of_showing_garbage():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_OLD]):
        configuration = ShopConfigurationFactory(ecomdrop_api_key="key-written-with-old")
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW]), pytest.raises(crypto.EncryptionKeyError):
        ShopConfiguration.objects.get(pk=configuration.pk)
