"""A local Dropi for tests, demos and benchmarks.

One server stands in for every country: country ``XX`` lives under ``{base}/xx`` (point
``DROPI_API_URLS`` at ``api_urls()``), and a token only works in its own country, as with
Dropi's separate per-country platforms. Accounts hold products shaped like Dropi's answers
(reference/platforms.md › Dropi and a public sample of the index answer): favourites, private
products, keyword search, ``pageSize``/``startData`` paging, both answer shapes, the unverified
detail endpoint (can be switched off), "Too Many Attempts" blocking and artificial latency.
Orders, departments and cities are answered by ``simulators.dropi_orders``.

Run it by hand: ``python -m simulators.dropi --port 9300 --token demo-dropi-token``.
"""

from __future__ import annotations

import argparse
import itertools
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from simulators.base import Request, Response, SimulatorServer
from simulators.dropi_orders import ORDERS_RE, DropiOrderBook

COUNTRIES = ("CO", "EC", "CL", "GT", "MX", "PA", "PE", "PY")
# The token of the account a demo starts with, and its country (``main`` and ``make demo``).
DEMO_TOKEN = "demo-dropi-token"  # noqa: S105 (the simulator's demo account, not a secret)
DEMO_COUNTRY = "CO"
PATH_RE = re.compile(r"^/(?P<country>[a-z]{2})/integrations/products/(?:(?P<index>index)|v2/(?P<product_id>[^/]+))$")

_ids = itertools.count(2_100_001)
_variation_ids = itertools.count(3_100_001)
_attribute_value_ids = itertools.count(1_200_001)

CATEGORIES = ("Hogar", "Tecnología", "Belleza", "Bienestar", "Deportes", "Mascotas", "Cocina", "Juguetes")
COLORS = ("Negro", "Blanco", "Rojo", "Azul", "Verde", "Rosa", "Gris", "Celeste", "Morado", "Amarillo")
SIZES = ("XS", "S", "M", "L", "XL", "XXL", "28", "30", "32", "34")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _warehouse(name: str, warehouse_id: int) -> dict[str, Any]:
    return {
        "id": warehouse_id,
        "name": name,
        "city": {"id": 50, "name": "BOGOTA", "rate_type": '["CON RECAUDO","SIN RECAUDO"]'},
        "warehouse_white_brand": False,
    }


def dropi_product(
    *,
    name: str,
    product_id: int | None = None,
    sku: str | None = None,
    sale_price: str | None = "30000.00",
    suggested_price: str | None = "59900.00",
    description: str = "<p>Producto de alta calidad.</p>",
    categories: tuple[str, ...] = ("Hogar",),
    images: int | list[str] = 1,
    variations: int = 0,
    attributes: tuple[str, ...] = ("Color", "Talla"),
    stock: int = 120,
    warehouse: str = "Bodega Bogotá",
    private: bool = False,
    private_owner: str = "Proveedor Privado",
) -> dict[str, Any]:
    """A product the way Dropi's index answers it (variations get colours and sizes)."""
    numeric = product_id or next(_ids)
    return {
        "id": numeric,
        "name": name,
        "type": "VARIABLE" if variations else "SIMPLE",
        "description": description,
        "sale_price": None if variations else sale_price,
        "suggested_price": None if variations else suggested_price,
        "privated_product": private,
        "sku": sku if sku is not None else f"DRP-{numeric}",
        "user": {"id": 44666, "name": "FULL", "store_name": "Proveedor Demo"},
        "variations": [
            _variation(
                numeric,
                index,
                attributes=attributes,
                sale_price=sale_price,
                suggested_price=suggested_price,
                stock=stock // max(variations, 1),
                warehouse=warehouse,
            )
            for index in range(variations)
        ],
        "gallery": _gallery(numeric, images),
        "categories": _categories(numeric, categories),
        "private_product_inventories": (
            [{"id": numeric, "stock": stock, "user": {"id": 7, "name": private_owner}}] if private else []
        ),
        # A simple product keeps its stock in a warehouse; variations and private products elsewhere.
        "warehouse_product": [] if private or variations else [_warehouse_stock(numeric, stock, warehouse)],
        "external_id": None,
    }


def _warehouse_stock(numeric: int, stock: int, warehouse: str) -> dict[str, Any]:
    return {
        "id": numeric,
        "warehouse_id": 3211,
        "product_id": numeric,
        "stock": stock,
        "warehouse": _warehouse(warehouse, 3211),
    }


