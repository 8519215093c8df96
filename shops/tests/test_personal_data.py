"""What the shops app exports and anonymises for a customer's privacy request: the flow
deliveries of that customer, found by customer id, order id, e-mail or the same phone number
(country code included), never by a number that only looks alike."""

import pytest
from django.utils import timezone

from shops.models import FlowDelivery
from shops.personal_data import anonymise_flow_deliveries, export_flow_deliveries
from shops.services import deliveries
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import order_payload
from webhooks.models import CustomerDataExport, WebhookEvent
from webhooks.privacy import Customer

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
COLOMBIAN = "+57 300 123 4599"
# The same ten digits after the country code, in the United States.
AMERICAN = "+1 300 123 4599"


@pytest.fixture
def colombian_orders(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ShopConfigurationFactory(shop=SHOP, installed_at=timezone.now())
    recorded = []
    for number in range(3):
        delivery, _ = deliveries.flow_delivery_record_order(
            shop=SHOP,
            order=order_payload(
                phone=COLOMBIAN,
                email=f"comprador{number}@example.co",
                customer={"id": 5000 + number, "email": f"comprador{number}@example.co", "phone": COLOMBIAN},
            ),
        )
        recorded.append(delivery)
    assert {delivery.phone.reveal() for delivery in recorded} == {"+573001234599"}
    return recorded


def request_for(phone, *, customer_id=777, email="someone@example.com"):
    return Customer.from_privacy_payload({"customer": {"id": customer_id, "email": email, "phone": phone}})


@pytest.mark.parametrize("phone", [AMERICAN, "13001234599", "+34 300 123 4599", "3001234599", "+57 300 123 45"])
def test_a_look_alike_number_of_another_customer_matches_none_of_the_deliveries(colombian_orders, phone):
    customer = request_for(phone)

    assert export_flow_deliveries(shop=SHOP, customer=customer) == []
    assert anonymise_flow_deliveries(shop=SHOP, customer=customer) == 0
    assert FlowDelivery.objects.filter(phone__isnull=False).count() == 3


@pytest.mark.parametrize("phone", [COLOMBIAN, "+573001234599", "573001234599", "(+57) 300-123-4599"])
def test_the_same_number_written_any_way_matches_the_customers_deliveries(colombian_orders, phone):
    customer = request_for(phone)

    assert len(export_flow_deliveries(shop=SHOP, customer=customer)) == 3
    assert anonymise_flow_deliveries(shop=SHOP, customer=customer) == 3


def test_a_short_number_matches_nothing_even_when_every_number_ends_with_it(colombian_orders):
    customer = Customer(phone="99")

    assert export_flow_deliveries(shop=SHOP, customer=customer) == []
    assert anonymise_flow_deliveries(shop=SHOP, customer=customer) == 0


def test_customer_id_and_email_still_find_the_customers_own_deliveries(colombian_orders):
    by_id = request_for(AMERICAN, customer_id=5001)
    by_email = request_for(AMERICAN, customer_id=1, email="comprador2@example.co")

    assert [row["id"] for row in export_flow_deliveries(shop=SHOP, customer=by_id)] == [colombian_orders[1].pk]
    assert [row["id"] for row in export_flow_deliveries(shop=SHOP, customer=by_email)] == [colombian_orders[2].pk]


def test_a_signed_data_request_and_redact_for_a_look_alike_number_leave_the_other_buyer_alone(
    colombian_orders, deliver
):
    payload = {"shop_id": 1, "shop_domain": SHOP, "customer": {"id": 777, "email": "us@example.com", "phone": AMERICAN}}

    request = deliver("customers/data_request", {**payload, "orders_requested": [], "data_request": {"id": 1}})
    exported = CustomerDataExport.objects.get().document["sections"]["flow_deliveries"]
    redact = deliver("customers/redact", {**payload, "orders_to_redact": []})

    assert (request.state, redact.state) == (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.PROCESSED)
    assert exported == []
    assert FlowDelivery.objects.filter(phone__isnull=False).count() == 3
