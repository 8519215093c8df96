"""Import as a new Shopify product: ONE productSet call with the exact input (stock included),
the association and variant mappings saved after Shopify accepted, nothing saved when it
refuses; the shop's stock location looked up once and cached; without the inventory permission
or a location the product is created without stock and the merchant is told."""

import pytest

from connector.models import ShopifySession
from connector.shopify.graphql import load_document
from products.models import ProductAssociation, VariantMapping
from products.services.imports import import_lock
from products.tests.conftest import DROPI_TOKEN, SHOP, grant_scopes, graphql_operations
from simulators.dropi import dropi_product
from simulators.shopify_products import add_location, find_product, locations, primary_location

pytestmark = pytest.mark.django_db

CDN = "https://d39ru7awumhhs2.cloudfront.net/"


def create(api, product_id, **overrides):
    body = {
        "mode": "create",
        "dropi_product_id": str(product_id),
        "status": "DRAFT",
        "options": {"save_description": True, "save_images": True, "use_suggested_barcode": False},
        "price_rule": {"mode": "suggested", "rounding": "none"},
        # Publishing has its own tests (test_import_publish); here only productSet is looked at.
        "publish": {"online_store": False},
    }
    body.update(overrides)
    return api("/app/api/products/import", "POST", body)


def product_set_request(shopify_simulator):
    requests = shopify_simulator.requests_of("graphql:ProductSet")
    assert len(requests) == 1
    return requests[0].json()


def stock_of(location_id, quantity):
    return {
        "inventoryItem": {"tracked": True},
        "inventoryQuantities": [{"locationId": location_id, "name": "available", "quantity": quantity}],
    }


def test_a_simple_product_is_created_with_one_product_set_call(
    api, shop, dropi_simulator, shopify_simulator, location_known
):
    dropi_simulator.add_product(
        DROPI_TOKEN,
        dropi_product(
            name="Reloj inteligente",
            product_id=7001,
            sku="RJ-7001",
            description="<p>Resistente al agua</p>",
            images=2,
            sale_price="30000.00",
            suggested_price="59900.00",
            stock=75,
        ),
    )

    response = create(api, 7001, status="ACTIVE")

    assert response.status_code == 200, response.content
    body = response.json()
    sent = product_set_request(shopify_simulator)
    assert sent["query"] == load_document("product_set").text
    assert sent["operationName"] == "ProductSet"
    assert sent["variables"] == {
        "input": {
            "title": "Reloj inteligente",
            "status": "ACTIVE",
            "descriptionHtml": "<p>Resistente al agua</p>",
            "files": [
                {
                    "originalSource": f"{CDN}colombia/products/7001/1769700000%20foto%201.jpg",
                    "contentType": "IMAGE",
                    "alt": "Reloj inteligente",
                },
                {
                    "originalSource": f"{CDN}colombia/products/7001/1769700001%20foto%202.jpg",
                    "contentType": "IMAGE",
                    "alt": "Reloj inteligente",
                },
            ],
            "productOptions": [{"name": "Title", "position": 1, "values": [{"name": "Default Title"}]}],
            "variants": [
                {
                    "optionValues": [{"optionName": "Title", "name": "Default Title"}],
                    "price": "59900.00",
                    "sku": "RJ-7001",
                    **stock_of(location_known.id, 75),
                }
            ],
        }
    }
    assert graphql_operations(shopify_simulator) == ["ProductSet"]
    assert body["shopify_calls"] == 1
    association = ProductAssociation.objects.get(shop=SHOP)
    assert association.import_type == ProductAssociation.ImportType.CREATE
    assert association.shopify_product_id == body["shopify_product_id"]
    assert association.shopify_product_title == "Reloj inteligente"
    assert association.variant_mappings.count() == 0
    assert body["admin_url"] == f"https://{SHOP}/admin/products/{body['shopify_product_id'].rsplit('/', 1)[-1]}"
    stored = find_product(shopify_simulator, SHOP, body["shopify_product_id"])
    assert stored["status"] == "ACTIVE"
    assert len(stored["media"]) == 2
    assert stored["variants"][0]["tracked"] is True
    assert stored["variants"][0]["inventory"] == {location_known.id: 75}
    assert body["warnings"] == []


