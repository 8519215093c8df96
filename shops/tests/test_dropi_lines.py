"""An order's Dropi identity: lines resolved when orders/create is recorded, the address in
Dropi's words, and the contact fields the bot gets to place the order itself."""

import json

import pytest
from django.utils import timezone

from products.tests.factories import ProductAssociationFactory, VariantMappingFactory
from shops.models import DeliveryRules, DropiDepartment, DropiOrder, FlowDelivery
from shops.services import deliveries
from shops.services.dropi_addresses import dropi_department, place_normalise
from shops.services.dropi_lines import FIELD_LIMIT, dropi_contact_field_values, dropi_lines_resolve, order_lines
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import order_payload

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"


def line(number, *, product, variant=None, sku="", quantity=1, price="10000.00", title="Producto"):
    return {
        "id": number,
        "product_id": product,
        "variant_id": variant,
        "sku": sku,
        "title": title,
        "variant_title": "Negro",
        "quantity": quantity,
        "price": price,
    }


@pytest.fixture
def links():
    """A variable product with two mapped variants, a simple product, and a product whose
    variation SKU is the merchant's SKU."""
    variable = ProductAssociationFactory(
        shop=SHOP, dropi_product_id="501", shopify_product_id="gid://shopify/Product/11"
    )
    VariantMappingFactory(
        association=variable, dropi_variation_id="9001", shopify_variant_id="gid://shopify/ProductVariant/111"
    )
    VariantMappingFactory(
        association=variable, dropi_variation_id="9002", shopify_variant_id="gid://shopify/ProductVariant/112"
    )
    ProductAssociationFactory(
        shop=SHOP, dropi_product_id="502", shopify_product_id="gid://shopify/Product/22", dropi_variations=[]
    )
    ProductAssociationFactory(
        shop=SHOP,
        dropi_product_id="503",
        shopify_product_id="gid://shopify/Product/33",
        dropi_variations=[{"id": 9301, "sku": "DRP-503-1"}, {"id": 9302, "sku": "DRP-503-2"}],
    )
    return variable


def resolve(*items):
    return dropi_lines_resolve(shop=SHOP, lines=order_lines({"line_items": list(items)}))


def test_lines_resolve_by_variant_mapping_then_simple_product_then_sku(links):
    resolution = resolve(
        line(1, product=11, variant=112, quantity=2, price="49950.00"),
        line(2, product=22, variant=221),
        line(3, product=33, variant=331, sku="DRP-503-2"),
    )

    assert [
        (item["dropi_product_id"], item["dropi_variation_id"], item["resolved_by"]) for item in resolution.resolved
    ] == [
        ("501", "9002", "variant"),
        ("502", None, "product"),
        ("503", "9302", "sku"),
    ]
    assert resolution.resolved[0]["quantity"] == 2
    assert resolution.resolved[0]["price"] == "49950.00"
    assert resolution.unresolved == []


def test_lines_whose_variants_are_mapped_cost_one_query(links, django_assert_num_queries):
    with django_assert_num_queries(1):  # the variant mappings: no product or SKU look-up
        resolution = resolve(line(1, product=11, variant=111, sku="X-1"), line(2, product=11, variant=112))

    assert [item["dropi_variation_id"] for item in resolution.resolved] == ["9001", "9002"]


def test_another_shops_links_of_the_same_shopify_ids_are_never_used():
    elsewhere = ProductAssociationFactory(
        shop="otra-tienda.myshopify.com", dropi_product_id="777", shopify_product_id="gid://shopify/Product/11"
    )
    VariantMappingFactory(
        association=elsewhere, dropi_variation_id="7771", shopify_variant_id="gid://shopify/ProductVariant/111"
    )
    ProductAssociationFactory(
        shop="otra-tienda.myshopify.com", dropi_product_id="778", shopify_product_id="gid://shopify/Product/22"
    )

    resolution = resolve(line(1, product=11, variant=111), line(2, product=22, variant=221))

    assert resolution.resolved == []
    assert [item["reason"] for item in resolution.unresolved] == ["not_linked", "not_linked"]


