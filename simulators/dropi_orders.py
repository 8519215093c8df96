"""Orders for the Dropi simulator: create (validated), list with the documented filters, detail,
and the department and city lists, with switches for what a placement must survive.

Contract (reference/platforms.md › Dropi orders, unverified): ``POST|GET
{host}/integrations/orders/myorders`` (list filters ``result_number``, ``start``, ``from`` /
``untill`` as ``yyyy-mm-dd``, ``filter_date_by`` = ``FECHA DE CREADO`` | ``FECHA DE CAMBIO DE
ESTATUS``, ``orderBy``, ``orderDirection``, ``status``), ``GET …/myorders/{id}``, ``GET
{host}/integrations/department`` and ``POST {host}/integrations/trajectory/bycity`` with
``{department_id, rate_type}``. A create checks the products (and the variation of a variable
one) against the account's catalogue and the department and city against ``LOCATIONS``.

Switches: ``refuse_address`` (Dropi refuses the address), ``stall_after_create`` (the order is
created, the answer comes late: a client's read timeout), ``fail_after_create`` (created, then
a 5xx), ``stall_before`` (a call of a kind waits before doing anything); failures *before*
creating come from the base class (``fail_next("orders_create")``) and "Too Many Attempts"
from ``DropiSimulator.block``. ``fail_randomly`` mixes failures before and after acting into a
share of the order calls, drawn from a seeded generator (load tests and benchmarks).
"""

from __future__ import annotations

import datetime
import itertools
import random
import re
import threading
import time
import unicodedata
from collections import Counter
from typing import Any, Protocol

from simulators.base import Request, Response

ORDERS_RE = re.compile(
    r"^/(?P<country>[a-z]{2})/integrations/(?:(?P<orders>orders/myorders)(?:/(?P<order_id>[0-9]+))?"
    r"|(?P<departments>department)|(?P<cities>trajectory/bycity))$"
)
CREATED, STATUS_CHANGED = "FECHA DE CREADO", "FECHA DE CAMBIO DE ESTATUS"
# Departments and some of their cities; a department listed without cities accepts any city.
LOCATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "CO": {
        "CUNDINAMARCA": ("BOGOTA", "SOACHA", "CHIA", "ZIPAQUIRA", "FUSAGASUGA"),
        "ANTIOQUIA": ("MEDELLIN", "BELLO", "ENVIGADO", "ITAGUI", "RIONEGRO"),
        "VALLE DEL CAUCA": ("CALI", "PALMIRA", "BUENAVENTURA", "TULUA"),
        "ATLANTICO": ("BARRANQUILLA", "SOLEDAD", "MALAMBO"),
        "SANTANDER": ("BUCARAMANGA", "FLORIDABLANCA", "GIRON"),
        "BOLIVAR": (),
        "NARINO": (),
        "RISARALDA": (),
    },
    "MX": {"CIUDAD DE MEXICO": (), "JALISCO": ("GUADALAJARA", "ZAPOPAN"), "NUEVO LEON": ("MONTERREY",)},
    "PE": {"LIMA": ("LIMA", "MIRAFLORES", "SAN ISIDRO"), "AREQUIPA": (), "CUSCO": ()},
    "CL": {"REGION METROPOLITANA": ("SANTIAGO", "PUENTE ALTO"), "VALPARAISO": ()},
}
ORDER_CALLS = ("orders_create", "orders_list", "order_detail")
BEFORE, AFTER = "before", "after"
ADDRESS_REFUSED = "La ciudad o el departamento de destino no existe o no tiene cobertura"

_order_ids = itertools.count(7_000_001)


class DropiAccount(Protocol):
    """What the book reads of a ``simulators.dropi.DropiAccount``."""

    token: str
    country: str
    products: list[dict[str, Any]]


def _plain(text: Any) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text or "").strip().upper())
    return " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).split())


def _refusal(status: int, message: str) -> Response:
    return Response(200, {"isSuccess": False, "status": status, "message": message, "objects": None})


def _now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


