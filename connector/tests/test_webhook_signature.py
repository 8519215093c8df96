"""Reading a Shopify webhook delivery: signature, headers and body (connector.shopify.webhooks)."""

import base64
import datetime
import hashlib
import hmac
import json

import pytest

from connector.shopify.webhooks import (
    InvalidWebhook,
    parse_webhook,
    signed_delivery_headers,
    verify_webhook_signature,
    webhook_signature,
)

SECRET = "hush-0123456789"
BODY = json.dumps({"id": 820982911946154508, "email": "jon@example.com"}).encode()


def headers(body=BODY, **overrides):
    values = signed_delivery_headers(
        body,
        secret=SECRET,
        topic="orders/create",
        shop="tienda.myshopify.com",
        webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        event_id="7c39e4b0-3f57-4d5e-9a1b-1f2a3b4c5d6e",
        api_version="2026-10",
        triggered_at="2026-03-29T18:00:27.877041743Z",
    )
    for name, value in overrides.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return values


def test_signature_is_base64_hmac_sha256_of_the_raw_body():
    expected = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()

    assert webhook_signature(BODY, secret=SECRET) == expected
    assert verify_webhook_signature(BODY, expected, secret=SECRET)


@pytest.mark.parametrize(
    "signature",
    [None, "", "not-base64!", webhook_signature(b"{}", secret=SECRET), webhook_signature(BODY, secret="other"), "ñ"],
)
def test_missing_or_wrong_signatures_are_refused(signature):
    assert not verify_webhook_signature(BODY, signature, secret=SECRET)


def test_a_valid_delivery_is_read_completely():
    delivery = parse_webhook(headers=headers(), body=BODY, secret=SECRET)

    assert delivery.topic == "orders/create"
    assert delivery.shop == "tienda.myshopify.com"
    assert delivery.event_id == "7c39e4b0-3f57-4d5e-9a1b-1f2a3b4c5d6e"
    assert delivery.webhook_id == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    assert delivery.api_version == "2026-10"
    assert delivery.triggered_at == datetime.datetime(2026, 3, 29, 18, 0, 27, 877041, tzinfo=datetime.UTC)
    assert delivery.payload["id"] == 820982911946154508


def test_the_payload_never_appears_in_the_delivery_repr():
    delivery = parse_webhook(headers=headers(), body=BODY, secret=SECRET)

    assert "jon@example.com" not in repr(delivery)


def test_without_an_event_id_the_webhook_id_is_the_deduplication_key():
    delivery = parse_webhook(headers=headers(**{"X-Shopify-Event-Id": None}), body=BODY, secret=SECRET)

    assert delivery.event_id == delivery.webhook_id == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"


def test_an_unreadable_triggered_at_is_dropped_not_refused():
    delivery = parse_webhook(headers=headers(**{"X-Shopify-Triggered-At": "yesterday"}), body=BODY, secret=SECRET)

    assert delivery.triggered_at is None


def test_the_shop_header_is_lower_cased():
    delivery = parse_webhook(
        headers=headers(**{"X-Shopify-Shop-Domain": "Tienda.MyShopify.com"}), body=BODY, secret=SECRET
    )

    assert delivery.shop == "tienda.myshopify.com"


@pytest.mark.parametrize(
    ("overrides", "body", "status"),
    [
        ({"X-Shopify-Hmac-Sha256": None}, BODY, 401),
        ({"X-Shopify-Hmac-Sha256": "AAAA"}, BODY, 401),
        ({}, BODY + b" ", 401),  # signature of a different body
        ({"X-Shopify-Topic": None}, BODY, 400),
        ({"X-Shopify-Topic": "   "}, BODY, 400),
        ({"X-Shopify-Topic": "orders create"}, BODY, 400),
        ({"X-Shopify-Topic": "x/" + "y" * 200}, BODY, 400),
        ({"X-Shopify-Shop-Domain": None}, BODY, 400),
        ({"X-Shopify-Shop-Domain": "evil.com"}, BODY, 400),
        ({"X-Shopify-Shop-Domain": "tienda.myshopify.com.evil.com"}, BODY, 400),
        ({"X-Shopify-Webhook-Id": None, "X-Shopify-Event-Id": None}, BODY, 400),
        ({"X-Shopify-Event-Id": "id with spaces"}, BODY, 400),
        ({"X-Shopify-Webhook-Id": "x" * 101}, BODY, 400),
    ],
)
def test_bad_deliveries_are_refused_with_the_right_status(overrides, body, status):
    sent = headers(**overrides)

    with pytest.raises(InvalidWebhook) as raised:
        parse_webhook(headers=sent, body=body, secret=SECRET)

    assert raised.value.status == status


@pytest.mark.parametrize(
    "body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"", b'{"total": NaN}', b"[" * 100_000 + b"]" * 100_000]
)
def test_a_signed_body_that_is_not_a_json_object_is_a_400(body):
    with pytest.raises(InvalidWebhook) as raised:
        parse_webhook(headers=headers(body=body), body=body, secret=SECRET)

    assert raised.value.status == 400


def test_the_signature_is_checked_before_anything_else():
    # An unsigned request with every other header wrong still only learns "401".
    sent = {"X-Shopify-Topic": "bad topic", "X-Shopify-Shop-Domain": "evil.com"}

    with pytest.raises(InvalidWebhook) as raised:
        parse_webhook(headers=sent, body=b"{", secret=SECRET)

    assert raised.value.status == 401
