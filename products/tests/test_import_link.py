"""Link to an existing Shopify product: the picker (search + cursors), the variant mapping,
two Shopify calls (ProductGet + one productSet) with the exact input once the shop's stock
location is known, Dropi's stock on the mapped variants stocked there, upserts."""

import pytest

from connector.models import ShopifySession
from connector.shopify.graphql import load_document
from products.models import ProductAssociation, VariantMapping
from products.tests.conftest import DROPI_TOKEN, OTHER_SHOP, SHOP, graphql_operations
from simulators import shopify_products
from simulators.dropi import dropi_product
from simulators.shopify_products import add_location, add_product, delete_product, find_product

pytestmark = pytest.mark.django_db

CDN = "https://d39ru7awumhhs2.cloudfront.net/"


@pytest.fixture
def camiseta(shopify_simulator):
    """A Shopify product with three colour variants and one image."""
    return add_product(
        shopify_simulator,
        SHOP,
        title="Camiseta básica",
        media=1,
        variants=[
            {"options": {"Color": color}, "price": "35000.00", "sku": f"CB-{color}"}
            for color in ("Negro", "Blanco", "Rojo")
        ],
    )


@pytest.fixture
def dropi_camiseta(dropi_simulator):
    return dropi_simulator.add_product(
        DROPI_TOKEN,
        dropi_product(
            name="Camiseta algodón premium",
            product_id=8001,
            variations=2,
            images=1,
            description="<p>Algodón</p>",
            sale_price="18000.00",
            suggested_price="39900.00",
        ),
    )


def link(api, shopify_product_id, **overrides):
    body = {
        "mode": "link",
        "dropi_product_id": "8001",
        "shopify_product_id": shopify_product_id,
        "variant_mappings": [],
        "options": {
            "save_name": True,
            "save_description": True,
            "save_images": True,
            "replace_images": True,
            "use_suggested_barcode": False,
        },
        "price_rule": {"mode": "keep"},
    }
    body.update(overrides)
    return api("/app/api/products/import", "POST", body)


def test_the_picker_searches_and_pages_with_cursors(api, shop, shopify_simulator):
    for number in range(13):
        add_product(shopify_simulator, SHOP, title=f"Camiseta {number:02d}")
    add_product(shopify_simulator, SHOP, title="Gorra")

    first = api("/app/api/shopify/products", q="camiseta").json()
    second = api("/app/api/shopify/products", q="camiseta", after=first["page_info"]["endCursor"]).json()
    back = api("/app/api/shopify/products", q="camiseta", before=second["page_info"]["startCursor"]).json()
    everything = api("/app/api/shopify/products").json()

    assert len(first["products"]) == 10
    assert first["page_info"]["hasNextPage"] is True
    assert len(second["products"]) == 3
    assert second["page_info"]["hasNextPage"] is False
    assert [product["id"] for product in back["products"]] == [product["id"] for product in first["products"]]
    assert everything["products"][0]["title"] == "Gorra"
    requests = shopify_simulator.requests_of("graphql:ProductsSearch")
    assert requests[0].json()["query"] == load_document("products_search").text
    assert requests[0].json()["variables"] == {
        "query": "camiseta*",
        "sortKey": "RELEVANCE",
        "reverse": False,
        "first": 10,
    }
    assert requests[2].json()["variables"]["last"] == 10
    assert requests[3].json()["variables"] == {"query": None, "sortKey": "UPDATED_AT", "reverse": True, "first": 10}


def test_search_syntax_typed_by_the_merchant_is_neutralised(api, shop, shopify_simulator):
    api("/app/api/shopify/products", q='title:"x" OR (vendor:y) -z')

    variables = shopify_simulator.requests_of("graphql:ProductsSearch")[0].json()["variables"]
    assert variables["query"] == "title* x* vendor* y*"


def test_the_variants_of_the_chosen_product_are_listed(api, shop, shopify_simulator, camiseta):
    number = camiseta["id"].rsplit("/", 1)[-1]

    body = api(f"/app/api/shopify/products/{number}").json()

    assert body["product"]["title"] == "Camiseta básica"
    assert [variant["title"] for variant in body["product"]["variants"]] == ["Negro", "Blanco", "Rojo"]
    assert body["product"]["media_count"] == 1


def stock_of(location_id, quantity):
    return {
        "inventoryItem": {"tracked": True},
        "inventoryQuantities": [{"locationId": location_id, "name": "available", "quantity": quantity}],
    }


