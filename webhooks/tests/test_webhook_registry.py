"""The topic registry, and shopify.app.toml subscribing to exactly what the app handles."""

import sys
import tomllib
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from connector.shopify.webhooks import COMPLIANCE_TOPICS, SUBSCRIBED_TOPICS
from webhooks import registry as webhook_registry

ROOT = Path(__file__).resolve().parents[2]


# Subscribed for the order automation; their handlers arrive with it (then remove them here).
def toml_subscriptions():
    return tomllib.loads((ROOT / "shopify.app.toml").read_text())["webhooks"]["subscriptions"]


def test_the_app_toml_subscribes_to_the_known_topics_at_the_single_endpoint():
    subscriptions = toml_subscriptions()
    topics = [topic for entry in subscriptions for topic in entry.get("topics", [])]
    compliance = [topic for entry in subscriptions for topic in entry.get("compliance_topics", [])]

    assert sorted(topics) == sorted(SUBSCRIBED_TOPICS)
    assert sorted(compliance) == sorted(COMPLIANCE_TOPICS)
    assert {entry["uri"] for entry in subscriptions} == {"/webhooks"}


def test_every_subscribed_topic_has_a_handler():
    subscribed = set(SUBSCRIBED_TOPICS) | set(COMPLIANCE_TOPICS)

    assert subscribed <= set(webhook_registry.registered_topics())


def test_each_app_registers_its_handlers_at_start_up():
    handlers = {topic: webhook_registry.handler_for(topic) for topic in webhook_registry.registered_topics()}

    assert handlers["app/uninstalled"].__module__ == "shops.webhook_handlers"
    assert handlers["shop/redact"].__module__ == "shops.webhook_handlers"
    assert handlers["app/scopes_update"].__module__ == "webhooks.webhook_handlers"
    assert webhook_registry.handler_for("products/update") is None


def test_two_handlers_for_one_topic_are_refused(monkeypatch):
    monkeypatch.setattr(webhook_registry, "_handlers", dict(webhook_registry._handlers))

    def another(*, shop, payload, event):
        return None

    with pytest.raises(ImproperlyConfigured, match="Two handlers for webhook topic 'app/uninstalled'"):
        webhook_registry.webhook_handler("app/uninstalled")(another)


def test_extra_handler_modules_from_settings_are_registered(settings, monkeypatch):
    monkeypatch.setattr(webhook_registry, "_handlers", dict(webhook_registry._handlers))
    monkeypatch.delitem(sys.modules, "webhooks.tests.slow_webhook_handler", raising=False)
    settings.WEBHOOK_HANDLER_MODULES = ["webhooks.tests.slow_webhook_handler"]
    assert webhook_registry.handler_for("connector_test/slow") is None

    webhook_registry.autodiscover()

    assert webhook_registry.handler_for("connector_test/slow") is not None
