"""Personal data helpers: masking payloads and recognising the customer a request names."""

import pytest

from connector.errors import WebhookPayloadError
from webhooks.checks import check_personal_data
from webhooks.privacy import Customer, mask_personal_data

ORDER = {
    "id": 1001,
    "name": "#1001",
    "email": "ana@example.com",
    "phone": "+573001112233",
    "note": "Llamar a mi vecina Rosa al 3009998877",
    "total_price": "199.00",
    "browser_ip": "190.1.2.3",
    "client_details": {"browser_ip": "190.1.2.3", "user_agent": "Mozilla"},
    "customer": {
        "id": 7,
        "first_name": "Ana",
        "last_name": "Pérez",
        "email": "ana@example.com",
        "default_address": {"name": "Ana Pérez", "city": "Medellín", "zip": "050001", "country_code": "CO"},
    },
    "shipping_address": {"name": "Ana Pérez", "address1": "Cra 43A # 1-50", "city": "Medellín", "country": "CO"},
    "billing_address": None,
    "line_items": [{"id": 1, "name": "Reloj inteligente", "title": "Reloj", "price": "199.00"}],
    "contact_email": "",
}


def test_masking_hides_every_personal_field_and_keeps_the_rest():
    masked = mask_personal_data(ORDER)

    text = str(masked)
    for personal in ("ana@example.com", "3001112233", "Ana", "Pérez", "Cra 43A", "Medellín", "050001", "Rosa", "190.1"):
        assert personal not in text
    assert masked["name"] == "#1001"  # an order's name is its number
    assert masked["line_items"][0]["name"] == "Reloj inteligente"
    assert masked["total_price"] == "199.00"
    assert masked["shipping_address"]["country"] == "CO"
    assert masked["customer"]["id"] == 7
    assert masked["email"] == "•••"
    assert masked["contact_email"] == ""  # empty values show they were empty
    assert masked["billing_address"] is None
    assert ORDER["email"] == "ana@example.com"  # the original is untouched


def test_anonymising_replaces_personal_fields_with_null():
    anonymised = mask_personal_data(ORDER, replacement=None)

    assert anonymised["email"] is None
    assert anonymised["shipping_address"]["address1"] is None


def test_a_privacy_payload_names_the_customer_by_id_email_phone_and_orders():
    customer = Customer.from_privacy_payload(
        {"customer": {"id": 191167, "email": " John@Example.com ", "phone": "555-625-1199"}, "orders_requested": [1, 2]}
    )

    assert customer == Customer(
        shopify_id="191167", email="john@example.com", phone="5556251199", order_ids=frozenset({"1", "2"})
    )


@pytest.mark.parametrize(
    "payload", [{}, {"customer": {}}, {"customer": {"phone": "12"}}, {"customer": []}, {"orders_to_redact": "1"}]
)
def test_a_payload_that_identifies_nobody_is_refused(payload):
    with pytest.raises(WebhookPayloadError):
        Customer.from_privacy_payload(payload)


@pytest.mark.parametrize(
    ("topic", "payload", "expected"),
    [
        ("orders/create", {"customer": {"id": 191167}}, True),
        ("orders/create", {"customer_id": 191167}, True),
        ("orders/create", {"id": 55}, True),  # an order the request names
        ("checkouts/update", {"id": 55}, False),  # a checkout's id is not an order id
        ("refunds/create", {"order_id": 55}, True),
        ("checkouts/update", {"email": "JOHN@example.com"}, True),
        ("checkouts/update", {"shipping_address": {"phone": "+1 (555) 625-1199"}}, True),
        ("orders/create", {"customer": {"id": 1, "email": "otro@example.com", "phone": "555"}}, False),
        ("orders/create", {"customer": "191167"}, False),
    ],
)
def test_a_stored_payload_is_recognised_as_the_customers(topic, payload, expected):
    customer = Customer(shopify_id="191167", email="john@example.com", phone="15556251199", order_ids=frozenset({"55"}))

    assert customer.appears_in(payload, topic=topic) is expected


def test_short_phone_numbers_never_match():
    customer = Customer(phone="12")

    assert not customer.appears_in({"phone": "12"}, topic="orders/create")


def test_links_and_identifiers_that_lead_to_the_buyer_are_masked():
    checkout = {
        "token": "b1946ac92492d2347c6235b4d2611184",
        "order_status_url": "https://tienda.co/548380009/orders/123abc/authenticate?key=f00d",
        "abandoned_checkout_url": "https://tienda.co/548380009/checkouts/b1946ac9/recover?key=beef",
        "landing_site": "/?utm_source=wa&checkout_token=b1946ac9",
        "referring_site": "https://l.facebook.com/?u=ana",
        "sms_marketing_phone": "+573001112233",
        "browser_ip": "190.1.2.3",
        "client_details": {
            "browser_ip": "190.1.2.3",
            "user_agent": "Mozilla/5.0",
            "session_hash": "a9f7e8d6",
            "accept_language": "es-CO",
        },
        "customer": {"id": 7, "multipass_identifier": "ana@example.com"},
        "currency": "COP",
    }

    masked = mask_personal_data(checkout)

    for key in ("order_status_url", "abandoned_checkout_url", "landing_site", "referring_site"):
        assert masked[key] == "•••", key
    assert masked["sms_marketing_phone"] == "•••"
    assert masked["browser_ip"] == "•••"
    assert masked["client_details"] == {
        "browser_ip": "•••",
        "user_agent": "•••",
        "session_hash": "•••",
        "accept_language": "es-CO",
    }
    assert masked["customer"] == {"id": 7, "multipass_identifier": "•••"}
    # The checkout token links a checkout to its delivery; alone it opens nothing.
    assert masked["token"] == checkout["token"]
    assert masked["currency"] == "COP"


def test_every_function_and_model_personal_data_names_exists(settings):
    assert check_personal_data() == []
    settings.PERSONAL_DATA = {
        **settings.PERSONAL_DATA,
        "shop_erasers": {
            **settings.PERSONAL_DATA["shop_erasers"],
            "shops.personal_data.erase_nothing": ["shops.Nothing"],
        },
    }

    errors = check_personal_data()

    assert [error.id for error in errors] == ["webhooks.E002", "webhooks.E003"]
    assert "'shops.personal_data.erase_nothing', which cannot be imported" in errors[0].msg
    assert "'shops.Nothing', which is not an installed model" in errors[1].msg


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"phone": "+1 (300) 123-4599"}, True),
        ({"phone": "+57 300 123 4599"}, False),  # the same ten digits in Colombia
        ({"shipping_address": {"phone": "(300) 123-4599", "country_code": "US"}}, True),
        ({"shipping_address": {"phone": "300 123 4599", "country_code": "CO"}}, False),
        ({"phone": "300 123 4599", "shipping_address": {"country_code": "US"}}, True),
        ({"phone": "4599"}, False),
        ({"phone": 13001234599}, False),  # not a string: nobody's phone
    ],
)
def test_a_phone_matches_only_the_same_number_in_the_same_country(payload, expected):
    customer = Customer.from_privacy_payload({"customer": {"phone": "+1 300 123 4599"}})

    assert customer.phone == "13001234599"
    assert customer.appears_in(payload, topic="orders/create") is expected
