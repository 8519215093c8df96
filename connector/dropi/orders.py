"""The Dropi orders client: create an order, list and read orders, and the department and city
lists of a country.

Owns: every call to Dropi's orders API and the shape of its bodies and answers, read into small
dataclasses; which refusal means "Dropi does not accept this destination". Takes primitives,
never imports models, never logs the token, a body or Dropi's words (they may quote the buyer).
Looking an order up after an ambiguous create, the pause after "Too Many Attempts" and whether
the location lists are used at all belong to the caller.

Contract: no public documentation exists; every path, field and word below comes from public
integrations (reference/platforms.md › Dropi orders) and is *unverified*, so all of it lives in
``CONTRACT`` and ``_create_body``, the one place to change when Dropi differs. The department
and city calls (``GET /integrations/department``, ``POST /integrations/trajectory/bycity`` with
``{department_id, rate_type}``) appear in several public integrations' Dropi clients; callers
use them only behind ``DROPI_LOCATIONS_ENABLED``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connector.dropi.errors import DropiAddressRefused, DropiBadRequest, DropiMaybeProcessed, DropiUnavailable
from connector.dropi.transport import DropiTransport, _int, _text
from connector.validators import is_ascii_digits


@dataclass(frozen=True)
class OrdersContract:
    """Paths, fixed values and words of Dropi's orders API (unverified; see the module docstring)."""

    orders_path: str = "/integrations/orders/myorders"
    order_path: str = "/integrations/orders/myorders/{order_id}"
    departments_path: str = "/integrations/department"
    cities_path: str = "/integrations/trajectory/bycity"
    payment_method_id: int = 1
    initial_status: str = "PENDIENTE CONFIRMACION"
    order_type: str = "FINAL_ORDER"
    cash_on_delivery: str = "CON RECAUDO"
    prepaid: str = "SIN RECAUDO"
    # List query parameters ("untill" is Dropi's spelling).
    page_size_param: str = "result_number"
    offset_param: str = "start"
    from_param: str = "from"
    until_param: str = "untill"
    date_filter_param: str = "filter_date_by"
    by_creation: str = "FECHA DE CREADO"
    by_status_change: str = "FECHA DE CAMBIO DE ESTATUS"
    max_page_size: int = 100
    # Fields of a listed order the status sync reads besides id, status, carrier, guide, sticker.
    order_number_field: str = "shop_order_number"
    tracking_url_fields: tuple[str, ...] = ("tracking_url", "url_tracking")
    # A refusal whose words name the destination means "correct the address", not "give up".
    address_words: tuple[str, ...] = (
        "ciudad",
        "departamento",
        "direcci",
        "destino",
        "cobertura",
        "trayecto",
        "city",
        "state",
        "address",
    )


CONTRACT = OrdersContract()


@dataclass(frozen=True)
class DropiOrderLine:
    product_id: str
    variation_id: str | None  # None for a simple product
    quantity: int
    price: Decimal  # unit price


@dataclass(frozen=True)
class DropiOrderRequest:
    """One order to create. ``shop_order_id`` is the integrator's own id (the Shopify order id):
    the key an ambiguous create is looked up by."""

    shop_order_id: str
    first_name: str
    last_name: str
    phone: str
    email: str
    address: str
    department: str
    city: str
    country: str
    notes: str
    rate_type: str  # CONTRACT.cash_on_delivery or CONTRACT.prepaid
    total: Decimal
    lines: tuple[DropiOrderLine, ...]


@dataclass(frozen=True)
class DropiOrderSummary:
    id: str
    shop_order_id: str
    status: str
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    carrier: str
    guide: str
    label_url: str
    shop_order_number: str = ""  # the Shopify order name some integrations send (unverified)
    tracking_url: str = ""  # only when Dropi gives one (unverified field)


@dataclass(frozen=True)
class DropiOrderPage:
    orders: tuple[DropiOrderSummary, ...]
    total: int


@dataclass(frozen=True)
class DropiPlace:
    """A department or a city as Dropi names it."""

    id: str
    name: str


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _create_body(order: DropiOrderRequest) -> dict[str, Any]:
    return {
        "shop_order_id": order.shop_order_id,
        "name": order.first_name,
        "surname": order.last_name,
        "phone": order.phone,
        "client_email": order.email,
        "dir": order.address,
        "state": order.department,
        "city": order.city,
        "country": order.country,
        "notes": order.notes,
        "rate_type": order.rate_type,
        "total_order": _number(order.total),
        "payment_method_id": CONTRACT.payment_method_id,
        "status": CONTRACT.initial_status,
        "type": CONTRACT.order_type,
        "products": [
            {
                "id": line.product_id,
                "variation_id": line.variation_id,
                "quantity": line.quantity,
                "price": _number(line.price),
            }
            for line in order.lines
        ],
    }


def _datetime(value: Any) -> datetime.datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def order_from_dict(raw: dict[str, Any]) -> DropiOrderSummary:
    """Read one order of a create, list or detail answer (missing fields become empty values)."""
    return DropiOrderSummary(
        id=_text(raw.get("id")),
        shop_order_id=_text(raw.get("shop_order_id")),
        status=_text(raw.get("status")).upper(),
        created_at=_datetime(raw.get("created_at")),
        updated_at=_datetime(raw.get("updated_at")),
        carrier=_text(raw.get("shipping_company")),
        guide=_text(raw.get("shipping_guide")),
        label_url=_text(raw.get("sticker")),
        shop_order_number=_text(raw.get(CONTRACT.order_number_field)),
        tracking_url=next((_text(raw.get(name)) for name in CONTRACT.tracking_url_fields if raw.get(name)), ""),
    )


