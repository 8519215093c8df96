"""Configuración › Ecomdrop › abandoned carts and order rules: the defaults shown, saving, and
every bad value refused with its field and nothing saved."""

import datetime
import json

import pytest

from shops.models import DeliveryRules

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
URL = "/app/api/delivery-rules"


@pytest.fixture
def call(client, shopify_simulator, session_token):
    def request(method, body=None):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {session_token(SHOP)}"}
        if method == "GET":
            return client.get(URL, **auth)
        raw = body if isinstance(body, str) else json.dumps(body)
        return client.post(URL, raw, content_type="application/json", **auth)

    return request


def test_the_defaults_are_shown_before_anything_is_saved(call, settings):
    settings.DELIVERY_QUIET_HOURS_BY_DEFAULT = True
    settings.DELIVERY_DUPLICATE_WINDOW_MINUTES = 30
    rules = call("GET").json()["rules"]

    assert rules["cart_source"] == "checkouts"
    assert rules["payment_methods"] == ["cod", "manual", "pending"]
    assert rules["skip_channels"] == ["pos"]
    assert (rules["quiet_hours_enabled"], rules["quiet_start"], rules["quiet_end"]) == (True, "21:00", "08:00")
    assert rules["duplicate_window_minutes"] == 30
    assert rules["saved"] is False
    assert {preset["value"] for preset in rules["choices"]["draft_tag_presets"]} >= {"releasit", "easysell"}
    assert not DeliveryRules.objects.exists()


def test_saving_the_rules(call):
    response = call(
        "POST",
        {
            "cart_source": "both",
            "draft_tags": "releasit, Mi-Form ,releasit",
            "payment_methods": ["cod", "prepaid"],
            "skip_tags": ["mayorista"],
            "skip_channels": ["POS", "shopify_draft_order"],
            "quiet_hours_enabled": True,
            "quiet_start": "22:30",
            "quiet_end": "07:15",
            "duplicate_window_minutes": 0,
        },
    )

    assert response.status_code == 200, response.json()
    rules = DeliveryRules.objects.get(shop=SHOP)
    assert rules.draft_tags == ["releasit", "Mi-Form"]
    assert rules.payment_methods == ["cod", "prepaid"]
    assert rules.skip_channels == ["pos", "shopify_draft_order"]
    assert (rules.quiet_start, rules.quiet_end) == (datetime.time(22, 30), datetime.time(7, 15))
    assert response.json()["rules"]["saved"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cart_source": "emails"}, "cart_source"),
        ({"cart_source": "drafts", "draft_tags": []}, "draft_tags"),
        ({"draft_tags": [1, 2]}, "draft_tags"),
        ({"draft_tags": ["x" * 101]}, "draft_tags"),
        ({"payment_methods": []}, "payment_methods"),
        ({"payment_methods": ["bitcoin"]}, "payment_methods"),
        ({"payment_methods": "cod"}, "payment_methods"),
        ({"quiet_start": "25:00"}, "quiet_start"),
        ({"quiet_end": "8"}, "quiet_end"),
        ({"quiet_hours_enabled": True, "quiet_start": "08:00", "quiet_end": "08:00"}, "quiet_end"),
        ({"quiet_hours_enabled": "yes"}, "quiet_hours_enabled"),
        ({"duplicate_window_minutes": -1}, "duplicate_window_minutes"),
        ({"duplicate_window_minutes": "30"}, "duplicate_window_minutes"),
        ({"duplicate_window_minutes": 100000}, "duplicate_window_minutes"),
    ],
)
def test_bad_values_are_refused_with_their_field_and_nothing_is_saved(call, body, field):
    response = call("POST", body)

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["error"]
    assert not DeliveryRules.objects.exists()


def test_a_body_that_is_not_json_is_refused(call):
    assert call("POST", "{not json").status_code == 400
