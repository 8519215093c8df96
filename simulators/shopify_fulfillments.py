"""Fulfillments for the Shopify simulator: every order has one fulfillment order at the shop's
location (open until shipped); ``fulfillmentCreate`` (tracking, notifyCustomer),
``fulfillmentTrackingInfoUpdate``, ``fulfillmentEventCreate``, the note of ``orderUpdate`` and
the stage tags written with them (``tagsAdd``/``tagsRemove`` in the same request).

Switches for tests (``FulfillmentSwitches`` of a shop, see ``switches``): ``throttle`` makes
the next N requests of an operation answer ``THROTTLED`` without doing anything, and
``stall_after_write`` makes a write happen and its answer arrive only after some seconds (a
lost answer, once the client's timeout is shorter). Fulfillment orders need the
``*_merchant_managed_fulfillment_orders`` scopes: a token without them gets ``ACCESS_DENIED``.
"""

from __future__ import annotations

import datetime
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from simulators.shopify import GraphQLErrors, ShopifySimulator

READ_SCOPES = ("read_merchant_managed_fulfillment_orders", "write_merchant_managed_fulfillment_orders")
WRITE_SCOPES = ("write_merchant_managed_fulfillment_orders",)
LOCATION_ID = "gid://shopify/Location/1"
_ids = itertools.count(7_000_000_001)


@dataclass
class FulfillmentSwitches:
    throttle: dict[str, int] = field(default_factory=dict)  # operation → THROTTLED answers left
    stall_after_write: dict[str, float] = field(default_factory=dict)  # operation → seconds (once)


def switches(simulator: ShopifySimulator, shop: str) -> FulfillmentSwitches:
    data = simulator.shop_data.setdefault(shop, {})
    found = data.get("fulfillment_switches")
    if not isinstance(found, FulfillmentSwitches):
        found = data["fulfillment_switches"] = FulfillmentSwitches()
    return found


def _now() -> str:
    return datetime.datetime.now(tz=datetime.UTC).isoformat()


def _order(simulator: ShopifySimulator, shop: str, order_id: Any) -> dict[str, Any] | None:
    orders = simulator.shop_data.setdefault(shop, {}).setdefault("orders", [])
    order = next((item for item in orders if item["id"] == order_id), None)
    if order is not None and "fulfillmentOrders" not in order:
        order["fulfillmentOrders"] = [
            {"id": f"gid://shopify/FulfillmentOrder/{next(_ids)}", "status": "OPEN", "locationId": LOCATION_ID}
        ]
        order["fulfillments"] = []
        order.setdefault("note", "")
    return order


def fulfillments_of(simulator: ShopifySimulator, shop: str, order_id: str) -> list[dict[str, Any]]:
    """The fulfillments of an order (for tests)."""
    order = _order(simulator, shop, order_id)
    return [] if order is None else order["fulfillments"]


def _gate(simulator: ShopifySimulator, shop: str, operation: str, scopes: tuple[str, ...], name: str) -> None:
    simulator.require_scope(shop, *scopes, field_name=name)
    left = switches(simulator, shop).throttle.get(operation, 0)
    if left > 0:
        switches(simulator, shop).throttle[operation] = left - 1
        raise GraphQLErrors([{"message": "Throttled", "extensions": {"code": "THROTTLED"}}])


def _stall(simulator: ShopifySimulator, shop: str, operation: str) -> None:
    seconds = switches(simulator, shop).stall_after_write.pop(operation, 0.0)
    if seconds:
        time.sleep(seconds)


def _tags(order: dict[str, Any] | None, variables: dict[str, Any]) -> dict[str, Any]:
    if order is None:
        missing = {"userErrors": [{"field": ["id"], "message": "Order does not exist"}]}
        return {"tagsAdd": missing, "tagsRemove": missing}
    for tag in variables.get("tagsAdd") or []:
        if tag not in order["tags"]:
            order["tags"].append(tag)
    removed = set(variables.get("tagsRemove") or [])
    order["tags"][:] = [tag for tag in order["tags"] if tag not in removed]
    return {"tagsAdd": {"userErrors": []}, "tagsRemove": {"userErrors": []}}