def test_variations_become_options_and_variants_with_prices_barcodes_and_mappings(
    api, shop, dropi_simulator, shopify_simulator
):
    product = dropi_simulator.add_product(
        DROPI_TOKEN, dropi_product(name="Camiseta", product_id=7002, variations=3, sale_price="20000.00")
    )
    variation_ids = [str(variation["id"]) for variation in product["variations"]]

    response = create(
        api,
        7002,
        options={"save_description": False, "save_images": False, "use_suggested_barcode": True},
        price_rule={"mode": "formula", "multiplier": "2", "amount": "1500", "rounding": "90"},
    )

    assert response.status_code == 200, response.content
    data = product_set_request(shopify_simulator)["variables"]["input"]
    assert "files" not in data
    assert "descriptionHtml" not in data
    assert data["status"] == "DRAFT"
    assert data["productOptions"] == [
        {"name": "Color", "position": 1, "values": [{"name": "Negro"}, {"name": "Blanco"}, {"name": "Rojo"}]},
        {"name": "Talla", "position": 2, "values": [{"name": "XS"}]},
    ]
    assert data["variants"][1] == {
        "optionValues": [{"optionName": "Color", "name": "Blanco"}, {"optionName": "Talla", "name": "XS"}],
        "price": "41500.90",
        "sku": "DRP-7002-2",
        "barcodes": [{"value": "DRP-7002-2"}],
        **stock_of(primary_location(shopify_simulator, SHOP)["id"], 40),
    }
    association = ProductAssociation.objects.get(shop=SHOP)
    mappings = list(association.variant_mappings.order_by("id"))
    assert [mapping.dropi_variation_id for mapping in mappings] == variation_ids
    stored = find_product(shopify_simulator, SHOP, association.shopify_product_id)
    assert [mapping.shopify_variant_id for mapping in mappings] == [variant["id"] for variant in stored["variants"]]
    assert [mapping.shopify_variant_title for mapping in mappings] == ["Negro / XS", "Blanco / XS", "Rojo / XS"]
    assert association.price_rule == {
        "mode": "formula",
        "multiplier": "2",
        "amount": "1500",
        "fixed_price": None,
        "rounding": "90",
    }
    assert association.use_suggested_barcode is True