def number(gid):
    return gid.rsplit("/", 1)[-1]


def test_link_with_a_variant_mapping_is_two_calls_and_saves_the_mapping(
    api, shop, shopify_simulator, camiseta, dropi_camiseta, location_known
):
    variations = [str(variation["id"]) for variation in dropi_camiseta["variations"]]
    negro, blanco, rojo = (variant["id"] for variant in camiseta["variants"])

    response = link(
        api,
        camiseta["id"],
        variant_mappings=[
            {"dropi_variation_id": variations[0], "shopify_variant_id": negro},
            {"dropi_variation_id": variations[1], "shopify_variant_id": blanco},
        ],
        options={
            "save_name": True,
            "save_description": True,
            "save_images": True,
            "replace_images": True,
            "use_suggested_barcode": True,
        },
        price_rule={"mode": "formula", "multiplier": "2", "amount": "0", "rounding": "00"},
    )

    assert response.status_code == 200, response.content
    assert graphql_operations(shopify_simulator) == ["ProductGet", "ProductSet"]
    assert response.json()["shopify_calls"] == 2
    detail = shopify_simulator.requests_of("graphql:ProductGet")[0].json()
    assert detail["query"] == load_document("product_get").text
    assert detail["variables"] == {
        "id": camiseta["id"],
        "withStocked": True,
        "stockedQuery": f"product_id:{number(camiseta['id'])} location_id:{number(location_known.id)}",
    }
    sent = shopify_simulator.requests_of("graphql:ProductSet")[0].json()
    assert sent["query"] == load_document("product_set").text
    option = camiseta["options"][0]
    assert sent["variables"] == {
        "identifier": {"id": camiseta["id"]},
        "input": {
            "title": "Camiseta algodón premium",
            "descriptionHtml": "<p>Algodón</p>",
            "files": [
                {
                    "originalSource": f"{CDN}colombia/products/8001/1769700000%20foto%201.jpg",
                    "contentType": "IMAGE",
                    "alt": "Camiseta algodón premium",
                }
            ],
            "productOptions": [
                {
                    "id": option["id"],
                    "name": "Color",
                    "values": [{"id": value["id"], "name": value["name"]} for value in option["optionValues"]],
                }
            ],
            "variants": [
                {
                    "id": negro,
                    "optionValues": [{"optionName": "Color", "name": "Negro"}],
                    "price": "36000.00",
                    "barcodes": [{"value": "DRP-8001-1"}],
                    **stock_of(location_known.id, 60),
                },
                {
                    "id": blanco,
                    "optionValues": [{"optionName": "Color", "name": "Blanco"}],
                    "price": "36000.00",
                    "barcodes": [{"value": "DRP-8001-2"}],
                    **stock_of(location_known.id, 60),
                },
                {"id": rojo, "optionValues": [{"optionName": "Color", "name": "Rojo"}]},
            ],
        },
    }
    stored = find_product(shopify_simulator, SHOP, camiseta["id"])
    assert stored["title"] == "Camiseta algodón premium"
    assert [variant["price"] for variant in stored["variants"]] == ["36000.00", "36000.00", "35000.00"]
    assert [variant["inventory"] for variant in stored["variants"]] == [
        {location_known.id: 60},
        {location_known.id: 60},
        {location_known.id: 0},
    ]
    assert len(stored["media"]) == 1  # the old image was replaced
    association = ProductAssociation.objects.get(shop=SHOP)
    assert association.import_type == ProductAssociation.ImportType.LINK
    assert association.shopify_product_title == "Camiseta algodón premium"  # the title after the change
    assert association.replace_images is True
    assert list(association.variant_mappings.values_list("dropi_variation_id", "shopify_variant_id")) == [
        (variations[0], negro),
        (variations[1], blanco),
    ]
    assert response.json()["association"]["mapping_count"] == 2


def test_without_replace_the_dropi_images_are_added_to_the_existing_ones(
    api, shop, shopify_simulator, camiseta, dropi_camiseta
):
    existing = camiseta["media"][0]["id"]

    link(api, camiseta["id"], options={"save_name": False, "save_images": True, "replace_images": False})

    data = shopify_simulator.requests_of("graphql:ProductSet")[0].json()["variables"]["input"]
    assert data["files"][0] == {"id": existing}
    assert data["files"][1]["contentType"] == "IMAGE"
    assert "title" not in data
    assert "variants" not in data
    stored = find_product(shopify_simulator, SHOP, camiseta["id"])
    assert stored["title"] == "Camiseta básica"
    assert next(item["id"] for item in stored["media"]) == existing
    assert len(stored["media"]) == 2
    assert ProductAssociation.objects.get().shopify_product_title == "Camiseta básica"


