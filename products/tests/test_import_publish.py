"""A product created by "Crear producto nuevo" is put on sale: after productSet, the shop's
publications are listed and ONE publishablePublish puts the product on the Online Store (and
the other channels ticked in the dialog). Without ``write_publications`` the product is still
created and saved, and the message says how to grant the permission. Linking leaves the
product's channels alone."""

import pytest

from connector.models import ShopifySession
from connector.shopify.graphql import load_document
from products.models import ProductAssociation
from products.tests.conftest import DROPI_TOKEN, SHOP, grant_scopes, graphql_operations
from products.tests.test_import_link import camiseta, dropi_camiseta, link  # noqa: F401
from simulators.dropi import dropi_product
from simulators.shopify_products import find_product
from simulators.shopify_publications import add_publication, publication_named

pytestmark = pytest.mark.django_db

SCOPES_WITHOUT_PUBLICATIONS = "read_products,write_products,read_orders,write_orders,read_locations,write_inventory"


@pytest.fixture
def reloj(dropi_simulator):
    dropi_simulator.add_product(
        DROPI_TOKEN, dropi_product(name="Reloj inteligente", product_id=7001, sale_price="30000.00", stock=5)
    )
    return "7001"


def create(api, product_id, **overrides):
    body = {
        "mode": "create",
        "dropi_product_id": product_id,
        "status": "ACTIVE",
        "price_rule": {"mode": "suggested", "rounding": "none"},
    }
    body.update(overrides)
    return api("/app/api/products/import", "POST", body)


def publish_request(shopify_simulator):
    requests = shopify_simulator.requests_of("graphql:PublishablePublish")
    assert len(requests) == 1
    return requests[0].json()


def test_a_created_product_is_published_to_the_online_store_by_default(
    api, shop, reloj, shopify_simulator, location_known
):
    response = create(api, reloj)

    assert response.status_code == 200, response.content
    body = response.json()
    online_store = publication_named(shopify_simulator, SHOP, "Online Store")
    assert graphql_operations(shopify_simulator) == ["ProductSet", "PublicationsList", "PublishablePublish"]
    sent = publish_request(shopify_simulator)
    assert sent["query"] == load_document("publishable_publish").text
    assert sent["variables"] == {"id": body["shopify_product_id"], "input": [{"publicationId": online_store["id"]}]}
    assert find_product(shopify_simulator, SHOP, body["shopify_product_id"])["publications"] == [online_store["id"]]
    assert body["published_to"] == ["Online Store"]
    assert body["message"] == "Producto creado en Shopify y puesto a la venta en: Online Store."
    assert body["warnings"] == []
    assert body["shopify_calls"] == 3


def test_other_channels_ticked_in_the_dialog_are_published_too(api, shop, reloj, shopify_simulator, location_known):
    shop_app = add_publication(shopify_simulator, SHOP, "Shop")
    point_of_sale = publication_named(shopify_simulator, SHOP, "Point of Sale")

    response = create(api, reloj, publish={"online_store": True, "publication_ids": [shop_app["id"]]})

    assert response.status_code == 200, response.content
    online_store = publication_named(shopify_simulator, SHOP, "Online Store")
    assert publish_request(shopify_simulator)["variables"]["input"] == [
        {"publicationId": online_store["id"]},
        {"publicationId": shop_app["id"]},
    ]
    assert response.json()["published_to"] == ["Online Store", "Shop"]
    stored = find_product(shopify_simulator, SHOP, response.json()["shopify_product_id"])
    assert point_of_sale["id"] not in stored["publications"]


def test_unticking_every_channel_publishes_nothing(api, shop, reloj, shopify_simulator, location_known):
    response = create(api, reloj, publish={"online_store": False, "publication_ids": []})

    assert response.status_code == 200, response.content
    assert graphql_operations(shopify_simulator) == ["ProductSet"]
    assert response.json()["message"] == "Producto creado en Shopify."
    assert response.json()["published_to"] == []


def test_a_publication_the_shop_does_not_have_is_ignored(api, shop, reloj, shopify_simulator, location_known):
    response = create(api, reloj, publish={"online_store": False, "publication_ids": ["gid://shopify/Publication/999"]})

    assert response.status_code == 200, response.content
    assert graphql_operations(shopify_simulator) == ["ProductSet", "PublicationsList"]
    assert response.json()["published_to"] == []


