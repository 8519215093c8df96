import pickle

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils import translation

from connector import crypto
from connector.secrets import Secret

KEY_OLD = Fernet.generate_key().decode()
KEY_NEW = Fernet.generate_key().decode()


def test_encrypt_then_decrypt_returns_the_plaintext_and_the_token_hides_it():
    token = crypto.encrypt("clave secreta ñ 🚀")

    assert "clave" not in token
    assert crypto.decrypt(token) == "clave secreta ñ 🚀"


def test_a_token_from_an_unknown_key_is_refused_not_garbled():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_OLD]):
        token = crypto.encrypt("value")
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW]), pytest.raises(crypto.EncryptionKeyError):
        crypto.decrypt(token)


def test_older_keys_still_decrypt_while_the_newest_encrypts():
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_OLD]):
        old_token = crypto.encrypt("value")
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_NEW, KEY_OLD]):
        assert crypto.decrypt(old_token) == "value"
        assert not crypto.is_encrypted_with_newest_key(old_token)
        assert crypto.is_encrypted_with_newest_key(crypto.encrypt("value"))


@pytest.mark.parametrize("raw", ["", " , ", "not-a-key", f"{KEY_NEW},short"])
def test_malformed_key_lists_are_refused(raw):
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        crypto.parse_keys(raw)


def test_keyed_hashes_accept_fallback_secret_keys():
    with override_settings(SECRET_KEY="a" * 50, SECRET_KEY_FALLBACKS=[]):
        stored = crypto.keyed_hashes("callback", purpose="test")[0]
    with override_settings(SECRET_KEY="b" * 50, SECRET_KEY_FALLBACKS=["a" * 50]):
        candidates = crypto.keyed_hashes("callback", purpose="test")
    assert stored == candidates[1]
    assert stored != candidates[0]


def test_secret_text_forms_are_masked():
    secret = Secret("shpat_1234567890abcdef")

    with translation.override("es"):
        assert str(secret) == "configurado ••••cdef"
    with translation.override("en"):
        assert str(secret) == "configured ••••cdef"
    assert "1234567890" not in repr(secret)
    assert "1234567890" not in f"{secret}"
    assert secret.reveal() == "shpat_1234567890abcdef"


def test_short_secrets_show_no_characters_at_all():
    with translation.override("es"):
        assert str(Secret("abc123")) == "configurado ••••"
        assert str(Secret("")) == "no configurado"


def test_secret_compares_equal_to_its_plaintext_and_cannot_be_pickled():
    assert Secret("abc") == "abc"
    assert Secret("abc") == Secret("abc")
    assert Secret("abc") != "abd"
    with pytest.raises(TypeError):
        pickle.dumps(Secret("abc"))
