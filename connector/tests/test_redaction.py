"""Redaction of secrets with each vendor's secret shapes."""

import pytest

from connector.redaction import REDACTED, redact

SECRETS = {
    "ecomdrop header": ("X-ACCESS-TOKEN: ecd-live-9f8e7d6c5b4a", "ecd-live-9f8e7d6c5b4a"),
    "ecomdrop in a dict": ("{'X-ACCESS-TOKEN': 'ecd-live-9f8e7d6c5b4a'}", "ecd-live-9f8e7d6c5b4a"),
    "dropi header": ("'dropi-integration-key': 'dr0p1-t0k3n-abcdef'", "dr0p1-t0k3n-abcdef"),
    "dropi jwt": ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.c2lnbmF0dXJl", "eyJzdWIiOiIxMjM0NTYifQ"),
    "shopify header": ("X-Shopify-Access-Token: shpat_0123456789abcdef", "shpat_0123456789abcdef"),
    "shopify bare": ("a token shpat_0123456789abcdef0123 leaked", "0123456789abcdef0123"),
    "shopify form": ("client_secret=app-s3cret&refresh_token=shprt_abcdef123456", "app-s3cret"),
    "shopify json": ('{"access_token": "shpua_abcdef123456", "scope": "x"}', "shpua_abcdef123456"),
    "github header": ("Authorization: Bearer ghp_0123456789abcdefghij", "0123456789abcdefghij"),
    "github pat": ("github_pat_11ABCDEFG0123456789_abcdefghijkl", "11ABCDEFG0123456789"),
    "gitlab header": ("PRIVATE-TOKEN: glpat-AbCdEf0123456789xyz", "AbCdEf0123456789xyz"),
    "user info": ("https://deploy:s3cr3t-pw@files.example.com/theme.zip", "s3cr3t-pw"),
    "pre-signed url": ("https://b.s3.amazonaws.com/t.zip?X-Amz-Credential=AKIA1&X-Amz-Signature=abcdef99", "abcdef99"),
    "requests error": ("with url: /api/contacts/find?field_id=phone&value=%2B573001234567 (Caused by", "573001234567"),
}


@pytest.mark.parametrize("case", SECRETS)
def test_redaction_removes_each_vendors_secret_shapes(case):
    text, secret = SECRETS[case]

    redacted = redact(text)

    assert secret not in redacted
    assert REDACTED in redacted


def test_redaction_removes_given_secrets_also_url_encoded_and_keeps_plain_text():
    assert redact("key a+b/c= and a%2Bb%2Fc%3D", secrets=["a+b/c="]) == "key [redacted] and [redacted]"
    plain = "GET https://api.dropi.mx: no answer in time; Ecomdrop answered HTTP 503 (send flow)"
    assert redact(plain) == plain