def _objects(body: Any) -> Any:
    """What an answer carries under ``objects`` (some versions wrap the answer in a list)."""
    if isinstance(body, list) and len(body) == 1 and isinstance(body[0], dict) and "objects" in body[0]:
        body = body[0]
    return body.get("objects", body.get("data")) if isinstance(body, dict) else body


def _places(body: Any) -> tuple[DropiPlace, ...]:
    objects = _objects(body)
    items = [item for item in objects if isinstance(item, dict)] if isinstance(objects, list) else []
    return tuple(
        DropiPlace(id=_text(item.get("id")), name=_text(item.get("name") or item.get("nombre")))
        for item in items
        if item.get("id") is not None
    )


class DropiOrdersClient(DropiTransport):
    """One merchant's Dropi orders in one country, identified by its integration token."""

    def order_create(self, order: DropiOrderRequest) -> DropiOrderSummary:
        """Create ``order`` in Dropi and return it as Dropi answered.

        Raises DropiAddressRefused (the destination was refused: ``detail`` says why),
        DropiBadRequest (other refusals), DropiMaybeProcessed (no clear answer: the order may
        exist; look it up by ``shop_order_id`` before creating it again), DropiRateLimited,
        DropiAuthError, DropiUnavailable (nothing was created).
        """
        try:
            answer = self._request("POST", CONTRACT.orders_path, json=_create_body(order), operation="order create")
        except DropiBadRequest as error:
            words = error.detail.lower()
            if any(word in words for word in CONTRACT.address_words):
                raise DropiAddressRefused(str(error), status=error.status, detail=error.detail) from error
            raise
        created = _objects(answer)
        if isinstance(created, list) and len(created) == 1:
            created = created[0]
        if not isinstance(created, dict) or not _text(created.get("id")):
            # Answered 2xx, so it was created; without its id the order must be looked up.
            raise DropiMaybeProcessed("Dropi created the order without answering its id")
        return order_from_dict(created)

    def orders_list(
        self,
        *,
        since: datetime.date,
        until: datetime.date,
        offset: int = 0,
        page_size: int = CONTRACT.max_page_size,
        by_status_change: bool = False,
        status: str = "",
    ) -> DropiOrderPage:
        """A page of the account's orders created (or whose status changed) between ``since``
        and ``until`` (both included), newest first."""
        params = {
            CONTRACT.page_size_param: str(max(1, min(page_size, CONTRACT.max_page_size))),
            CONTRACT.offset_param: str(max(0, offset)),
            CONTRACT.from_param: since.isoformat(),
            CONTRACT.until_param: until.isoformat(),
            CONTRACT.date_filter_param: CONTRACT.by_status_change if by_status_change else CONTRACT.by_creation,
            "orderBy": "id",
            "orderDirection": "desc",
        }
        if status:
            params["status"] = status
        answer = self._request("GET", CONTRACT.orders_path, params=params, operation="orders list")
        objects = _objects(answer)
        if not isinstance(objects, list):
            raise DropiUnavailable("Dropi answered an unreadable order list")
        orders = tuple(order_from_dict(item) for item in objects if isinstance(item, dict) and item.get("id"))
        count = answer.get("count") if isinstance(answer, dict) else None
        return DropiOrderPage(orders=orders, total=_int(count) if count is not None else len(orders))

    def order_find(
        self, *, shop_order_id: str, since: datetime.date, until: datetime.date, max_pages: int = 20
    ) -> DropiOrderSummary | None:
        """The order created between ``since`` and ``until`` whose ``shop_order_id`` is the
        given one, or None. Pages through the list (Dropi offers no filter by this id)."""
        offset = 0
        for _page in range(max_pages):
            page = self.orders_list(since=since, until=until, offset=offset)
            for order in page.orders:
                if order.shop_order_id == shop_order_id:
                    return order
            offset += len(page.orders)
            if not page.orders or offset >= page.total:
                return None
        raise DropiUnavailable("Too many Dropi orders in the window to look the order up")

    def order_get(self, *, order_id: str) -> DropiOrderSummary:
        """One order by its Dropi id. Raises DropiNotFound."""
        if not is_ascii_digits(_text(order_id)):
            raise DropiBadRequest("A Dropi order id is a number")
        answer = self._request("GET", CONTRACT.order_path.format(order_id=order_id), operation="order detail")
        found = _objects(answer)
        if not isinstance(found, dict) or _text(found.get("id")) != _text(order_id):
            raise DropiUnavailable("Dropi answered an order detail without the order")
        return order_from_dict(found)

    def departments(self) -> tuple[DropiPlace, ...]:
        """The country's departments as Dropi names them (unverified call)."""
        return _places(self._request("GET", CONTRACT.departments_path, operation="departments"))

    def cities(self, *, department_id: str, rate_type: str = "") -> tuple[DropiPlace, ...]:
        """The department's cities Dropi delivers to (unverified call; a search sent as POST)."""
        body = {"department_id": _int(department_id), "rate_type": rate_type}
        answer = self._request("POST", CONTRACT.cities_path, json=body, operation="cities", read_only=True)
        return _places(answer)
