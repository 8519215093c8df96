"""Dropi orders on their way to the buyer, for the Dropi simulator: statuses that move on a
clock (a thread) or on demand in tests, with guías, carriers and sticker (label) URLs.

Owns: the path an order follows (``SHIPPING_PATH``; other paths for incidents, returns and
cancellations), the guía, carrier and label an order gets when its guide is generated, and the
clock. Every move goes through ``DropiOrderBook.set_status``, so ``updated_at`` and the
status-change date the list filters by (``filter_date_by=FECHA DE CAMBIO DE ESTATUS``) move
with it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from typing import Any

from simulators.dropi_orders import DropiOrderBook

SHIPPING_PATH = ("PENDIENTE", "GUIA_GENERADA", "EN TRANSPORTE", "EN REPARTO", "ENTREGADO")
INCIDENT_PATH = ("PENDIENTE", "GUIA_GENERADA", "EN TRANSPORTE", "NOVEDAD", "EN REPARTO", "ENTREGADO")
RETURN_PATH = ("PENDIENTE", "GUIA_GENERADA", "EN TRANSPORTE", "NOVEDAD", "DEVOLUCION")
CANCEL_PATH = ("PENDIENTE", "CANCELADO")
TERMINAL = {"ENTREGADO", "CANCELADO", "DEVOLUCION", "DEVUELTO"}
CARRIERS = ("SERVIENTREGA", "COORDINADORA", "INTERRAPIDISIMO", "ENVIA", "TCC", "DOMINA")
_guides = itertools.count(240_000_000_001)


def guide_fields(order: dict[str, Any], *, carrier: str | None = None) -> dict[str, Any]:
    """The guía, carrier and sticker URL an order gets when its guide is generated."""
    guide = str(next(_guides))
    chosen = carrier or CARRIERS[int(order["id"]) % len(CARRIERS)]
    return {
        "shipping_guide": guide,
        "shipping_company": chosen,
        "sticker": f"https://dropi-guias.example/stickers/{guide}.pdf",
    }


def advance(book: DropiOrderBook, token: str, order_id: int, status: str, **fields: Any) -> dict[str, Any] | None:
    """Move one order to ``status`` now; a guide status without a guía gives it one."""
    order = next((item for item in book.of(token) if item["id"] == order_id), None)
    if order is None:
        return None
    if "GUIA" in status.upper() and not order.get("shipping_guide") and "shipping_guide" not in fields:
        fields = {**guide_fields(order), **fields}
    return book.set_status(token, order_id, status, **fields)


def step(book: DropiOrderBook, token: str, order: dict[str, Any], path: Sequence[str] = SHIPPING_PATH) -> bool:
    """Move one order to the next status of ``path``; False when it is at the end (or off the path)."""
    current = str(order.get("status") or "")
    if current in TERMINAL:
        return False
    position = path.index(current) if current in path else -1
    if position + 1 >= len(path):
        return False
    return advance(book, token, int(order["id"]), path[position + 1]) is not None


class ShippingClock:
    """Moves every open order of the book one status along its path each ``step_seconds`` (once
    ``start``ed), or at each ``tick()``. ``paths`` gives an order id its own path."""

    def __init__(self, book: DropiOrderBook, *, step_seconds: float = 60.0) -> None:
        self.book = book
        self.step_seconds = step_seconds
        self.paths: dict[int, Sequence[str]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, token: str | None = None) -> int:
        """One step for every open order (of ``token``, or of every account); how many moved."""
        tokens = [token] if token else list(self.book.orders)
        moved = 0
        for each in tokens:
            for order in self.book.of(each):
                moved += step(self.book, each, order, self.paths.get(int(order["id"]), SHIPPING_PATH))
        return moved

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="dropi-shipping-clock", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.step_seconds):
            self.tick()
