"""The Dropi orders client against the Dropi simulator: the create body, refusals, ambiguous
answers, the list with its filters, the look-up by shop_order_id, and the location lists."""

import datetime
from decimal import Decimal

import pytest

from connector.dropi.errors import (
    DropiAddressRefused,
    DropiBadRequest,
    DropiMaybeProcessed,
    DropiRateLimited,
    DropiUnavailable,
)
from connector.dropi.orders import DropiOrderLine, DropiOrderRequest, DropiOrdersClient
from simulators.dropi import dropi_product

TOKEN = "dropi-orders-token-0123456789"
TODAY = datetime.date.today()


@pytest.fixture
def account(dropi_simulator):
    account = dropi_simulator.add_account(TOKEN, country="CO")
    dropi_simulator.add_product(TOKEN, dropi_product(name="Reloj", product_id=501, variations=2))
    dropi_simulator.add_product(TOKEN, dropi_product(name="Correa", product_id=502))
    return account


@pytest.fixture
def client(account):
    return DropiOrdersClient(token=TOKEN, country="CO")


def an_order(account, **overrides):
    variation = account.products[-1]["variations"][0]["id"]
    values = {
        "shop_order_id": "820982911946154508",
        "first_name": "Ana",
        "last_name": "Pérez",
        "phone": "+573001234567",
        "email": "ana@example.com",
        "address": "Calle 80 # 10-20, Apto 301",
        "department": "CUNDINAMARCA",
        "city": "BOGOTA",
        "country": "COLOMBIA",
        "notes": "Pedido Shopify #1014",
        "rate_type": "CON RECAUDO",
        "total": Decimal("129900.00"),
        "lines": (
            DropiOrderLine(product_id="501", variation_id=str(variation), quantity=2, price=Decimal("49950.00")),
            DropiOrderLine(product_id="502", variation_id=None, quantity=1, price=Decimal("30000.50")),
        ),
    }
    values.update(overrides)
    return DropiOrderRequest(**values)


def test_create_sends_the_documented_body_and_reads_the_created_order(client, account, dropi_simulator):
    created = client.order_create(an_order(account))

    request = dropi_simulator.requests_of("orders_create")[0]
    assert request.path == "/co/integrations/orders/myorders"
    body = request.json()
    assert body["shop_order_id"] == "820982911946154508"
    assert body["rate_type"] == "CON RECAUDO"
    assert body["total_order"] == 129900
    assert body["notes"] == "Pedido Shopify #1014"
    assert (body["type"], body["status"], body["payment_method_id"]) == ("FINAL_ORDER", "PENDIENTE CONFIRMACION", 1)
    assert body["products"][1] == {"id": "502", "variation_id": None, "quantity": 1, "price": 30000.5}
    assert (body["state"], body["city"], body["dir"]) == ("CUNDINAMARCA", "BOGOTA", "Calle 80 # 10-20, Apto 301")
    assert created.id
    assert created.shop_order_id == "820982911946154508"
    assert created.status == "PENDIENTE CONFIRMACION"


def test_a_refused_destination_is_its_own_error_with_dropis_words(client, account, dropi_simulator):
    with pytest.raises(DropiAddressRefused) as refused:
        client.order_create(an_order(account, city="PUEBLO INVENTADO"))

    assert "ciudad" in refused.value.detail.lower()
    assert not refused.value.retryable
    assert dropi_simulator.orders.of(TOKEN) == []


def test_an_unknown_product_is_a_plain_refusal(client, account):
    with pytest.raises(DropiBadRequest) as refused:
        client.order_create(an_order(account, lines=(DropiOrderLine("999", None, 1, Decimal("1")),)))

    assert not isinstance(refused.value, DropiAddressRefused)
    assert "999" in refused.value.detail


@pytest.mark.parametrize(
    ("switch", "ambiguous"),
    [
        # 5xx before creating: a 503 says "not now"; a 500 to a write may hide a created order.
        (lambda simulator: simulator.fail_next("orders_create", status=503), False),
        (lambda simulator: simulator.fail_next("orders_create", status=500), True),
        # Created, then a 502, or an answer later than the client waits.
        (lambda simulator: simulator.orders.fail_after_create(status=502), True),
        (lambda simulator: simulator.orders.stall_after_create(seconds=1.5), True),
    ],
)
def test_ambiguous_answers_say_the_order_may_exist(client, account, dropi_simulator, settings, switch, ambiguous):
    settings.HTTP_TIMEOUT_SECONDS = 0.5
    switch(dropi_simulator)

    with pytest.raises(DropiUnavailable) as failure:
        DropiOrdersClient(token=TOKEN, country="CO").order_create(an_order(account))

    assert failure.value.retryable
    assert failure.value.may_have_been_processed is ambiguous
    assert isinstance(failure.value, DropiMaybeProcessed) is ambiguous


def test_too_many_attempts_on_create_is_rate_limited(client, account, dropi_simulator):
    dropi_simulator.block(60)

    with pytest.raises(DropiRateLimited):
        client.order_create(an_order(account))


def test_the_list_sends_the_documented_filters_and_pages(client, account, dropi_simulator):
    for number in range(3):
        dropi_simulator.orders.add(TOKEN, shop_order_id=str(number))
    dropi_simulator.orders.add(
        TOKEN, shop_order_id="old", created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )

    page = client.orders_list(since=TODAY, until=TODAY, offset=1, page_size=1)

    query = dropi_simulator.requests_of("orders_list")[0].query
    assert query["from"] == [TODAY.isoformat()]
    assert query["untill"] == [TODAY.isoformat()]
    assert query["filter_date_by"] == ["FECHA DE CREADO"]
    assert (query["result_number"], query["start"]) == (["1"], ["1"])
    assert page.total == 3
    assert [order.shop_order_id for order in page.orders] == ["1"]


def test_order_find_pages_until_it_finds_the_shop_order_id(client, account, dropi_simulator):
    for number in range(250):
        dropi_simulator.orders.add(TOKEN, shop_order_id=f"other-{number}")
    wanted = dropi_simulator.orders.add(TOKEN, shop_order_id="5001")
    for number in range(5):
        dropi_simulator.orders.add(TOKEN, shop_order_id=f"later-{number}")

    found = client.order_find(shop_order_id="5001", since=TODAY, until=TODAY)
    missing = client.order_find(shop_order_id="nope", since=TODAY, until=TODAY)

    assert found is not None
    assert found.id == str(wanted["id"])
    assert missing is None
    assert dropi_simulator.count("orders_list") == 1 + 3  # found on the first page; all three pages for a miss


def test_order_detail_and_location_lists(client, account, dropi_simulator):
    created = client.order_create(an_order(account))

    detail = client.order_get(order_id=created.id)
    departments = client.departments()
    cundinamarca = next(place for place in departments if place.name == "CUNDINAMARCA")
    cities = client.cities(department_id=cundinamarca.id, rate_type="CON RECAUDO")

    assert detail.shop_order_id == "820982911946154508"
    assert "BOGOTA" in [city.name for city in cities]
    assert dropi_simulator.requests_of("cities")[0].json() == {
        "department_id": int(cundinamarca.id),
        "rate_type": "CON RECAUDO",
    }