def test_html_with_scripts_is_sanitised(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.add_product(
        DROPI_TOKEN,
        dropi_product(
            name="Lámpara",
            product_id=7003,
            description='<p onclick="steal()">Luz <b>cálida</b><script>alert(1)</script>'
            '<a href="javascript:alert(2)">ver</a><iframe src="https://evil.test"></iframe></p>',
        ),
    )

    create(api, 7003)

    description = product_set_request(shopify_simulator)["variables"]["input"]["descriptionHtml"]
    assert description == '<p>Luz <b>cálida</b><a rel="noopener noreferrer">ver</a></p>'


def test_a_product_without_images_or_variations_still_imports(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Sin fotos", product_id=7004, images=0))

    response = create(api, 7004)

    assert response.status_code == 200
    data = product_set_request(shopify_simulator)["variables"]["input"]
    assert "files" not in data
    assert len(data["variants"]) == 1
    assert response.json()["warnings"] == ["Este producto de Dropi no tiene imágenes."]


def test_a_product_with_100_variations_is_one_call(api, shop, dropi_simulator, shopify_simulator, location_known):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Zapatillas", product_id=7005, variations=100))

    response = create(api, 7005)

    assert response.status_code == 200, response.content
    assert len(product_set_request(shopify_simulator)["variables"]["input"]["variants"]) == 100
    assert graphql_operations(shopify_simulator) == ["ProductSet"]
    assert VariantMapping.objects.filter(association__shop=SHOP).count() == 100


def test_too_many_variants_is_shown_field_by_field_and_nothing_is_saved(api, shop, dropi_simulator, shopify_simulator):
    shopify_simulator.product_variant_limit = 50
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Zapatillas", product_id=7006, variations=100))

    response = create(api, 7006)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "shopify_user_errors"
    assert body["user_errors"] == [
        {
            "field": "input.variants",
            "label": "Variante",
            "message": "Input must have 50 variants or fewer",
            "code": "VARIANTS_OVER_LIMIT",
        }
    ]
    assert ProductAssociation.objects.count() == 0
    assert shopify_simulator.shop_data.get(SHOP, {}).get("products", []) == []


def test_a_variant_user_error_names_the_variant(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Camiseta", product_id=7007, variations=3))

    def refuse(simulator, shop_domain, variables):
        return {
            "productSet": {
                "product": None,
                "userErrors": [
                    {"field": ["input", "variants", "2", "price"], "message": "Price is too high", "code": "INVALID"}
                ],
            }
        }

    shopify_simulator.graphql_handlers["ProductSet"] = refuse

    response = create(api, 7007)

    assert response.status_code == 422
    assert response.json()["user_errors"][0]["label"] == "Variante 3 (Rojo / XS) · precio"
    assert ProductAssociation.objects.count() == 0


def test_a_variable_product_without_prices_asks_for_a_fixed_price(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.add_product(
        DROPI_TOKEN, dropi_product(name="Sin precio", product_id=7008, sale_price=None, suggested_price=None)
    )

    refused = create(api, 7008)
    fixed = create(api, 7008, price_rule={"mode": "fixed", "fixed_price": "49900", "rounding": "none"})

    assert refused.status_code == 400
    assert refused.json()["field"] == "price_rule.mode"
    assert fixed.status_code == 200
    assert product_set_request(shopify_simulator)["variables"]["input"]["variants"][0]["price"] == "49900.00"


def test_throttling_waits_and_continues(api, shop, dropi_simulator, shopify_simulator, location_known):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7009))
    bucket = shopify_simulator.bucket(SHOP)
    # 0.5 s to restore the 50 points: the first call is throttled however slow the machine is.
    bucket.restore_rate = 100.0
    bucket.empty()
    shopify_simulator.costs["ProductSet"] = 50

    response = create(api, 7009)

    assert response.status_code == 200
    assert shopify_simulator.count("graphql:ProductSet") == 2  # throttled once, then accepted
    assert response.json()["shopify_calls"] == 2
    assert ProductAssociation.objects.count() == 1


def test_shopify_down_saves_nothing(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7010))
    shopify_simulator.fail_next("graphql:ProductSet", status=503)

    response = create(api, 7010)

    assert response.status_code == 502
    assert response.json()["code"] == "shopify_unavailable"
    assert ProductAssociation.objects.count() == 0


def test_when_the_detail_endpoint_fails_the_catalogue_item_is_used(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7011, description="<p>Hola</p>"))
    dropi_simulator.detail_available = False
    api("/app/api/dropi/products")

    preview = api("/app/api/dropi/products/7011/preview", "POST", {"mode": "create"})
    response = create(api, 7011)

    assert preview.status_code == 200
    assert preview.json()["warnings"] == [
        "La página del producto en Dropi no respondió; se usan los datos de la lista del catálogo."
    ]
    assert response.status_code == 200
    assert product_set_request(shopify_simulator)["variables"]["input"]["descriptionHtml"] == "<p>Hola</p>"
    assert dropi_simulator.count("index") == 1


def test_when_the_detail_fails_and_nothing_is_cached_the_index_is_searched(api, shop, dropi_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7012))
    dropi_simulator.detail_available = False

    response = create(api, 7012)

    assert response.status_code == 200
    assert dropi_simulator.requests_of("index")[0].json()["keywords"] == "7012"


def test_an_unknown_dropi_product_is_404(api, shop, dropi_simulator, shopify_simulator):
    response = create(api, 999999)

    assert response.status_code == 404
    assert response.json()["code"] == "dropi_not_found"
    assert graphql_operations(shopify_simulator) == []


def test_an_expired_dropi_token_at_import_points_to_the_configuration(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.accounts.pop(DROPI_TOKEN)

    response = create(api, 7013)

    assert response.status_code == 400
    assert response.json()["code"] == "dropi_auth"
    assert graphql_operations(shopify_simulator) == []


def test_a_second_click_while_importing_is_refused(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7014))
    with import_lock(shop=SHOP, dropi_product_id="7014"):  # the first click's import
        response = create(api, 7014)

    assert response.status_code == 409
    assert response.json()["code"] == "import_in_progress"
    assert graphql_operations(shopify_simulator) == []


def test_bad_input_is_a_field_error(api, shop, dropi_simulator):
    assert create(api, "abc").json()["field"] == "dropi_product_id"
    assert create(api, 7001, status="PUBLISHED").json()["field"] == "status"
    assert create(api, 7001, price_rule={"mode": "keep"}).json()["field"] == "price_rule.mode"
    assert create(api, 7001, price_rule={"mode": "formula", "multiplier": "x"}).json()["field"] == (
        "price_rule.multiplier"
    )
    assert api("/app/api/products/import", "POST", {"mode": "copy"}).json()["field"] == "mode"