class DropiOrderBook:
    """The orders of every account of one simulator, and the switches tests turn."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.orders: dict[str, list[dict[str, Any]]] = {}  # by token, oldest first
        self.address_refusals = 0
        self.stalls: list[float] = []
        self.after_create_failures: list[int] = []
        self.stalls_before: dict[str, list[float]] = {}
        self.failure_rate = 0.0
        self.failure_after_share = 0.5
        self.failure_stall_share = 0.5
        self.failure_stall_seconds = 0.0
        self.failure_kinds: frozenset[str] = frozenset(ORDER_CALLS)
        self.random = random.Random(7)  # noqa: S311 (a reproducible load mix, not security)
        self.failures_drawn: Counter[tuple[str, str]] = Counter()  # (kind, "before" | "after")

    # -- switches
    def refuse_address(self, times: int = 1) -> None:
        with self._lock:
            self.address_refusals += times

    def stall_after_create(self, seconds: float, times: int = 1) -> None:
        """Create the next ``times`` orders, then answer only after ``seconds``."""
        with self._lock:
            self.stalls.extend([seconds] * times)

    def stall_before(self, kind: str, *, seconds: float, times: int = 1) -> None:
        """The next ``times`` calls of ``kind`` wait ``seconds`` before doing anything."""
        with self._lock:
            self.stalls_before.setdefault(kind, []).extend([seconds] * times)

    def fail_after_create(self, status: int = 502, times: int = 1) -> None:
        """Create the next ``times`` orders, then answer HTTP ``status``."""
        with self._lock:
            self.after_create_failures.extend([status] * times)

    def fail_randomly(
        self,
        rate: float,
        *,
        after_share: float = 0.5,
        stall_share: float = 0.5,
        stall_seconds: float = 0.0,
        seed: int = 7,
        kinds: tuple[str, ...] = ORDER_CALLS,
    ) -> None:
        """From now on a share ``rate`` of the calls of ``kinds`` fail, drawn from a generator
        seeded with ``seed``. ``after_share`` of them fail *after* acting (a create stores the
        order): ``stall_share`` of those answer only after ``stall_seconds`` (past the client's
        read timeout), the others answer a 502. The rest answer 503 before doing anything.
        ``rate`` 0 switches it off; ``failures_drawn`` counts what was drawn."""
        with self._lock:
            self.failure_rate = rate
            self.failure_after_share = after_share
            self.failure_stall_share = stall_share
            self.failure_stall_seconds = stall_seconds
            self.failure_kinds = frozenset(kinds)
            self.random = random.Random(seed)  # noqa: S311 (a reproducible load mix, not security)
            self.failures_drawn.clear()

    def _draw(self, kind: str) -> tuple[str, bool]:
        """("", False) for a call that succeeds; else (BEFORE | AFTER, whether it stalls)."""
        with self._lock:
            if not self.failure_rate or kind not in self.failure_kinds:
                return "", False
            failing = self.random.random() < self.failure_rate
            when = AFTER if self.random.random() < self.failure_after_share else BEFORE
            stall = self.random.random() < self.failure_stall_share
            if not failing:
                return "", False
            self.failures_drawn[(kind, when)] += 1
        return when, stall and when == AFTER

    # -- set-up and inspection
    def of(self, token: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.orders.get(token, []))

    def add(self, token: str, **fields: Any) -> dict[str, Any]:
        """Store an order as if created earlier (``created_at``: a datetime)."""
        created = fields.pop("created_at", None) or _now()
        order = {
            "id": next(_order_ids),
            "shop_order_id": None,
            "status": "PENDIENTE CONFIRMACION",
            "shipping_company": None,
            "shipping_guide": None,
            "sticker": None,
            "orderdetails": [],
            **fields,
            "created_at": created.isoformat(),
            "updated_at": created.isoformat(),
            "_status_changed_at": created,
        }
        with self._lock:
            self.orders.setdefault(token, []).append(order)
        return order

    def set_status(self, token: str, order_id: int, status: str, **fields: Any) -> dict[str, Any] | None:
        """Change an order's status (and other fields: ``shipping_guide``, ``shipping_company``,
        ``sticker``…) now, as Dropi would; its status-change date moves with it. The order."""
        now = _now()
        with self._lock:
            for order in self.orders.get(token, []):
                if order["id"] == order_id:
                    order.update(status=status, updated_at=now.isoformat(), _status_changed_at=now, **fields)
                    return order
        return None

    # -- routing
    @staticmethod
    def kind_of(request: Request, match: re.Match[str]) -> str:
        if match.group("departments"):
            return "departments"
        if match.group("cities"):
            return "cities"
        if match.group("order_id"):
            return "order_detail"
        return "orders_create" if request.method == "POST" else "orders_list"

    def handle(self, request: Request, match: re.Match[str], account: DropiAccount) -> Response:
        with self._lock:
            waits = self.stalls_before.get(request.kind) or []
            wait = waits.pop(0) if waits else 0.0
        if wait:
            time.sleep(wait)
        when, stall = self._draw(request.kind)
        if when == BEFORE:
            return Response(503, {"message": "Service Unavailable"})
        answer = self._answer(request, match, account)
        if when == AFTER and stall:
            time.sleep(self.failure_stall_seconds)
        elif when == AFTER:
            return Response(502, {"message": "Bad Gateway"})
        return answer

    def _answer(self, request: Request, match: re.Match[str], account: DropiAccount) -> Response:
        if request.kind == "departments":
            names = LOCATIONS.get(account.country, {})
            objects = [{"id": index, "name": name} for index, name in enumerate(names, start=1)]
            return Response(200, {"isSuccess": True, "status": 200, "objects": objects})
        if request.kind == "cities":
            return self._cities(account, request.json() or {})
        if request.kind == "order_detail":
            found = next((item for item in self.of(account.token) if str(item["id"]) == match.group("order_id")), None)
            if found is None:
                return _refusal(404, "Orden no encontrada")
            return Response(200, {"isSuccess": True, "status": 200, "objects": _public(found)})
        if request.kind == "orders_list":
            return self._list(account, request.query)
        return self._create(account, request.json() or {})

    def _cities(self, account: DropiAccount, body: dict[str, Any]) -> Response:
        names = list(LOCATIONS.get(account.country, {}))
        try:
            department = names[int(str(body.get("department_id"))) - 1]
        except (TypeError, ValueError, IndexError):
            return _refusal(400, "Departamento no encontrado")
        cities = LOCATIONS[account.country][department]
        objects = [
            {"id": index, "name": city, "department_id": body.get("department_id")}
            for index, city in enumerate(cities, start=1)
        ]
        return Response(200, {"isSuccess": True, "status": 200, "objects": objects})

    # -- create
    def _create(self, account: DropiAccount, body: dict[str, Any]) -> Response:
        problem = self._product_problem(account, body.get("products")) or _location_problem(account.country, body)
        with self._lock:
            if not problem and self.address_refusals:
                self.address_refusals -= 1
                problem = ADDRESS_REFUSED
        if problem:
            return _refusal(400 if problem != ADDRESS_REFUSED else 422, problem)
        order = self.add(
            account.token,
            **{key: body.get(key) for key in ("shop_order_id", "name", "surname", "phone", "dir", "city", "state")},
            **{key: body.get(key) for key in ("total_order", "rate_type", "notes", "client_email", "type", "country")},
            orderdetails=[_detail(item) for item in body.get("products") or []],
        )
        answer = Response(200, {"isSuccess": True, "status": 200, "message": "Orden creada", "objects": _public(order)})
        with self._lock:
            stall = self.stalls.pop(0) if self.stalls else 0.0
            failure = self.after_create_failures.pop(0) if self.after_create_failures else 0
        if stall:
            time.sleep(stall)
        if failure:
            return Response(failure, {"message": "Server Error"})
        return answer

    @staticmethod
    def _product_problem(account: DropiAccount, products: Any) -> str:
        if not isinstance(products, list) or not products:
            return "La orden no tiene productos"
        catalogue = {str(item["id"]): item for item in account.products}
        for line in products:
            product = catalogue.get(str((line or {}).get("id")))
            if product is None:
                return f"Producto {line.get('id')} no encontrado"
            variations = {str(variation["id"]) for variation in product.get("variations") or []}
            if variations and str(line.get("variation_id")) not in variations:
                return f"La variación {line.get('variation_id')} no pertenece al producto {product['id']}"
            if int(line.get("quantity") or 0) < 1:
                return "Cantidad inválida"
        return ""

    # -- list
    def _list(self, account: DropiAccount, query: dict[str, list[str]]) -> Response:
        def value(name: str, default: str = "") -> str:
            return (query.get(name) or [default])[-1]

        matches = [item for item in self.of(account.token) if _in_window(item, value)]
        if value("status"):
            matches = [item for item in matches if item["status"] == value("status")]
        key = "id" if value("orderBy", "id") == "id" else "created_at"
        matches.sort(key=lambda item: item[key], reverse=value("orderDirection", "desc").lower() == "desc")
        start, size = int(value("start", "0") or 0), int(value("result_number", "10") or 10)
        window = [_public(item) for item in matches[start : start + size]]
        return Response(
            200, {"isSuccess": True, "status": 200, "message": "", "objects": window, "count": len(matches)}
        )


def _in_window(order: dict[str, Any], value: Any) -> bool:
    moment = (
        order["_status_changed_at"]
        if value("filter_date_by", CREATED) == STATUS_CHANGED
        else datetime.datetime.fromisoformat(order["created_at"])
    )
    day = moment.date().isoformat()
    return (not value("from") or day >= value("from")) and (not value("untill") or day <= value("untill"))


def _location_problem(country: str, body: dict[str, Any]) -> str:
    departments = LOCATIONS.get(country)
    state, city = _plain(body.get("state")), _plain(body.get("city"))
    if not state or not city:
        return ADDRESS_REFUSED
    if departments is None:
        return ""
    if state not in departments or (departments[state] and city not in departments[state]):
        return ADDRESS_REFUSED
    return ""


def _detail(line: dict[str, Any]) -> dict[str, Any]:
    variation = line.get("variation_id")
    return {
        "product": {"id": line.get("id")},
        "variation": {"id": variation} if variation else None,
        "quantity": line.get("quantity"),
        "price": line.get("price"),
    }


def _public(order: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in order.items() if not key.startswith("_")}
