"""Order operations of the Admin API against the Shopify simulator: find by name, recent pages,
cancel, and the shipping address update."""

import datetime
from decimal import Decimal

import pytest

from connector.shopify.errors import ShopifyForbidden, ShopifyUserErrors
from connector.shopify.failures import ShopifyFailure, shopify_failure
from connector.shopify.graphql import load_document
from connector.shopify.orders import (
    ShippingAddress,
    order_cancel,
    order_find_by_name,
    order_update_shipping_address,
    orders_recent,
)
from connector.shopify.values import Money
from connector.tests.shopify_operations import SHOP, client_for
from simulators.shopify import GraphQLErrors
from simulators.shopify_orders import add_order


def test_documents_are_named_like_the_functions_that_use_them():
    assert load_document("order_find_by_name").operation_name == "OrderFindByName"
    assert load_document("orders_recent").operation_name == "OrdersRecent"
    assert load_document("order_cancel").operation_name == "OrderCancel"
    assert load_document("order_update_shipping_address").operation_name == "OrderUpdateShippingAddress"


def test_an_order_is_found_by_its_exact_name_with_or_without_the_hash(shopify_simulator):
    add_order(shopify_simulator, SHOP, name="#10140")
    wanted = add_order(shopify_simulator, SHOP, name="#1014", tags=["vip"])
    client = client_for(shopify_simulator)

    with_hash = order_find_by_name(client, name="#1014")
    without = order_find_by_name(client, name="1014")

    assert with_hash == without
    assert with_hash.id == wanted["id"]
    assert with_hash.name == "#1014"
    assert with_hash.tags == ("vip",)
    assert with_hash.numeric_id == wanted["id"].rsplit("/", 1)[-1]
    request = shopify_simulator.requests_of("graphql:OrderFindByName")[0].json()
    assert request["variables"] == {"query": "name:#1014"}


def test_an_unknown_name_is_none(shopify_simulator):
    assert order_find_by_name(client_for(shopify_simulator), name="#404") is None


def test_recent_orders_are_typed_newest_first_with_money_and_cursors(shopify_simulator):
    older = add_order(shopify_simulator, SHOP, name="#1001", total="10.50", currency="COP")
    newer = add_order(shopify_simulator, SHOP, name="#1002", total="99900.00", tags=["a", "b"])
    client = client_for(shopify_simulator)

    page = orders_recent(client, first=1)
    following = orders_recent(client, first=1, after=page.page_info.end_cursor)
    back = orders_recent(client, last=1, before=following.page_info.start_cursor)

    (first,) = page.orders
    assert first.id == newer["id"]
    assert first.numeric_id == newer["id"].rsplit("/", 1)[-1]
    assert first.name == "#1002"
    assert first.total == Money(amount=Decimal("99900.00"), currency_code="COP")
    assert first.tags == ("a", "b")
    assert first.financial_status == "PENDING"
    assert first.fulfillment_status == "UNFULFILLED"
    assert isinstance(first.created_at, datetime.datetime)
    assert page.page_info.has_next_page is True
    assert page.page_info.has_previous_page is False
    assert [order.id for order in following.orders] == [older["id"]]
    assert following.page_info.has_next_page is False
    assert [order.id for order in back.orders] == [newer["id"]]
    requests = shopify_simulator.requests_of("graphql:OrdersRecent")
    assert requests[0].json()["variables"] == {"first": 1}
    assert requests[2].json()["variables"] == {"last": 1, "before": following.page_info.start_cursor}


def test_a_page_is_asked_for_by_first_or_last_never_both():
    with pytest.raises(ValueError, match="first or the last"):
        orders_recent(None, first=1, last=1)
    with pytest.raises(ValueError, match="1 to 250"):
        orders_recent(None, first=251)


def test_orders_without_protected_data_approval_are_forbidden(shopify_simulator):
    def refuse(simulator, shop, variables):
        raise GraphQLErrors(
            [
                {
                    "message": "This app is not approved to access the Order object.",
                    "extensions": {"code": "ACCESS_DENIED"},
                }
            ]
        )

    shopify_simulator.graphql_handlers["OrdersRecent"] = refuse

    with pytest.raises(ShopifyForbidden):
        orders_recent(client_for(shopify_simulator), first=25)


def test_cancel_restocks_without_refund_with_a_staff_note_and_only_once(shopify_simulator):
    order = add_order(shopify_simulator, SHOP, name="#2001")
    client = client_for(shopify_simulator)

    job_id = order_cancel(client, order_id=order["id"], staff_note="Cancelado por el bot")
    with pytest.raises(ShopifyUserErrors) as again:
        order_cancel(client, order_id=order["id"], staff_note="Cancelado por el bot")

    assert job_id.startswith("gid://shopify/Job/")
    assert order["cancelledAt"] is not None
    variables = shopify_simulator.requests_of("graphql:OrderCancel")[0].json()["variables"]
    assert variables == {
        "orderId": order["id"],
        "reason": "CUSTOMER",
        "refundMethod": {"originalPaymentMethodsRefund": False},
        "restock": True,
        "notifyCustomer": False,
        "staffNote": "Cancelado por el bot",
    }
    assert again.value.user_errors[0].code == "INVALID"


def test_cancelling_an_unknown_order_is_a_missing_order(shopify_simulator):
    with pytest.raises(ShopifyUserErrors) as missing:
        order_cancel(client_for(shopify_simulator), order_id="gid://shopify/Order/404", staff_note="x")

    assert shopify_failure(missing.value) is ShopifyFailure.MISSING


def test_the_shipping_address_is_replaced_leaving_empty_fields_out(shopify_simulator):
    order = add_order(shopify_simulator, SHOP, name="#2002", shipping_address={"address1": "Vieja 1"})
    address = ShippingAddress(
        first_name="Ana",
        last_name="Pérez",
        address1="Carrera 7 # 72-41",
        address2="",
        city="Bogotá",
        province_code="DC",
        zip="110111",
        country_code="CO",
        phone="+573001234567",
    )

    order_update_shipping_address(client_for(shopify_simulator), order_id=order["id"], address=address)

    assert order["shippingAddress"] == {
        "firstName": "Ana",
        "lastName": "Pérez",
        "address1": "Carrera 7 # 72-41",
        "city": "Bogotá",
        "provinceCode": "DC",
        "zip": "110111",
        "countryCode": "CO",
        "phone": "+573001234567",
    }


def test_a_refused_shipping_address_is_a_user_error(shopify_simulator):
    order = add_order(shopify_simulator, SHOP, name="#2003")
    address = ShippingAddress("Ana", "Pérez", "Calle 1", "", "Lima", "", "", "", "")

    with pytest.raises(ShopifyUserErrors):
        order_update_shipping_address(client_for(shopify_simulator), order_id=order["id"], address=address)