def test_without_the_scope_the_product_is_created_and_the_message_says_how_to_grant_it(
    api, shop, reloj, shopify_simulator, location_known
):
    grant_scopes(shopify_simulator, SCOPES_WITHOUT_PUBLICATIONS)

    response = create(api, reloj)

    assert response.status_code == 200, response.content
    body = response.json()
    assert graphql_operations(shopify_simulator) == ["ProductSet", "PublicationsList"]  # Shopify said ACCESS_DENIED
    assert ProductAssociation.objects.filter(shop=SHOP, shopify_product_id=body["shopify_product_id"]).exists()
    assert body["message"] == "Producto creado en Shopify."
    assert body["published_to"] == []
    [warning] = body["warnings"]
    assert "write_publications" in warning
    assert "Vuelve a abrir la app desde el administrador de Shopify para aceptarlo" in warning
    assert find_product(shopify_simulator, SHOP, body["shopify_product_id"]).get("publications", []) == []


def test_a_stored_scope_without_write_publications_asks_shopify_nothing(
    api, shop, reloj, shopify_simulator, location_known
):
    ShopifySession.objects.filter(shop=SHOP).update(scope=SCOPES_WITHOUT_PUBLICATIONS)

    response = create(api, reloj)

    assert response.status_code == 200, response.content
    assert "PublicationsList" not in graphql_operations(shopify_simulator)
    assert "write_publications" in response.json()["warnings"][0]


def test_shopify_down_at_the_publish_keeps_the_product_and_says_to_check(
    api, shop, reloj, shopify_simulator, location_known
):
    shopify_simulator.fail_next("graphql:PublishablePublish", status=500)

    response = create(api, reloj)

    assert response.status_code == 200, response.content
    body = response.json()
    assert ProductAssociation.objects.filter(shop=SHOP).count() == 1
    assert body["published_to"] == []
    assert body["warnings"][0].startswith("El producto se creó, pero Shopify no confirmó que se publicara")


def test_shopify_refusing_the_publication_keeps_the_product_and_says_why(
    api, shop, reloj, shopify_simulator, location_known
):
    shopify_simulator.fail_next(
        "graphql:PublishablePublish",
        status=200,
        body={
            "data": {"publishablePublish": {"publishable": None, "userErrors": [{"field": ["id"], "message": "Nope"}]}}
        },
    )

    response = create(api, reloj)

    assert response.status_code == 200, response.content
    assert response.json()["warnings"] == [
        "El producto se creó, pero no se publicó (id: Nope). Publícalo en el administrador de Shopify › Productos."
    ]


def test_a_shop_without_an_online_store_channel_is_told(api, shop, reloj, shopify_simulator, location_known, settings):
    settings.SHOPIFY_ONLINE_STORE_PUBLICATION = "Tienda online"

    response = create(api, reloj)

    assert response.status_code == 200, response.content
    assert graphql_operations(shopify_simulator) == ["ProductSet", "PublicationsList"]
    assert "no tiene el canal de ventas Tienda online" in response.json()["warnings"][0]


@pytest.mark.parametrize(
    "publish",
    [
        "yes",
        {"online_store": "true"},
        {"publication_ids": "gid://shopify/Publication/1"},
        {"publication_ids": ["gid://shopify/Product/1"]},
        {"publication_ids": [7]},
    ],
)
def test_a_malformed_channel_choice_is_a_field_error_before_any_call(api, shop, reloj, shopify_simulator, publish):
    response = create(api, reloj, publish=publish)

    assert response.status_code == 400
    assert response.json()["field"] == "publish"
    assert graphql_operations(shopify_simulator) == []
    assert not ProductAssociation.objects.exists()


def test_linking_leaves_the_channels_alone(api, shop, shopify_simulator, camiseta, dropi_camiseta):  # noqa: F811
    response = link(api, camiseta["id"])

    assert response.status_code == 200, response.content
    operations = graphql_operations(shopify_simulator)
    assert "PublicationsList" not in operations
    assert "PublishablePublish" not in operations


def test_the_dialog_lists_the_shops_channels(api, shop, shopify_simulator):
    add_publication(shopify_simulator, SHOP, "Shop")

    body = api("/app/api/shopify/publications").json()

    assert body["online_store"]["name"] == "Online Store"
    assert [other["name"] for other in body["others"]] == ["Point of Sale", "Shop"]
    assert body["scope_missing"] is False
    assert body["message"] == ""


def test_the_dialog_says_when_the_scope_is_missing(api, shop, shopify_simulator):
    grant_scopes(shopify_simulator, SCOPES_WITHOUT_PUBLICATIONS)

    body = api("/app/api/shopify/publications").json()

    assert body == {"online_store": None, "others": [], "scope_missing": True, "message": body["message"]}
    assert "write_publications" in body["message"]


def test_shopify_down_while_listing_the_channels_keeps_the_product_and_says_so(
    api, shop, reloj, shopify_simulator, location_known
):
    shopify_simulator.fail_next("graphql:PublicationsList", status=503, times=5)

    response = create(api, reloj)

    assert response.status_code == 200, response.content
    [warning] = response.json()["warnings"]
    assert warning.startswith("El producto se creó, pero no se publicó (")
    assert ProductAssociation.objects.filter(shop=SHOP).count() == 1
