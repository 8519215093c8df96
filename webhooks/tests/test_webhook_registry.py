"""The topic map, and shopify.app.toml subscribing to exactly what the app handles."""

import ast
import tomllib
from pathlib import Path

from connector.shopify.webhooks import COMPLIANCE_TOPICS, SUBSCRIBED_TOPICS
from webhooks import registry as webhook_registry
from webhooks.checks import check_webhook_confirmations, check_webhook_handlers
from webhooks.tests.slow_webhook_handler import handle_connector_test_slow

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


def test_each_topic_maps_to_the_handler_of_its_app():
    handlers = {topic: webhook_registry.handler_for(topic) for topic in webhook_registry.registered_topics()}

    assert handlers["app/uninstalled"].__module__ == "shops.webhook_handlers"
    assert handlers["shop/redact"].__module__ == "shops.webhook_handlers"
    assert handlers["app/scopes_update"].__module__ == "webhooks.webhook_handlers"
    assert webhook_registry.handler_for("products/update") is None


def test_two_handlers_for_one_topic_are_refused():
    # A dict literal keeps the last of two equal keys without a word: the map must not have any.
    settings_tree = ast.parse((ROOT / "connector" / "wiring.py").read_text())
    (handlers,) = [
        node.value
        for node in ast.walk(settings_tree)
        if isinstance(node, ast.Assign) and [target.id for target in node.targets] == ["WEBHOOK_HANDLERS"]
    ]
    topics = [key.value for key in handlers.keys]

    assert len(topics) == len(set(topics))


def test_extra_handlers_from_settings_are_used(settings):
    assert webhook_registry.handler_for("connector_test/slow") is None
    settings.WEBHOOK_HANDLERS = {
        **settings.WEBHOOK_HANDLERS,
        "connector_test/slow": "webhooks.tests.slow_webhook_handler.handle_connector_test_slow",
    }

    assert webhook_registry.handler_for("connector_test/slow") is handle_connector_test_slow


def test_a_handler_that_does_not_import_is_a_system_check_error(settings):
    assert check_webhook_handlers() == []
    settings.WEBHOOK_HANDLERS = {**settings.WEBHOOK_HANDLERS, "orders/create": "shops.webhook_handlers.handle_nothing"}

    (error,) = check_webhook_handlers()

    assert error.id == "webhooks.E001"
    assert "'shops.webhook_handlers.handle_nothing', which cannot be imported" in error.msg


def test_the_topics_that_end_an_installation_are_confirmed_with_shopify_first():
    assert webhook_registry.confirmation_for("app/uninstalled").__module__ == "shops.webhook_handlers"
    assert webhook_registry.confirmation_for("shop/redact").__module__ == "shops.webhook_handlers"
    assert webhook_registry.confirmation_for("orders/create") is None
    assert check_webhook_confirmations() == []


def test_a_confirmation_that_does_not_import_or_has_no_handler_is_reported(settings):
    settings.WEBHOOK_CONFIRMATIONS = {"app/uninstalled": "shops.webhook_handlers.nope", "products/update": "json.dumps"}

    ids = sorted(message.id for message in check_webhook_confirmations())

    assert ids == ["webhooks.E004", "webhooks.E005"]
