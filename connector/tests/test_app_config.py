"""shopify.app.toml and the dev_link command."""

import tomllib
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from connector.shopify.session_tokens import decode_session_token

ROOT = Path(__file__).resolve().parents[2]


def test_app_toml_declares_managed_install_scopes_and_compliance_topics(settings):
    config = tomllib.loads((ROOT / "shopify.app.toml").read_text())

    assert config["embedded"] is True
    assert config["access_scopes"]["use_legacy_install_flow"] is False
    assert config["access_scopes"]["scopes"] == settings.SHOPIFY_SCOPES
    documented = [line for line in (ROOT / ".env.example").read_text().splitlines() if "SHOPIFY_SCOPES=" in line]
    assert documented == [f"# SHOPIFY_SCOPES={settings.SHOPIFY_SCOPES}"]
    assert config["webhooks"]["api_version"] == settings.SHOPIFY_API_VERSION
    subscriptions = config["webhooks"]["subscriptions"]
    compliance = {topic for entry in subscriptions for topic in entry.get("compliance_topics", [])}
    topics = {topic for entry in subscriptions for topic in entry.get("topics", [])}
    assert compliance == {"customers/data_request", "customers/redact", "shop/redact"}
    assert {"app/uninstalled", "app/scopes_update", "orders/create", "checkouts/create", "checkouts/update"} <= topics


def test_dev_link_prints_a_url_with_a_valid_token(settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("dev_link", shop="demo.myshopify.com", locale="en", stdout=out)

    url = urlsplit(out.getvalue().strip())
    query = parse_qs(url.query)
    assert url.path == "/app/"
    assert query["shop"] == ["demo.myshopify.com"]
    assert query["locale"] == ["en"]
    token = decode_session_token(
        query["id_token"][0], api_key=settings.SHOPIFY_API_KEY, secret=settings.SHOPIFY_API_SECRET
    )
    assert token.shop == "demo.myshopify.com"


def test_dev_link_refuses_without_debug_and_for_invalid_shops(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("dev_link")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="valid shop domain"):
        call_command("dev_link", shop="evil.com")