def test_lines_without_a_link_say_why(links):
    resolution = resolve(
        line(1, product=11, variant=119),  # linked variable product, this variant unmapped
        line(2, product=44, variant=441, sku="MERCHANT-SKU"),  # not linked at all
        line(3, product=None),  # a custom line
    )

    assert resolution.resolved == []
    assert [item["reason"] for item in resolution.unresolved] == ["variant_not_mapped", "not_linked", "no_product"]


def test_a_sku_is_used_only_when_one_dropi_variation_has_it(links):
    ProductAssociationFactory(
        shop=SHOP,
        dropi_product_id="504",
        shopify_product_id="gid://shopify/Product/34",
        dropi_variations=[{"id": 9401, "sku": "DRP-503-2"}],
    )
    # Another shop's association never counts.
    ProductAssociationFactory(shop="otra.myshopify.com", dropi_variations=[{"id": 1, "sku": "SOLO-1"}])

    resolution = resolve(line(1, product=55, sku="DRP-503-2"), line(2, product=56, sku="SOLO-1"))

    assert [item["reason"] for item in resolution.unresolved] == ["ambiguous", "not_linked"]


def test_tips_gift_cards_and_digital_lines_are_not_dropi_lines():
    lines = order_lines(
        {
            "line_items": [
                {**line(1, product=1), "requires_shipping": False},
                {**line(2, product=2), "gift_card": True},
                line(3, product=3),
            ]
        }
    )

    assert [item["line_id"] for item in lines] == ["3"]


@pytest.mark.parametrize(
    ("country", "code", "name", "department"),
    [
        ("CO", "DC", "Bogotá, D.C.", "CUNDINAMARCA"),
        ("CO", "CO-ANT", "", "ANTIOQUIA"),
        ("PE", "LIM", "", "LIMA"),
        ("MX", "", "Nuevo León", "NUEVO LEON"),
        ("EC", "", "Pichincha", "PICHINCHA"),
        ("CL", "", "Región Rara", "REGION RARA"),
    ],
)
def test_provinces_become_dropi_departments_by_code_then_name_then_as_written(country, code, name, department):
    assert dropi_department(country=country, province_code=code, province=name) == department


def test_staff_can_correct_a_department_in_the_table():
    DropiDepartment.objects.filter(country="CO", province_code="DC").update(dropi_name="BOGOTA D.C.")

    assert dropi_department(country="CO", province_code="DC", province="") == "BOGOTA D.C."
    assert place_normalise("  Bogotá,   D.C. ñ ") == "BOGOTA, D.C. N"


@pytest.fixture
def account(ecomdrop_simulator):
    account = ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(
        shop=SHOP, ecomdrop_api_key=KEY, nuevo_pedido_flow_id="9001", dropi_country="CO", installed_at=timezone.now()
    )
    return account


def an_order(**overrides):
    values = {
        "line_items": [
            line(1, product=11, variant=111, quantity=2, price="49950.00", sku="RJ-1", title="Reloj"),
            line(2, product=99, variant=991, title="Sin vínculo"),
        ],
        "note": "Dejar en portería",
        "shipping_address": {
            **order_payload()["shipping_address"],
            "province": "Bogotá, D.C.",
            "province_code": "DC",
            "city": "Bogotá",
        },
    }
    values.update(overrides)
    return order_payload(**values)


def contact_fields(account):
    contact = next(iter(account.contacts.values()))
    return {account.custom_fields[field_id][0]: value for field_id, value in contact.fields.items()}