def test_dropi_down_at_import_saves_nothing_and_calls_no_shopify(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.fail_next("detail", status=503)
    dropi_simulator.fail_next("index", status=503)

    response = create(api, 7015)

    assert response.status_code == 502
    assert response.json()["code"] == "dropi_unavailable"
    assert graphql_operations(shopify_simulator) == []
    assert ProductAssociation.objects.count() == 0


def test_rate_limited_at_import_pauses_and_saves_nothing(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.block()

    first = create(api, 7016)
    second = create(api, 7016)

    assert (first.status_code, second.status_code) == (429, 429)
    assert dropi_simulator.count("detail") == 1  # the second attempt never reached Dropi
    assert graphql_operations(shopify_simulator) == []
    assert ProductAssociation.objects.count() == 0


# --------------------------------------------------------------------------- stock
def test_each_variant_gets_the_stock_of_its_dropi_variation(api, shop, dropi_simulator, shopify_simulator):
    product = dropi_simulator.add_product(
        DROPI_TOKEN, dropi_product(name="Camiseta", product_id=7101, variations=3, sale_price="20000.00")
    )
    for variation, stock in zip(product["variations"], (5, 0, 17), strict=True):
        variation["stock"] = stock

    response = create(api, 7101)

    assert response.status_code == 200, response.content
    location = primary_location(shopify_simulator, SHOP)["id"]
    data = product_set_request(shopify_simulator)["variables"]["input"]
    assert [variant["inventoryQuantities"] for variant in data["variants"]] == [
        [{"locationId": location, "name": "available", "quantity": quantity}] for quantity in (5, 0, 17)
    ]
    stored = find_product(shopify_simulator, SHOP, response.json()["shopify_product_id"])
    assert [variant["inventory"] for variant in stored["variants"]] == [{location: 5}, {location: 0}, {location: 17}]
    assert all(variant["tracked"] for variant in stored["variants"])


def test_the_location_is_looked_up_once_per_shop_and_cached(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7102))
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Gorra", product_id=7103))

    first = create(api, 7102)
    second = create(api, 7103)

    assert (first.status_code, second.status_code) == (200, 200)
    assert graphql_operations(shopify_simulator) == ["LocationPrimary", "ProductSet", "ProductSet"]
    assert shopify_simulator.requests_of("graphql:LocationPrimary")[0].json()["query"] == (
        load_document("location_primary").text
    )
    assert (first.json()["shopify_calls"], second.json()["shopify_calls"]) == (2, 1)


def test_an_inactive_primary_location_gives_way_to_an_active_one(api, shop, dropi_simulator, shopify_simulator):
    primary_location(shopify_simulator, SHOP)["isActive"] = False
    add_location(shopify_simulator, SHOP, "Bodega sin envíos", online=False)
    online = add_location(shopify_simulator, SHOP, "Bodega Medellín")
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7104, stock=9))

    response = create(api, 7104)

    assert response.status_code == 200, response.content
    variant = product_set_request(shopify_simulator)["variables"]["input"]["variants"][0]
    assert variant["inventoryQuantities"] == [{"locationId": online["id"], "name": "available", "quantity": 9}]


def test_a_shop_without_an_active_location_gets_the_product_without_stock(
    api, shop, dropi_simulator, shopify_simulator
):
    locations(shopify_simulator, SHOP).clear()
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7105))

    response = create(api, 7105)

    assert response.status_code == 200, response.content
    variant = product_set_request(shopify_simulator)["variables"]["input"]["variants"][0]
    assert "inventoryQuantities" not in variant
    assert "inventoryItem" not in variant
    assert response.json()["warnings"] == [
        "El stock no se escribió en Shopify: la tienda no tiene ninguna ubicación activa."
    ]
    assert ProductAssociation.objects.count() == 1


def test_a_stored_scope_without_write_inventory_skips_the_stock_without_asking_shopify(
    api, shop, dropi_simulator, shopify_simulator
):
    ShopifySession.objects.filter(shop=SHOP).update(scope="read_products,write_products")
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7106))

    response = create(api, 7106)

    assert response.status_code == 200, response.content
    assert graphql_operations(shopify_simulator) == ["ProductSet"]
    assert "inventoryQuantities" not in product_set_request(shopify_simulator)["variables"]["input"]["variants"][0]
    assert "write_inventory" in response.json()["warnings"][0]
    assert response.json()["warnings"][0].startswith("El stock no se escribió en Shopify")


