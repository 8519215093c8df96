"""A shop ready to place Dropi orders, for the Dropi order tests: Dropi (simulator) with a
variable and a simple product, the Shopify products linked to them, a Shopify session and
order (simulator) to tag, and helpers to record an order and make its next step due.

The ``dropi_shop`` fixture is registered for every shops test by shops/tests/conftest.py.
"""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from connector.models import ShopifySession
from products.tests.factories import ProductAssociationFactory, VariantMappingFactory
from shops.models import DropiOrder, ShopConfiguration
from shops.services import dropi_orders
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import order_payload
from simulators.dropi import dropi_product
from simulators.shopify_orders import add_order

SHOP = "tienda.myshopify.com"
DROPI_TOKEN = "dropi-token-0123456789-abcdef"
ECOMDROP_KEY = "ecomdrop-key-ABCDEFGH-123456"


@dataclass
class DropiShop:
    configuration: ShopConfiguration
    dropi: Any  # the Dropi simulator
    shopify: Any  # the Shopify simulator
    variable: dict[str, Any]  # the Dropi product with variations
    simple: dict[str, Any]

    def order_payload(self, **overrides: Any) -> dict[str, Any]:
        """An orders/create payload of one line of each linked product; the order exists in Shopify."""
        payload = order_payload(
            line_items=[
                {
                    "id": 1,
                    "product_id": 11,
                    "variant_id": 112,
                    "title": "Reloj",
                    "variant_title": "Blanco",
                    "sku": "RJ-B",
                    "quantity": 2,
                    "price": "49950.00",
                },
                {"id": 2, "product_id": 22, "variant_id": 221, "title": "Correa", "quantity": 1, "price": "30000.00"},
            ],
            **overrides,
        )
        add_order(self.shopify, SHOP, name=payload["name"], order_id=payload["id"])
        return payload

    def record(self, **overrides: Any) -> DropiOrder:
        order, _created = dropi_orders.dropi_order_record(shop=SHOP, order=self.order_payload(**overrides))
        assert order is not None
        order.refresh_from_db()
        return order

    def set_mode(self, mode: str) -> None:
        ShopConfiguration.objects.filter(shop=SHOP).update(dropi_order_mode=mode)

    def created(self) -> list[dict[str, Any]]:
        """The orders in the Dropi account."""
        return self.dropi.orders.of(DROPI_TOKEN)

    def shopify_tags(self, order: DropiOrder) -> list[str]:
        found = next(
            item
            for item in self.shopify.shop_data[SHOP]["orders"]
            if item["legacyResourceId"] == order.shopify_order_id
        )
        return found["tags"]


def make_due(order: DropiOrder) -> None:
    DropiOrder.objects.filter(pk=order.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


@pytest.fixture
def dropi_shop(dropi_simulator, shopify_simulator, settings):
    settings.DROPI_ORDER_RETRY_BASE_SECONDS = 0.01
    dropi_simulator.add_account(DROPI_TOKEN, country="CO")
    variable = dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=501, variations=2))
    simple = dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Correa", product_id=502))
    configuration = ShopConfigurationFactory(
        shop=SHOP,
        dropi_token=DROPI_TOKEN,
        dropi_country="CO",
        dropi_store_name="Tienda",
        dropi_order_mode="app_on_order",
        installed_at=timezone.now(),
    )
    ShopifySession.objects.create(id=f"offline_{SHOP}", shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))
    association = ProductAssociationFactory(
        shop=SHOP,
        dropi_product_id="501",
        shopify_product_id="gid://shopify/Product/11",
        dropi_variations=[{"id": variation["id"], "sku": variation["sku"]} for variation in variable["variations"]],
    )
    for position, variation in enumerate(variable["variations"], start=1):
        VariantMappingFactory(
            association=association,
            dropi_variation_id=str(variation["id"]),
            shopify_variant_id=f"gid://shopify/ProductVariant/11{position}",
        )
    ProductAssociationFactory(
        shop=SHOP, dropi_product_id="502", shopify_product_id="gid://shopify/Product/22", dropi_variations=[]
    )
    return DropiShop(configuration, dropi_simulator, shopify_simulator, variable, simple)
