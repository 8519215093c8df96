"""The connector's topic handlers, end to end (signed delivery → worker): app/scopes_update,
customers/data_request and customers/redact."""

import pytest

from connector.models import ShopifySession
from connector.tests.factories import ShopifySessionFactory
from webhooks.models import CustomerDataExport, WebhookEvent

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
OTHER_SHOP = "otra.myshopify.com"
Status = WebhookEvent.Status
JOHN = {"id": 191167, "email": "John@Example.com", "phone": "+57 300 555 1199"}


def order(number, *, customer=None, email=None, phone=None):
    customer = customer or {"id": 99, "email": "ana@example.com", "phone": "+573001112233"}
    return {
        "id": number,
        "name": f"#{number}",
        "email": email or customer.get("email"),
        "phone": phone,
        "total_price": "10.00",
        "customer": {**customer, "first_name": "Nombre", "last_name": "Apellido"},
        "shipping_address": {"name": "Nombre Apellido", "address1": "Calle 1 # 2-3", "city": "Bogotá", "country": "CO"},
        "line_items": [{"id": 1, "name": "Reloj inteligente", "quantity": 1}],
    }


def privacy_payload(shop=SHOP, customer=JOHN, **extra):
    return {"shop_id": 954889, "shop_domain": shop, "customer": customer, **extra}


# --------------------------------------------------------------------------- app/scopes_update


def test_scopes_update_stores_the_granted_scopes_on_the_offline_session(deliver):
    offline = ShopifySessionFactory(shop=SHOP, scope="read_products")
    online = ShopifySessionFactory(shop=SHOP, id=f"{SHOP}_42", is_online=True, user_id=42, scope="read_products")

    event = deliver(
        "app/scopes_update", {"id": 1, "previous": ["read_products"], "current": ["read_orders", "write_orders"]}
    )

    assert event.state == Status.PROCESSED
    offline.refresh_from_db()
    online.refresh_from_db()
    assert offline.scope == "read_orders,write_orders"
    assert online.scope == "read_products"


def test_scopes_update_for_a_shop_without_a_session_is_processed_and_creates_nothing(deliver):
    event = deliver("app/scopes_update", {"current": ["read_orders"]}, shop="nunca.myshopify.com")

    assert event.state == Status.PROCESSED
    assert not ShopifySession.objects.exists()


@pytest.mark.parametrize("current", [None, "read_orders", [1, 2]])
def test_a_malformed_scopes_update_fails_without_retrying(deliver, current):
    ShopifySessionFactory(shop=SHOP, scope="read_products")

    event = deliver("app/scopes_update", {"current": current})

    assert (event.state, event.attempts) == (Status.FAILED, 1)
    assert ShopifySession.objects.get().scope == "read_products"


# --------------------------------------------------------------------------- customers/data_request


def test_a_data_request_exports_every_stored_payload_about_the_customer(deliver, post_webhook):
    post_webhook("orders/create", order(1001, customer=JOHN))  # by customer id
    post_webhook("checkouts/update", {"id": 5, "email": "john@example.com", "token": "t"})  # by e-mail
    post_webhook("orders/create", {"id": 1002, "phone": "573005551199"})  # by phone (digits only)
    post_webhook("orders/create", order(299938))  # an order the request names
    post_webhook("orders/create", order(2001))  # somebody else
    post_webhook("orders/create", order(3001, customer=JOHN), shop=OTHER_SHOP)  # another shop

    event = deliver(
        "customers/data_request",
        privacy_payload(orders_requested=[299938, 280263], data_request={"id": 9999}),
    )

    assert event.state == Status.PROCESSED
    export = CustomerDataExport.objects.get()
    assert (export.shop, export.customer_id, export.data_request_id) == (SHOP, "191167", "9999")
    assert export.source_event_id == event.pk
    document = export.document
    assert document["customer"] == {
        "id": "191167",
        "email": "john@example.com",
        "phone": "573005551199",
        "order_ids": ["280263", "299938"],
    }
    exported = document["sections"]["webhook_events"]
    assert sorted(entry["payload"]["id"] for entry in exported) == [5, 1001, 1002, 299938]
    assert all(entry["topic"] in ("orders/create", "checkouts/update") for entry in exported)


def test_a_data_request_for_a_shop_we_know_nothing_of_still_leaves_an_export(deliver):
    event = deliver("customers/data_request", privacy_payload(shop="nunca.myshopify.com"), shop="nunca.myshopify.com")

    assert event.state == Status.PROCESSED
    assert CustomerDataExport.objects.get().document["sections"] == {
        "flow_deliveries": [],
        "dropi_orders": [],
        "webhook_events": [],
    }


def test_processing_the_same_data_request_again_rebuilds_its_one_export(deliver):
    from webhooks import services
    from webhooks.privacy import Customer

    event = deliver("customers/data_request", privacy_payload())
    customer = Customer.from_privacy_payload(privacy_payload())

    services.customer_data_export_create(shop=SHOP, customer=customer, source_event_id=event.pk)

    assert CustomerDataExport.objects.count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        privacy_payload(shop=OTHER_SHOP),  # names another shop than the signed delivery
        {"customer": JOHN},  # no shop_domain at all
        privacy_payload(customer={}),  # identifies nobody
        privacy_payload(customer="john"),
        privacy_payload(orders_requested="1,2"),
    ],
)
def test_a_malformed_data_request_fails_and_exports_nothing(deliver, payload):
    event = deliver("customers/data_request", payload)

    assert (event.state, event.attempts) == (Status.FAILED, 1)
    assert not CustomerDataExport.objects.exists()