def _categories(numeric: int, categories: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {
            "name": category,
            "pivot": {
                "product_id": numeric,
                "category_id": CATEGORIES.index(category) + 1 if category in CATEGORIES else 99,
            },
        }
        for category in categories
    ]


def _gallery(numeric: int, images: int | list[str]) -> list[dict[str, Any]]:
    """``images`` pictures in Dropi's S3 path shape, or the given paths (full URLs stay URLs)."""
    if isinstance(images, int):
        gallery_paths = [
            f"colombia/products/{numeric}/{1769700000 + index} foto {index + 1}.jpg" for index in range(images)
        ]
    else:
        gallery_paths = images
    return [
        {
            "url": path if path.startswith("http") else None,
            "main": index == 0,
            "urlS3": None if path.startswith("http") else path,
        }
        for index, path in enumerate(gallery_paths)
    ]


def _variation(
    numeric: int,
    index: int,
    *,
    attributes: tuple[str, ...],
    sale_price: str | None,
    suggested_price: str | None,
    stock: int,
    warehouse: str,
) -> dict[str, Any]:
    """The product's ``index``-th variation: a colour, then a size, then numbered options."""
    variation_id = next(_variation_ids)
    values = []
    for position, attribute in enumerate(attributes):
        pool = COLORS if position == 0 else SIZES
        size_index = index // len(COLORS) if position == 1 else index
        values.append(
            {
                "id": next(_attribute_value_ids),
                "value": pool[size_index % len(pool)] if position < 2 else f"Opción {index}",
                "attribute_id": 248269 + position,
                "attribute_name": attribute,
                "deleted_at": None,
            }
        )
    return {
        "id": variation_id,
        "sku": f"DRP-{numeric}-{index + 1}",
        "suggested_price": suggested_price,
        "sale_price": sale_price,
        "product_id": numeric,
        "deleted_at": None,
        "attribute_values": values,
        "warehouse_product_variation": [
            {
                "id": variation_id,
                "warehouse_id": 3211,
                "variation_id": variation_id,
                "stock": stock,
                "warehouse": _warehouse(warehouse, 3211),
            }
        ],
        "stock": stock,
    }


@dataclass
class DropiAccount:
    token: str
    country: str
    products: list[dict[str, Any]] = field(default_factory=list)  # newest first
    favorites: set[str] = field(default_factory=set)