def test_an_order_webhook_records_its_dropi_order_once(account, links, post_webhook, run_worker):
    order = an_order(name="#1014")

    post_webhook("orders/create", order, event_id="evt-1")
    post_webhook("orders/create", order, event_id="evt-2")
    run_worker()

    dropi_order = DropiOrder.objects.get(shop=SHOP)
    assert dropi_order.shopify_order_id == str(order["id"])
    assert dropi_order.order_name == "#1014"
    assert (dropi_order.mode, dropi_order.state) == ("bot", DropiOrder.State.BOT)
    assert [item["dropi_variation_id"] for item in dropi_order.lines] == ["9001"]
    assert [item["title"] for item in dropi_order.unresolved_lines] == ["Sin vínculo"]
    assert dropi_order.unresolved_count == 1
    assert dropi_order.address["province_code"] == "DC"
    assert dropi_order.phone.reveal() == "+573001234567"
    assert dropi_order.cash_on_delivery is True
    assert list(dropi_order.events.values_list("kind", flat=True)) == ["recorded"]


def test_the_bot_gets_dropi_ready_contact_fields(account, links):
    deliveries.flow_delivery_record_order(shop=SHOP, order=an_order())

    fields = contact_fields(account)
    assert json.loads(fields["pedido_dropi_json"]) == [
        {
            "product_id": "501",
            "variation_id": "9001",
            "quantity": 2,
            "price": "49950.00",
            "sku": "RJ-1",
            "title": "Reloj Negro",
        }
    ]
    assert fields["pedido_departamento"] == "CUNDINAMARCA"
    assert fields["pedido_departamento_codigo"] == "DC"
    assert fields["pedido_ciudad_dropi"] == "BOGOTA"
    assert fields["pedido_ciudad"] == "Bogotá"  # the existing field keeps the buyer's spelling
    assert fields["pedido_direccion1"] == "CALLE 80 # 10-20"
    assert fields["pedido_direccion2"] == "APTO 301"
    assert (fields["pedido_codigo_postal"], fields["pedido_pais"]) == ("110111", "CO")
    assert fields["pedido_nota"] == "Dejar en portería"
    assert fields["pedido_pasarela"] == "Cash on Delivery (COD)"
    assert fields["pedido_contra_entrega"] == "true"


def test_a_paid_order_is_not_cash_on_delivery(account, links):
    # Prepaid orders get the order flow only when the shop's rules say so.
    DeliveryRules.objects.create(shop=SHOP, payment_methods=["cod", "manual", "pending", "prepaid"])
    deliveries.flow_delivery_record_order(
        shop=SHOP,
        order=an_order(financial_status="paid", gateway="shopify_payments", payment_gateway_names=["shopify_payments"]),
    )

    assert DropiOrder.objects.get().cash_on_delivery is False
    assert contact_fields(account)["pedido_contra_entrega"] == "false"


def test_dropi_fields_the_account_lacks_are_reported_not_sent(ecomdrop_simulator, links):
    from simulators.ecomdrop import DEFAULT_CUSTOM_FIELDS

    fields = {key: value for key, value in DEFAULT_CUSTOM_FIELDS.items() if value[0] != "pedido_dropi_json"}
    account = ecomdrop_simulator.add_account(KEY, custom_fields=fields)
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, nuevo_pedido_flow_id="9001", installed_at=timezone.now())

    delivery, _ = deliveries.flow_delivery_record_order(shop=SHOP, order=an_order())

    delivery.refresh_from_db()
    assert delivery.state == FlowDelivery.Status.SENT
    assert delivery.contact["progress"]["missing_fields"] == ["pedido_dropi_json"]
    assert "pedido_dropi_json" not in contact_fields(account)


def test_a_very_large_order_sends_complete_json_of_the_lines_that_fit(links):
    order = DropiOrder(
        shop=SHOP,
        lines=[
            {
                "dropi_product_id": str(100000 + number),
                "dropi_variation_id": str(900000 + number),
                "quantity": 1,
                "price": "123456.00",
                "sku": f"SKU-LARGO-{number:04}",
                "title": "Un título de producto bastante largo " * 3,
            }
            for number in range(80)
        ],
        address={},
    )

    value = dropi_contact_field_values(order)["dropi_lines"]

    lines = json.loads(value)
    assert len(value) <= FIELD_LIMIT
    assert 0 < len(lines) < 80
    assert set(lines[0]) == {"product_id", "variation_id", "quantity", "price"}
    assert [entry["product_id"] for entry in lines] == [str(100000 + number) for number in range(len(lines))]