# --------------------------------------------------------------------------- customers/redact


def test_redact_anonymises_the_customers_payloads_and_deletes_their_exports(deliver, post_webhook):
    post_webhook("orders/create", order(1001, customer=JOHN))
    post_webhook("orders/create", order(2001))
    post_webhook("orders/create", order(3001, customer=JOHN), shop=OTHER_SHOP)
    deliver("customers/data_request", privacy_payload())
    deliver("customers/data_request", privacy_payload(customer={"id": 99, "email": "ana@example.com"}))

    event = deliver("customers/redact", privacy_payload(orders_to_redact=[1001]))

    assert event.state == Status.PROCESSED
    payloads = {
        (row.shop, row.topic, row.payload.get("id")): row.payload
        for row in WebhookEvent.objects.filter(topic="orders/create")
    }
    johns = payloads[(SHOP, "orders/create", 1001)]
    assert johns["email"] is None
    assert johns["customer"] == {"id": 191167, "email": None, "phone": None, "first_name": None, "last_name": None}
    assert johns["shipping_address"] == {"name": None, "address1": None, "city": None, "country": "CO"}
    assert johns["line_items"] == [{"id": 1, "name": "Reloj inteligente", "quantity": 1}]
    assert johns["total_price"] == "10.00"
    assert payloads[(SHOP, "orders/create", 2001)]["email"] == "ana@example.com"
    assert payloads[(OTHER_SHOP, "orders/create", 3001)]["email"] == "John@Example.com"
    redact_event = WebhookEvent.objects.get(pk=event.pk)
    assert redact_event.payload["customer"] == {"id": 191167, "email": None, "phone": None}
    for request in WebhookEvent.objects.filter(topic="customers/data_request", shop=SHOP):
        assert "john@example.com" not in str(request.payload).lower()
    assert [export.customer_id for export in CustomerDataExport.objects.all()] == ["99"]


def test_redact_scrubs_the_error_texts_recorded_for_the_customers_events(deliver, post_webhook):
    post_webhook("orders/create", order(1001, customer=JOHN, phone="+57 300 555 1199"))
    post_webhook("orders/create", order(2001))
    johns, others = WebhookEvent.objects.get(payload__id=1001), WebhookEvent.objects.get(payload__id=2001)
    # What a failing handler leaves behind when its exception quotes payload values.
    for row in (johns, others):
        email = row.payload["email"]
        WebhookEvent.objects.filter(pk=row.pk).update(
            state=Status.FAILED,
            last_error=f"Traceback (most recent call last):\n  ...\nValueError: no contact for {email}",
            attempt_errors=[
                {"attempt": 1, "at": "2026-05-01T10:00:00+00:00", "error": f"ValueError: {email}", "retryable": True},
                {
                    "attempt": 2,
                    "at": "2026-05-01T10:01:00+00:00",
                    "error": "phone +57 300 555 1199",
                    "retryable": False,
                },
            ],
        )

    event = deliver("customers/redact", privacy_payload())

    assert event.state == Status.PROCESSED
    johns.refresh_from_db()
    assert "john@example.com" not in johns.last_error.lower()
    assert johns.last_error.startswith("ValueError: ")
    assert [entry["error"] for entry in johns.attempt_errors] == [
        "ValueError: (removed by customers/redact)",
        "(removed by customers/redact)",
    ]
    assert [(entry["attempt"], entry["retryable"]) for entry in johns.attempt_errors] == [(1, True), (2, False)]
    assert johns.attempt_errors[0]["at"] == "2026-05-01T10:00:00+00:00"
    others.refresh_from_db()
    assert "ana@example.com" in others.last_error  # another customer's event is left alone
    assert others.attempt_errors[0]["error"] == "ValueError: ana@example.com"


def test_redacting_twice_is_harmless(deliver, post_webhook):
    post_webhook("orders/create", order(1001, customer=JOHN))
    first = deliver("customers/redact", privacy_payload())

    second = deliver("customers/redact", privacy_payload())

    assert (first.state, second.state) == (Status.PROCESSED, Status.PROCESSED)


def test_a_redact_naming_another_shop_fails_and_changes_nothing(deliver, post_webhook):
    post_webhook("orders/create", order(1001, customer=JOHN))

    event = deliver("customers/redact", privacy_payload(shop=OTHER_SHOP))

    assert event.state == Status.FAILED
    assert WebhookEvent.objects.get(topic="orders/create").payload["email"] == "John@Example.com"


# --------------------------------------------------------------------------- replayed bodies


def test_a_data_request_body_replayed_as_a_redact_fails_and_erases_nothing(deliver, post_webhook):
    post_webhook("orders/create", order(1001, customer=JOHN))

    event = deliver("customers/redact", privacy_payload(orders_requested=[1001], data_request={"id": 9999}))

    assert (event.state, event.attempts) == (Status.FAILED, 1)
    assert WebhookEvent.objects.get(topic="orders/create").payload["email"] == "John@Example.com"


def test_a_redact_body_replayed_as_a_data_request_fails_and_exports_nothing(deliver):
    event = deliver("customers/data_request", privacy_payload(orders_to_redact=[1001]))

    assert (event.state, event.attempts) == (Status.FAILED, 1)
    assert not CustomerDataExport.objects.exists()