def order_fulfillment_state(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    simulator.require_scope(shop, *READ_SCOPES, field_name="fulfillmentOrders")
    order = _order(simulator, shop, variables.get("id"))
    if order is None:
        return {"order": None}
    return {
        "order": {
            "id": order["id"],
            "note": order["note"],
            "cancelledAt": order.get("cancelledAt"),
            "tags": list(order["tags"]),
            "fulfillmentOrders": {
                "nodes": [
                    {
                        "id": item["id"],
                        "status": item["status"],
                        "assignedLocation": {"location": {"id": item["locationId"]}},
                    }
                    for item in order["fulfillmentOrders"]
                ]
            },
            "fulfillments": [
                {
                    "id": item["id"],
                    "status": item["status"],
                    "createdAt": item["createdAt"],
                    "trackingInfo": [dict(item["trackingInfo"])],
                    "events": {"nodes": [{"status": event["status"]} for event in item["events"]]},
                }
                for item in order["fulfillments"]
            ],
        }
    }


def _refused(field_name: str, message: str, payload_field: str) -> dict[str, Any]:
    return {"userErrors": [{"field": [field_name], "message": message}], payload_field: None}


def fulfillment_create(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    _gate(simulator, shop, "FulfillmentCreate", WRITE_SCOPES, "fulfillmentCreate")
    order = _order(simulator, shop, variables.get("orderId"))
    wanted = [item.get("fulfillmentOrderId") for item in variables["fulfillment"]["lineItemsByFulfillmentOrder"]]
    chosen = [item for item in (order or {}).get("fulfillmentOrders", []) if item["id"] in wanted]
    if order is None or len(chosen) != len(wanted) or any(item["status"] != "OPEN" for item in chosen):
        result = _refused("fulfillment", "Fulfillment order is not open or does not exist", "fulfillment")
        return {"fulfillmentCreate": result, **_tags(order, variables)}
    for item in chosen:
        item["status"] = "CLOSED"
    fulfillment = {
        "id": f"gid://shopify/Fulfillment/{next(_ids)}",
        "status": "SUCCESS",
        "createdAt": _now(),
        "trackingInfo": dict(variables["fulfillment"].get("trackingInfo") or {}),
        "notifyCustomer": bool(variables["fulfillment"].get("notifyCustomer")),
        "events": [],
        "notifications": 1 if variables["fulfillment"].get("notifyCustomer") else 0,
    }
    order["fulfillments"].append(fulfillment)
    order["displayFulfillmentStatus"] = "FULFILLED"
    data = {
        "fulfillmentCreate": {"fulfillment": {"id": fulfillment["id"], "status": "SUCCESS"}, "userErrors": []},
        **_tags(order, variables),
    }
    _stall(simulator, shop, "FulfillmentCreate")
    return data


def _fulfillment(simulator: ShopifySimulator, shop: str, fulfillment_id: Any) -> dict[str, Any] | None:
    for order in simulator.shop_data.get(shop, {}).get("orders", []):
        for item in order.get("fulfillments", []):
            if item["id"] == fulfillment_id:
                return item
    return None


def fulfillment_tracking_info_update(
    simulator: ShopifySimulator, shop: str, variables: dict[str, Any]
) -> dict[str, Any]:
    _gate(simulator, shop, "FulfillmentTrackingInfoUpdate", WRITE_SCOPES, "fulfillmentTrackingInfoUpdate")
    order = _order(simulator, shop, variables.get("orderId"))
    fulfillment = _fulfillment(simulator, shop, variables.get("fulfillmentId"))
    if fulfillment is None:
        result = _refused("fulfillmentId", "Fulfillment does not exist", "fulfillment")
        return {"fulfillmentTrackingInfoUpdate": result, **_tags(order, variables)}
    fulfillment["trackingInfo"] = dict(variables.get("trackingInfoInput") or {})
    fulfillment["notifications"] += 1 if variables.get("notifyCustomer") else 0
    data = {
        "fulfillmentTrackingInfoUpdate": {"fulfillment": {"id": fulfillment["id"]}, "userErrors": []},
        **_tags(order, variables),
    }
    _stall(simulator, shop, "FulfillmentTrackingInfoUpdate")
    return data


def fulfillment_event_create(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    _gate(simulator, shop, "FulfillmentEventCreate", WRITE_SCOPES, "fulfillmentEventCreate")
    order = _order(simulator, shop, variables.get("orderId"))
    event = dict(variables.get("fulfillmentEvent") or {})
    fulfillment = _fulfillment(simulator, shop, event.get("fulfillmentId"))
    if fulfillment is None:
        result = _refused("fulfillmentId", "Fulfillment does not exist", "fulfillmentEvent")
        return {"fulfillmentEventCreate": result, **_tags(order, variables)}
    event["id"] = f"gid://shopify/FulfillmentEvent/{next(_ids)}"
    fulfillment["events"].append(event)
    data = {
        "fulfillmentEventCreate": {
            "fulfillmentEvent": {"id": event["id"], "status": event["status"]},
            "userErrors": [],
        },
        **_tags(order, variables),
    }
    _stall(simulator, shop, "FulfillmentEventCreate")
    return data


def order_note_update(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    _gate(simulator, shop, "OrderNoteUpdate", ("write_orders",), "orderUpdate")
    update = variables.get("input") or {}
    order = _order(simulator, shop, update.get("id"))
    if order is None:
        return {"orderUpdate": _refused("id", "Order does not exist", "order"), **_tags(order, variables)}
    order["note"] = str(update.get("note") or "")
    data = {"orderUpdate": {"order": {"id": order["id"]}, "userErrors": []}, **_tags(order, variables)}
    _stall(simulator, shop, "OrderNoteUpdate")
    return data


def tags_replace(simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
    _gate(simulator, shop, "TagsReplace", ("write_orders",), "tagsAdd")
    return _tags(_order(simulator, shop, variables.get("id")), variables)


def register(simulator: ShopifySimulator) -> None:
    simulator.graphql_handlers.update(
        {
            "OrderFulfillmentState": order_fulfillment_state,
            "FulfillmentCreate": fulfillment_create,
            "FulfillmentTrackingInfoUpdate": fulfillment_tracking_info_update,
            "FulfillmentEventCreate": fulfillment_event_create,
            "OrderNoteUpdate": order_note_update,
            "TagsReplace": tags_replace,
        }
    )
