"""Fulfillment operations of the Admin GraphQL API, on top of ``ShopifyAdminClient``.

Owns: reading an order's fulfillment state (its fulfillment orders with their assigned
location, its fulfillments with tracking and events, its note, whether it is cancelled:
document ``order_fulfillment_state``), ``fulfillmentCreate``, ``fulfillmentTrackingInfoUpdate``,
``fulfillmentEventCreate`` and the note of ``orderUpdate`` (documents ``fulfillment_create``,
``fulfillment_tracking_info_update``, ``fulfillment_event_create``, ``order_note_update``),
and the values they take and return. Each write also sets the order's stage tag in the same
request (``StageTags``: ``tagsAdd`` and ``tagsRemove`` run after the write, in one call), so a
shipping transition costs one call. Must not import models; raises the client's typed errors
(a missing ``*_merchant_managed_fulfillment_orders`` scope is ShopifyForbidden, see
``missing_scopes``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from connector.shopify.errors import ShopifyError, ShopifyNoResult, ShopifyUserErrors, UserError
from connector.shopify.graphql import ShopifyAdminClient, user_errors_of
from connector.shopify.values import read_nodes, read_object, read_optional_text, read_tags, read_text

# Fulfillment orders the merchant can still ship (Shopify's FulfillmentOrderStatus).
SHIPPABLE_STATUSES = ("OPEN", "IN_PROGRESS")
SCOPE_RE = re.compile(r"`?((?:read|write)_[a-z_]+)`?")


@dataclass(frozen=True)
class TrackingInfo:
    company: str
    number: str
    url: str


@dataclass(frozen=True)
class FulfillmentOrderRef:
    id: str
    status: str
    location_id: str | None


@dataclass(frozen=True)
class FulfillmentRef:
    id: str
    status: str
    tracking: tuple[TrackingInfo, ...]
    event_statuses: tuple[str, ...]


@dataclass(frozen=True)
class OrderFulfillmentState:
    order_id: str
    note: str
    cancelled: bool
    tags: tuple[str, ...]
    fulfillment_orders: tuple[FulfillmentOrderRef, ...]
    fulfillments: tuple[FulfillmentRef, ...]

    @property
    def shippable(self) -> tuple[FulfillmentOrderRef, ...]:
        """The fulfillment orders still to ship (open or in progress)."""
        return tuple(item for item in self.fulfillment_orders if item.status in SHIPPABLE_STATUSES)

    def fulfillment_with_number(self, number: str) -> FulfillmentRef | None:
        """The live fulfillment whose tracking carries ``number``, if any."""
        for fulfillment in self.fulfillments:
            if fulfillment.status != "CANCELLED" and any(info.number == number for info in fulfillment.tracking):
                return fulfillment
        return None


@dataclass(frozen=True)
class StageTags:
    """The stage tag written with a write: ``add`` added, ``remove`` removed (the other stages')."""

    order_id: str
    add: tuple[str, ...]
    remove: tuple[str, ...]

    def variables(self) -> dict[str, Any]:
        return {"orderId": self.order_id, "tagsAdd": list(self.add), "tagsRemove": list(self.remove)}


def missing_scopes(error: ShopifyError) -> tuple[str, ...]:
    """The scopes a ShopifyForbidden names as required (``write_merchant_managed_…``); empty
    when it names none."""
    return tuple(dict.fromkeys(SCOPE_RE.findall(str(error))))


def _tracking(raw: dict[str, Any]) -> TrackingInfo:
    return TrackingInfo(
        company=read_optional_text(raw, "company") or "",
        number=read_optional_text(raw, "number") or "",
        url=read_optional_text(raw, "url") or "",
    )


def _fulfillment(raw: dict[str, Any]) -> FulfillmentRef:
    return FulfillmentRef(
        id=read_text(raw, "id"),
        status=read_optional_text(raw, "status") or "",
        tracking=tuple(_tracking(item) for item in raw.get("trackingInfo") or [] if isinstance(item, dict)),
        event_statuses=tuple(read_text(node, "status") for node in read_nodes(raw.get("events"))),
    )


def _fulfillment_order(raw: dict[str, Any]) -> FulfillmentOrderRef:
    location = read_object(read_object(raw, "assignedLocation"), "location")
    return FulfillmentOrderRef(
        id=read_text(raw, "id"),
        status=read_optional_text(raw, "status") or "",
        location_id=read_optional_text(location, "id"),
    )


def order_fulfillment_state(client: ShopifyAdminClient, *, order_id: str) -> OrderFulfillmentState | None:
    """Order ``order_id`` (a GID) as far as shipping goes; None when the shop has no such order.

    Needs ``read_orders`` and ``read_merchant_managed_fulfillment_orders`` (ShopifyForbidden
    without it) and raises the client's other errors.
    """
    order = client.execute("order_fulfillment_state", {"id": order_id}).data.get("order")
    if not isinstance(order, dict) or not order.get("id"):
        return None
    return OrderFulfillmentState(
        order_id=read_text(order, "id"),
        note=read_optional_text(order, "note") or "",
        cancelled=bool(order.get("cancelledAt")),
        tags=read_tags(order),
        fulfillment_orders=tuple(_fulfillment_order(node) for node in read_nodes(order.get("fulfillmentOrders"))),
        fulfillments=tuple(_fulfillment(item) for item in order.get("fulfillments") or [] if isinstance(item, dict)),
    )


def _payload(data: dict[str, Any], field: str) -> dict[str, Any]:
    """The write's payload; its ``userErrors`` raise. The tags' user errors are returned apart."""
    payload = data.get(field)
    if not isinstance(payload, dict):
        raise ShopifyNoResult(f"{field} answered nothing")
    errors = user_errors_of(payload)
    if errors:
        raise ShopifyUserErrors(errors)
    return payload


def _tag_errors(data: dict[str, Any]) -> tuple[UserError, ...]:
    return tuple(error for field in ("tagsAdd", "tagsRemove") for error in user_errors_of(data.get(field)))


@dataclass(frozen=True)
class WriteResult:
    """A write done; ``id`` is what it created (a fulfillment or an event), ``tag_errors``
    what the stage tag's half refused (the write itself stands)."""

    id: str
    tag_errors: tuple[UserError, ...]


def _tracking_input(tracking: TrackingInfo) -> dict[str, str]:
    values = {"company": tracking.company, "number": tracking.number, "url": tracking.url}
    return {key: value for key, value in values.items() if value}


def fulfillment_create(
    client: ShopifyAdminClient,
    *,
    fulfillment_order_ids: tuple[str, ...],
    tracking: TrackingInfo,
    notify_customer: bool,
    tags: StageTags,
    message: str = "",
) -> WriteResult:
    """Ship whole fulfillment orders (all of one location) with ``tracking``; ``notify_customer``
    sends Shopify's shipping confirmation to the buyer. Needs
    ``write_merchant_managed_fulfillment_orders``. Raises ShopifyUserErrors (e.g. a fulfillment
    order already closed), ShopifyNoResult and the client's other errors."""
    fulfillment = {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": item} for item in fulfillment_order_ids],
        "notifyCustomer": notify_customer,
        "trackingInfo": _tracking_input(tracking),
    }
    variables = {"fulfillment": fulfillment, "message": message or None, **tags.variables()}
    data = client.execute("fulfillment_create", variables).data
    created = read_object(_payload(data, "fulfillmentCreate"), "fulfillment")
    if not created.get("id"):
        raise ShopifyNoResult("fulfillmentCreate answered neither a fulfillment nor errors")
    return WriteResult(id=read_text(created, "id"), tag_errors=_tag_errors(data))


def fulfillment_tracking_info_update(
    client: ShopifyAdminClient,
    *,
    fulfillment_id: str,
    tracking: TrackingInfo,
    notify_customer: bool,
    tags: StageTags,
) -> WriteResult:
    """Replace the tracking of fulfillment ``fulfillment_id``. Needs
    ``write_merchant_managed_fulfillment_orders``; raises as ``fulfillment_create``."""
    variables = {
        "fulfillmentId": fulfillment_id,
        "trackingInfoInput": _tracking_input(tracking),
        "notifyCustomer": notify_customer,
        **tags.variables(),
    }
    data = client.execute("fulfillment_tracking_info_update", variables).data
    _payload(data, "fulfillmentTrackingInfoUpdate")
    return WriteResult(id=fulfillment_id, tag_errors=_tag_errors(data))


def fulfillment_event_create(
    client: ShopifyAdminClient,
    *,
    fulfillment_id: str,
    status: str,
    tags: StageTags,
    message: str = "",
    happened_at: datetime.datetime | None = None,
) -> WriteResult:
    """Add a milestone (``IN_TRANSIT``, ``OUT_FOR_DELIVERY``, ``DELIVERED``, ``FAILURE``…) to
    fulfillment ``fulfillment_id``. Needs ``write_merchant_managed_fulfillment_orders``;
    raises as ``fulfillment_create``."""
    event: dict[str, Any] = {"fulfillmentId": fulfillment_id, "status": status}
    if message:
        event["message"] = message[:255]
    if happened_at is not None:
        event["happenedAt"] = happened_at.isoformat()
    data = client.execute("fulfillment_event_create", {"fulfillmentEvent": event, **tags.variables()}).data
    created = read_object(_payload(data, "fulfillmentEventCreate"), "fulfillmentEvent")
    return WriteResult(id=read_optional_text(created, "id") or "", tag_errors=_tag_errors(data))


def order_note_update(client: ShopifyAdminClient, *, order_id: str, note: str, tags: StageTags) -> WriteResult:
    """Replace the note of order ``order_id`` (the caller appends to the note it read).
    Needs ``write_orders``; raises as ``fulfillment_create``."""
    data = client.execute("order_note_update", {"input": {"id": order_id, "note": note}, **tags.variables()}).data
    _payload(data, "orderUpdate")
    return WriteResult(id=order_id, tag_errors=_tag_errors(data))