class DropiSimulator(SimulatorServer):
    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.accounts: dict[str, DropiAccount] = {}
        self._state = threading.RLock()
        # "object": {isSuccess, status, objects, count}; "array": the same wrapped in a list;
        # "data": {data, count} (other integrations' shape).
        self.response_shape = "object"
        self.detail_available = True
        self.blocked_until = 0.0
        self.orders = DropiOrderBook()  # orders, departments and cities (simulators/dropi_orders.py)

    def api_urls(self) -> dict[str, str]:
        """The value for ``DROPI_API_URLS``: one path prefix per country on this server."""
        return {country: f"{self.base_url}/{country.lower()}" for country in COUNTRIES}

    # -- set-up helpers
    def add_account(self, token: str, *, country: str = "CO") -> DropiAccount:
        account = DropiAccount(token=token, country=country.upper())
        with self._state:
            self.accounts[token] = account
        return account

    def add_product(self, token: str, product: dict[str, Any], *, favorite: bool = True) -> dict[str, Any]:
        with self._state:
            account = self.accounts[token]
            account.products.insert(0, product)
            if favorite and not product.get("privated_product"):
                account.favorites.add(str(product["id"]))
        return product

    def seed(self, token: str, *, count: int = 25, private: int = 3) -> list[dict[str, Any]]:
        """A demo catalogue: ``count`` favourites (some with variations) and ``private`` private products."""
        names = (
            "Reloj inteligente deportivo",
            "Audífonos inalámbricos",
            "Lámpara LED de escritorio",
            "Botella térmica 1L",
            "Masajeador cervical",
            "Organizador de cocina",
            "Cepillo alisador",
            "Mini proyector portátil",
            "Soporte de celular con parlante",
            "Kit de supervivencia 14 piezas",
            "Humidificador aromático",
            "Faja reductora",
            "Cámara de seguridad WiFi",
            "Rodillo de jade facial",
            "Bolso antirrobo",
        )
        created = []
        for index in range(count):
            name = f"{names[index % len(names)]}" + (f" {index // len(names) + 1}" if index >= len(names) else "")
            created.append(
                self.add_product(
                    token,
                    dropi_product(
                        name=name,
                        sale_price=f"{25000 + index * 1500}.00",
                        suggested_price=f"{49900 + index * 3000}.00",
                        categories=(CATEGORIES[index % len(CATEGORIES)], CATEGORIES[(index + 3) % len(CATEGORIES)]),
                        images=1 + index % 3,
                        variations=4 if index % 5 == 0 else 0,
                        stock=50 + index * 10,
                    ),
                )
            )
        for index in range(private):
            created.append(
                self.add_product(
                    token,
                    dropi_product(
                        name=f"Producto privado {index + 1}", private=True, stock=30 + index, categories=("Belleza",)
                    ),
                    favorite=False,
                )
            )
        return created

    def block(self, seconds: float = 3600.0) -> None:
        """Answer "Too Many Attempts" for ``seconds`` (Dropi's account block)."""
        self.blocked_until = time.monotonic() + seconds

    # -- routing
    def handle(self, request: Request) -> Response:
        orders = ORDERS_RE.match(request.path)
        if orders:
            request.kind = self.orders.kind_of(request, orders)
            account = self._gate(request, orders.group("country"))
            return account if isinstance(account, Response) else self.orders.handle(request, orders, account)
        match = PATH_RE.match(request.path)
        if not match:
            request.kind = "unknown"
            return Response(404, {"message": "Not found"})
        request.kind = "index" if match.group("index") else "detail"
        if (request.kind == "index") != (request.method == "POST"):
            return Response(405, {"message": "Method not allowed"})
        account = self._gate(request, match.group("country"))
        if isinstance(account, Response):
            return account
        if request.kind == "index":
            return self._index(account, request)
        return self._detail(account, match.group("product_id"))

    def _gate(self, request: Request, country: str) -> DropiAccount | Response:
        """Injected failures, the "Too Many Attempts" block and the token of the country."""
        failure = self.injected_failure(request)
        if failure is not None:
            return failure
        if time.monotonic() < self.blocked_until:
            return Response(429, {"isSuccess": False, "status": 429, "message": "Too Many Attempts."})
        with self._state:
            account = self.accounts.get(request.headers.get("dropi-integration-key", ""))
        if account is None or account.country.lower() != country:
            return Response(401, {"isSuccess": False, "status": 401, "message": "Unauthenticated."})
        return account

    def _index(self, account: DropiAccount, request: Request) -> Response:
        body = request.json() or {}
        if body.get("favorite") and body.get("privated_product"):
            return Response(
                400, {"isSuccess": False, "status": 400, "message": "favorite and privated_product together"}
            )
        keywords = _plain(str(body.get("keywords") or "").strip())
        with self._state:
            products = list(account.products)
            favorites = set(account.favorites)
        if keywords:
            matches = [item for item in products if str(item["id"]) == keywords or keywords in _plain(item["name"])]
        elif body.get("privated_product"):
            matches = [item for item in products if item.get("privated_product")]
        elif body.get("favorite"):
            matches = [item for item in products if str(item["id"]) in favorites]
        else:
            matches = [item for item in products if not item.get("privated_product")]
        start = int(body.get("startData") or 0)
        size = int(body.get("pageSize") or 50)
        window = matches[start : start + size]
        if self.response_shape == "data":
            return Response(200, {"data": window, "count": len(matches)})
        answer = {"isSuccess": True, "status": 200, "objects": window, "count": len(matches)}
        return Response(200, [answer] if self.response_shape == "array" else answer)

    def _detail(self, account: DropiAccount, product_id: str) -> Response:
        if not self.detail_available:
            return Response(404, {"message": "Not found"})
        with self._state:
            product = next((item for item in account.products if str(item["id"]) == product_id), None)
        if product is None:
            return Response(200, {"isSuccess": False, "status": 404, "message": "Producto no encontrado"})
        return Response(200, {"isSuccess": True, "status": 200, "objects": product})


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Dropi simulator")
    parser.add_argument("--port", type=int, default=9300)
    parser.add_argument("--token", default=DEMO_TOKEN)
    parser.add_argument("--country", default=DEMO_COUNTRY)
    options = parser.parse_args()
    simulator = DropiSimulator()
    simulator.add_account(options.token, country=options.country)
    simulator.seed(options.token)
    simulator.start(options.port)
    urls = ",".join(f"{country}={url}" for country, url in simulator.api_urls().items())
    print(f"Dropi simulator: DROPI_API_URLS={urls} (token {options.token}, {options.country})")  # noqa: T201
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        simulator.stop()


if __name__ == "__main__":
    main()
