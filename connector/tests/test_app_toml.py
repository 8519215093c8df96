"""shopify.app.toml: the app configuration Shopify deploys agrees with the settings."""

import tomllib
from pathlib import Path

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


def test_every_scope_is_explained_in_the_readme(settings):
    readme = (ROOT / "README.md").read_text()

    missing = [scope for scope in settings.SHOPIFY_SCOPES.split(",") if f"`{scope}`" not in readme]

    assert missing == []
    assert "write_publications" in settings.SHOPIFY_SCOPES