def test_linking_the_same_pair_again_updates_instead_of_duplicating(
    api, shop, shopify_simulator, camiseta, dropi_camiseta
):
    variations = [str(variation["id"]) for variation in dropi_camiseta["variations"]]
    negro, blanco, _rojo = (variant["id"] for variant in camiseta["variants"])
    first = link(
        api, camiseta["id"], variant_mappings=[{"dropi_variation_id": variations[0], "shopify_variant_id": negro}]
    )

    second = link(
        api,
        camiseta["id"],
        variant_mappings=[{"dropi_variation_id": variations[1], "shopify_variant_id": blanco}],
        options={"save_name": False, "save_description": False, "save_images": False},
    )

    assert first.json()["created"] is True
    assert second.status_code == 200
    assert second.json()["created"] is False
    assert second.json()["message"] == "Se actualizó la asociación existente."
    assert ProductAssociation.objects.filter(shop=SHOP).count() == 1
    association = ProductAssociation.objects.get(shop=SHOP)
    assert association.save_dropi_name is False
    assert list(association.variant_mappings.values_list("dropi_variation_id", flat=True)) == [variations[1]]


def test_a_simple_dropi_product_prices_every_shopify_variant(api, shop, shopify_simulator, camiseta, dropi_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Gorra", product_id=8001, sale_price="10000.00"))

    response = link(
        api,
        camiseta["id"],
        options={"save_name": False, "save_description": False, "save_images": False},
        price_rule={"mode": "fixed", "fixed_price": "29900", "rounding": "none"},
    )

    assert response.status_code == 200, response.content
    stored = find_product(shopify_simulator, SHOP, camiseta["id"])
    assert {variant["price"] for variant in stored["variants"]} == {"29900.00"}
    assert {tuple(variant["inventory"].values()) for variant in stored["variants"]} == {(0,)}  # stock untouched
    assert response.json()["warnings"] == [
        "El stock no se escribió: este producto de Dropi no tiene variaciones y el producto de Shopify tiene 3 "
        "variantes. Vincúlalo a un producto con una sola variante para sincronizar el stock."
    ]
    assert ProductAssociation.objects.get().custom_price == "29900"


def test_nothing_to_change_is_a_single_read(api, shop, shopify_simulator, camiseta, dropi_camiseta):
    response = link(api, camiseta["id"], options={"save_name": False, "save_description": False, "save_images": False})

    assert response.status_code == 200
    assert graphql_operations(shopify_simulator) == ["ProductGet"]
    assert ProductAssociation.objects.get().shopify_product_title == "Camiseta básica"


def test_a_product_deleted_meanwhile_is_a_clear_error_and_nothing_is_saved(
    api, shop, shopify_simulator, camiseta, dropi_camiseta
):
    delete_product(shopify_simulator, SHOP, camiseta["id"])

    response = link(api, camiseta["id"])

    assert response.status_code == 404
    assert response.json()["code"] == "shopify_product_missing"
    assert graphql_operations(shopify_simulator) == ["ProductGet"]
    assert ProductAssociation.objects.count() == 0


def test_a_product_deleted_between_the_read_and_the_write_saves_nothing(
    api, shop, shopify_simulator, camiseta, dropi_camiseta
):
    def read_then_delete(simulator, shop_domain, variables):
        answer = shopify_products.product_get(simulator, shop_domain, variables)
        delete_product(simulator, shop_domain, variables["id"])
        return answer

    shopify_simulator.graphql_handlers["ProductGet"] = read_then_delete

    response = link(api, camiseta["id"])

    assert response.status_code == 404
    assert response.json()["code"] == "shopify_product_missing"
    assert ProductAssociation.objects.count() == 0


def test_forged_variant_ids_are_refused_before_anything_changes(api, shop, shopify_simulator, camiseta, dropi_camiseta):
    elsewhere = add_product(shopify_simulator, SHOP, title="Otro", variants=[{"options": {"Talla": "M"}}])
    variation = str(dropi_camiseta["variations"][0]["id"])

    foreign_variant = link(
        api,
        camiseta["id"],
        variant_mappings=[{"dropi_variation_id": variation, "shopify_variant_id": elsewhere["variants"][0]["id"]}],
    )
    foreign_variation = link(
        api,
        camiseta["id"],
        variant_mappings=[{"dropi_variation_id": "123", "shopify_variant_id": camiseta["variants"][0]["id"]}],
    )
    twice = link(
        api,
        camiseta["id"],
        variant_mappings=[
            {"dropi_variation_id": variation, "shopify_variant_id": camiseta["variants"][0]["id"]},
            {"dropi_variation_id": variation, "shopify_variant_id": camiseta["variants"][1]["id"]},
        ],
    )

    assert (foreign_variant.status_code, foreign_variant.json()["field"]) == (400, "variant_mappings.0")
    assert foreign_variation.json()["code"] == "unknown_variation"
    assert twice.json()["code"] == "duplicate_mapping"
    assert shopify_simulator.count("graphql:ProductSet") == 0
    assert ProductAssociation.objects.count() == 0


def test_another_shops_product_is_not_found(api, shop, other_shop, shopify_simulator, dropi_camiseta):
    theirs = add_product(shopify_simulator, OTHER_SHOP, title="De otra tienda")

    response = link(api, theirs["id"])

    assert response.status_code == 404
    assert find_product(shopify_simulator, OTHER_SHOP, theirs["id"])["title"] == "De otra tienda"
    assert ProductAssociation.objects.count() == 0


def test_a_refused_link_names_the_variant_and_saves_nothing(api, shop, shopify_simulator, camiseta, dropi_camiseta):
    variation = str(dropi_camiseta["variations"][0]["id"])

    def refuse(simulator, shop_domain, variables):
        return {
            "productSet": {
                "product": None,
                "userErrors": [
                    {"field": ["input", "variants", "0", "barcodes"], "message": "Barcode is taken", "code": "TAKEN"},
                    {"field": ["input", "title"], "message": "Title is too long", "code": "TOO_LONG"},
                ],
            }
        }

    shopify_simulator.graphql_handlers["ProductSet"] = refuse

    response = link(
        api,
        camiseta["id"],
        variant_mappings=[{"dropi_variation_id": variation, "shopify_variant_id": camiseta["variants"][0]["id"]}],
        options={"save_name": True, "use_suggested_barcode": True},
    )

    assert response.status_code == 422
    assert [(error["label"], error["message"]) for error in response.json()["user_errors"]] == [
        ("Variante 1 (Negro) · código de barras", "Barcode is taken"),
        ("Título", "Title is too long"),
    ]
    assert ProductAssociation.objects.count() == 0
    assert VariantMapping.objects.count() == 0


def test_a_link_needs_a_shopify_product(api, shop, dropi_camiseta):
    response = link(api, "")

    assert response.status_code == 400
    assert response.json()["field"] == "shopify_product_id"


# --------------------------------------------------------------------------- stock
def test_the_first_link_of_a_shop_looks_up_its_location(api, shop, shopify_simulator, camiseta, dropi_camiseta):
    variation = str(dropi_camiseta["variations"][0]["id"])
    mapping = [{"dropi_variation_id": variation, "shopify_variant_id": camiseta["variants"][0]["id"]}]

    first = link(api, camiseta["id"], variant_mappings=mapping)
    second = link(api, camiseta["id"], variant_mappings=mapping)

    assert (first.json()["shopify_calls"], second.json()["shopify_calls"]) == (3, 2)
    assert graphql_operations(shopify_simulator) == [
        "LocationPrimary",
        "ProductGet",
        "ProductSet",
        "ProductGet",
        "ProductSet",
    ]


def test_each_mapped_variant_gets_the_stock_of_its_dropi_variation(
    api, shop, shopify_simulator, dropi_simulator, location_known
):
    target = add_product(
        shopify_simulator,
        SHOP,
        title="Camiseta",
        variants=[
            {"options": {"Color": color}, "price": "35000.00", "tracked": False, "inventory": {location_known.id: 3}}
            for color in ("Negro", "Blanco", "Rojo")
        ],
    )
    product = dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Camiseta", product_id=8001, variations=2))
    product["variations"][0]["stock"], product["variations"][1]["stock"] = 12, 0
    negro, blanco, rojo = (variant["id"] for variant in target["variants"])

    response = link(
        api,
        target["id"],
        variant_mappings=[
            {"dropi_variation_id": str(product["variations"][0]["id"]), "shopify_variant_id": rojo},
            {"dropi_variation_id": str(product["variations"][1]["id"]), "shopify_variant_id": negro},
        ],
        options={"save_name": False, "save_description": False, "save_images": False},
    )

    assert response.status_code == 200, response.content
    assert response.json()["warnings"] == []
    variants = shopify_simulator.requests_of("graphql:ProductSet")[0].json()["variables"]["input"]["variants"]
    assert variants == [
        {"id": negro, "optionValues": [{"optionName": "Color", "name": "Negro"}], **stock_of(location_known.id, 0)},
        {"id": blanco, "optionValues": [{"optionName": "Color", "name": "Blanco"}]},
        {"id": rojo, "optionValues": [{"optionName": "Color", "name": "Rojo"}], **stock_of(location_known.id, 12)},
    ]
    stored = find_product(shopify_simulator, SHOP, target["id"])
    assert [(variant["tracked"], variant["inventory"]) for variant in stored["variants"]] == [
        (True, {location_known.id: 0}),
        (False, {location_known.id: 3}),
        (True, {location_known.id: 12}),
    ]


def test_a_variant_not_stocked_at_the_location_keeps_its_stock(
    api, shop, shopify_simulator, camiseta, dropi_camiseta, location_known
):
    elsewhere = add_location(shopify_simulator, SHOP, "Bodega Cali")
    camiseta["variants"][1]["inventory"] = {elsewhere["id"]: 4}
    variations = [str(variation["id"]) for variation in dropi_camiseta["variations"]]
    negro, blanco, _rojo = (variant["id"] for variant in camiseta["variants"])

    response = link(
        api,
        camiseta["id"],
        variant_mappings=[
            {"dropi_variation_id": variations[0], "shopify_variant_id": negro},
            {"dropi_variation_id": variations[1], "shopify_variant_id": blanco},
        ],
        options={"save_name": False, "save_description": False, "save_images": False},
    )

    assert response.status_code == 200, response.content
    assert response.json()["warnings"] == [
        "La variante Blanco no tiene inventario en “Shop location” en Shopify, así que su stock no cambió."
    ]
    stored = find_product(shopify_simulator, SHOP, camiseta["id"])
    assert [variant["inventory"] for variant in stored["variants"][:2]] == [
        {location_known.id: 60},
        {elsewhere["id"]: 4},
    ]
    assert VariantMapping.objects.count() == 2


def test_a_simple_dropi_product_sets_the_stock_of_a_single_variant_product(
    api, shop, shopify_simulator, dropi_simulator, location_known
):
    target = add_product(shopify_simulator, SHOP, title="Reloj")
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=8001, stock=33))

    response = link(api, target["id"], options={"save_name": False, "save_description": False, "save_images": False})

    assert response.status_code == 200, response.content
    assert graphql_operations(shopify_simulator) == ["ProductGet", "ProductSet"]
    assert find_product(shopify_simulator, SHOP, target["id"])["variants"][0]["inventory"] == {location_known.id: 33}


def test_linking_without_the_inventory_permission_changes_everything_but_the_stock(
    api, shop, shopify_simulator, camiseta, dropi_camiseta
):
    ShopifySession.objects.filter(shop=SHOP).update(scope="read_products,write_products")
    variation = str(dropi_camiseta["variations"][0]["id"])

    response = link(
        api,
        camiseta["id"],
        variant_mappings=[{"dropi_variation_id": variation, "shopify_variant_id": camiseta["variants"][0]["id"]}],
        price_rule={"mode": "fixed", "fixed_price": "39900", "rounding": "none"},
    )

    assert response.status_code == 200, response.content
    assert graphql_operations(shopify_simulator) == ["ProductGet", "ProductSet"]
    assert shopify_simulator.requests_of("graphql:ProductGet")[0].json()["variables"] == {"id": camiseta["id"]}
    variant = shopify_simulator.requests_of("graphql:ProductSet")[0].json()["variables"]["input"]["variants"][0]
    assert variant["price"] == "39900.00"
    assert "inventoryQuantities" not in variant
    assert "write_inventory" in response.json()["warnings"][0]
    assert find_product(shopify_simulator, SHOP, camiseta["id"])["variants"][0]["price"] == "39900.00"