def test_shopify_denying_the_locations_query_creates_the_product_without_stock(
    api, shop, dropi_simulator, shopify_simulator
):
    grant_scopes(shopify_simulator, "read_products,write_products")
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7107))

    response = create(api, 7107)

    assert response.status_code == 200, response.content
    assert graphql_operations(shopify_simulator) == ["LocationPrimary", "ProductSet"]
    assert "inventoryQuantities" not in product_set_request(shopify_simulator)["variables"]["input"]["variants"][0]
    assert "write_inventory" in response.json()["warnings"][0]
    assert ProductAssociation.objects.count() == 1


def test_shopify_denying_the_stock_creates_the_product_without_it(api, shop, dropi_simulator, shopify_simulator):
    grant_scopes(shopify_simulator, "read_products,write_products,read_locations")
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7108))

    response = create(api, 7108)

    assert response.status_code == 200, response.content
    assert graphql_operations(shopify_simulator) == ["LocationPrimary", "ProductSet", "ProductSet"]
    refused, accepted = (
        request.json()["variables"]["input"] for request in shopify_simulator.requests_of("graphql:ProductSet")
    )
    assert "inventoryQuantities" in refused["variants"][0]
    assert "inventoryQuantities" not in accepted["variants"][0]
    assert "write_inventory" in response.json()["warnings"][0]
    assert len(shopify_simulator.shop_data[SHOP]["products"]) == 1  # the refused call created nothing
    assert ProductAssociation.objects.count() == 1


def test_a_location_deactivated_since_it_was_cached_is_forgotten(
    api, shop, dropi_simulator, shopify_simulator, location_known
):
    primary_location(shopify_simulator, SHOP)["isActive"] = False
    bodega = add_location(shopify_simulator, SHOP, "Bodega Cali")
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7109))
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Gorra", product_id=7110))

    first = create(api, 7109)
    second = create(api, 7110)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["warnings"] == [
        "Shopify no aceptó el stock (Location not found), así que el producto se guardó sin él."
    ]
    assert graphql_operations(shopify_simulator) == ["ProductSet", "ProductSet", "LocationPrimary", "ProductSet"]
    last = shopify_simulator.requests_of("graphql:ProductSet")[-1].json()["variables"]["input"]["variants"][0]
    assert last["inventoryQuantities"][0]["locationId"] == bodega["id"]
    assert second.json()["warnings"] == []


def test_a_refusal_about_the_stock_and_other_fields_is_shown_field_by_field(
    api, shop, dropi_simulator, shopify_simulator
):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Camiseta", product_id=7111, variations=2))

    def refuse(simulator, shop_domain, variables):
        return {
            "productSet": {
                "product": None,
                "userErrors": [
                    {
                        "field": ["input", "variants", "1", "inventoryQuantities", "0", "locationId"],
                        "message": "Location not found",
                        "code": "NOT_FOUND",
                    },
                    {"field": ["input", "title"], "message": "Title is too long", "code": "INVALID_INPUT"},
                ],
            }
        }

    shopify_simulator.graphql_handlers["ProductSet"] = refuse

    response = create(api, 7111)

    assert response.status_code == 422
    assert [error["label"] for error in response.json()["user_errors"]] == [
        "Variante 2 (Blanco / XS) · stock 1 · ubicación",
        "Título",
    ]
    assert shopify_simulator.count("graphql:ProductSet") == 1  # no second attempt without the stock
    assert ProductAssociation.objects.count() == 0


def test_shopify_down_while_finding_the_location_saves_nothing(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7112))
    shopify_simulator.fail_next("graphql:LocationPrimary", status=503)

    response = create(api, 7112)

    assert response.status_code == 502
    assert response.json()["code"] == "shopify_unavailable"
    assert shopify_simulator.count("graphql:ProductSet") == 0
    assert ProductAssociation.objects.count() == 0


def test_creating_a_dropi_product_already_in_shopify_asks_first(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Lámpara", product_id=7201))
    first = create(api, 7201)
    shopify_simulator.requests.clear()

    again = create(api, 7201)

    assert again.status_code == 409
    assert again.json()["code"] == "already_imported"
    assert "Lámpara" in again.json()["error"]
    assert graphql_operations(shopify_simulator) == []  # nothing sent to Shopify
    assert ProductAssociation.objects.filter(shop=SHOP, dropi_product_id="7201").count() == 1

    confirmed = create(api, 7201, allow_duplicate=True)

    assert confirmed.status_code == 200
    assert confirmed.json()["shopify_product_id"] != first.json()["shopify_product_id"]
    assert ProductAssociation.objects.filter(shop=SHOP, dropi_product_id="7201").count() == 2
