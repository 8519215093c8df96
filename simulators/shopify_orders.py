"""Orders for the Shopify simulator: search by name, tagsAdd, recent orders with cursors,
orderCancel (restock, refund method, staff note; a cancelled order cannot be cancelled again) and
orderUpdate's shipping address."""

from __future__ import annotations

import base64
import datetime
import itertools
from typing import Any

from simulators.shopify import GraphQLErrors, ShopifySimulator

_ids = itertools.count(5_000_000_001)


def add_order(
    simulator: ShopifySimulator,
    shop: str,
    *,
    name: str | None = None,
    tags: list[str] | None = None,
    total: str = "99900.00",
    currency: str = "COP",
    order_id: int | None = None,
    shipping_address: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store an order the GraphQL handlers can find; returns it."""
    numeric = order_id or next(_ids)
    orders = simulator.shop_data.setdefault(shop, {}).setdefault("orders", [])
    order = {
        "id": f"gid://shopify/Order/{numeric}",
        "legacyResourceId": str(numeric),
        "name": name or f"#{1000 + len(orders) + 1}",
        "createdAt": (datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(minutes=len(orders))).isoformat(),
        "displayFinancialStatus": "PENDING",
        "displayFulfillmentStatus": "UNFULFILLED",
        "tags": list(tags or []),
        "totalPriceSet": {"shopMoney": {"amount": total, "currencyCode": currency}},
        "shippingAddress": dict(shipping_address or {}),
        "cancelledAt": None,
        "cancellation": None,
    }
    orders.insert(0, order)
    return order


def _orders(simulator: ShopifySimulator, shop: str) -> list[dict[str, Any]]:
    return simulator.shop_data.setdefault(shop, {}).setdefault("orders", [])


def order_find_by_name(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    query = str(variables.get("query", ""))
    wanted = query.split("name:", 1)[1].strip().strip('"') if "name:" in query else ""
    nodes = [
        {"id": order["id"], "name": order["name"], "tags": order["tags"]}
        for order in _orders(simulator, shop)
        if order["name"].lstrip("#") == wanted.lstrip("#")
    ]
    return {"orders": {"nodes": nodes[:5]}}


def tags_add(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    for order in _orders(simulator, shop):
        if order["id"] == variables.get("id"):
            for tag in variables.get("tags") or []:
                if tag not in order["tags"]:
                    order["tags"].append(tag)
            return {"tagsAdd": {"node": {"id": order["id"]}, "userErrors": []}}
    return {"tagsAdd": {"node": None, "userErrors": [{"field": ["id"], "message": "Order does not exist"}]}}


def _cursor(index: int) -> str:
    return base64.b64encode(f"order:{index}".encode()).decode()


def _index(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor).decode().split(":", 1)[1])
    except (ValueError, IndexError) as error:
        raise GraphQLErrors([{"message": "Invalid cursor"}]) from error


def orders_recent(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    orders = _orders(simulator, shop)
    if variables.get("before"):
        end = _index(variables["before"])
        count = int(variables.get("last") or 25)
        start = max(0, end - count)
    else:
        start = _index(variables["after"]) + 1 if variables.get("after") else 0
        end = start + int(variables.get("first") or 25)
    window = orders[start:end]
    return {
        "orders": {
            "pageInfo": {
                "hasNextPage": end < len(orders),
                "hasPreviousPage": start > 0,
                "startCursor": _cursor(start) if window else None,
                "endCursor": _cursor(start + len(window) - 1) if window else None,
            },
            "nodes": window,
        }
    }


def _order(simulator: ShopifySimulator, shop: str, order_id: Any) -> dict[str, Any] | None:
    return next((order for order in _orders(simulator, shop) if order["id"] == order_id), None)


def order_cancel(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    order = _order(simulator, shop, variables.get("orderId"))
    if order is None or order["cancelledAt"]:
        code, message = ("NOT_FOUND", "Order not found") if order is None else ("INVALID", "Order is already cancelled")
        errors = [{"field": ["orderId"], "message": message, "code": code}]
        return {"orderCancel": {"job": None, "orderCancelUserErrors": errors}}
    order["cancelledAt"] = datetime.datetime.now(tz=datetime.UTC).isoformat()
    order["cancellation"] = {
        "reason": variables.get("reason"),
        "restock": variables.get("restock"),
        "refund": (variables.get("refundMethod") or {}).get("originalPaymentMethodsRefund"),
        "notifyCustomer": variables.get("notifyCustomer"),
        "staffNote": variables.get("staffNote"),
    }
    job = {"id": f"gid://shopify/Job/{next(_ids)}", "done": False}
    return {"orderCancel": {"job": job, "orderCancelUserErrors": []}}


def order_update(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    update = variables.get("input") or {}
    order = _order(simulator, shop, update.get("id"))
    if order is None:
        return {"orderUpdate": {"order": None, "userErrors": [{"field": ["id"], "message": "Order does not exist"}]}}
    address = update.get("shippingAddress")
    if address is not None:
        if not address.get("countryCode"):
            errors = [{"field": ["shippingAddress", "countryCode"], "message": "Country can't be blank"}]
            return {"orderUpdate": {"order": None, "userErrors": errors}}
        order["shippingAddress"] = dict(address)
    return {"orderUpdate": {"order": {"id": order["id"]}, "userErrors": []}}


def register(simulator: ShopifySimulator) -> None:
    simulator.graphql_handlers.update(
        {
            "OrderFindByName": order_find_by_name,
            "TagsAdd": tags_add,
            "OrdersRecent": orders_recent,
            "OrderCancel": order_cancel,
            "OrderUpdateShippingAddress": order_update,
        }
    )
