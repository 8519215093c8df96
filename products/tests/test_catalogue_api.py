"""Productos › Dropi catalogue: the page (no vendor calls) and /app/api/dropi/products
against the Dropi and Shopify simulators: modes, paging, cache, errors, currency."""

import pytest
from django.core.cache import cache

from products.models import ProductAssociation
from products.tests.conftest import DROPI_TOKEN, SHOP, graphql_operations
from shops.models import ShopConfiguration
from simulators.dropi import dropi_product

pytestmark = pytest.mark.django_db


def seed(dropi_simulator, count=25):
    return [
        dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name=f"Reloj {number:02d}", product_id=5000 + number))
        for number in range(count)
    ]


def test_the_page_renders_without_calling_dropi_or_shopify(
    client, shop, session_token, dropi_simulator, shopify_simulator
):
    response = client.get("/app/", {"shop": SHOP, "id_token": session_token(SHOP)})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Buscar Productos de Dropi" in body
    assert "Productos Privados" in body
    assert "Sincronizados" in body
    assert DROPI_TOKEN not in body
    assert dropi_simulator.requests == []
    assert graphql_operations(shopify_simulator) == []


def test_without_dropi_the_page_asks_for_the_configuration(client, shop, session_token, dropi_simulator):
    ShopConfiguration.objects.filter(shop=SHOP).update(dropi_token=None)

    response = client.get("/app/", {"shop": SHOP, "id_token": session_token(SHOP)})

    body = response.content.decode()
    assert "Configuración Requerida" in body
    assert "/app/configuration?tab=dropi" in body
    assert "Buscar Productos de Dropi" not in body


def test_favourites_come_first_ten_per_page_with_totals_and_the_shop_currency(api, shop, dropi_simulator):
    seed(dropi_simulator)

    response = api("/app/api/dropi/products", page="3")

    body = response.json()
    assert response.status_code == 200
    assert body["mode"] == "favorites"
    assert (body["page"], body["pages"], body["total"], body["start"], body["end"]) == (3, 3, 25, 21, 25)
    assert [product["name"] for product in body["products"]] == [f"Reloj {number:02d}" for number in range(4, -1, -1)]
    assert body["currency"] == "COP"
    first = body["products"][0]
    assert first["image"].startswith("https://d39ru7awumhhs2.cloudfront.net/colombia/products/")
    assert (first["sale_price"], first["suggested_price"], first["stock"]) == ("30000.00", "59900.00", 120)
    assert first["warehouses"] == ["Bodega Bogotá"]
    request = dropi_simulator.requests_of("index")[0]
    assert request.path == "/co/integrations/products/index"
    assert (request.json()["startData"], request.json()["pageSize"], request.json()["favorite"]) == (20, 10, True)
    assert "privated_product" not in request.json()


def test_private_products_are_what_the_badge_says(api, shop, dropi_simulator):
    seed(dropi_simulator, count=3)
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Crema privada", private=True), favorite=False)

    private = api("/app/api/dropi/products", private="1").json()
    favourites = api("/app/api/dropi/products", private="0").json()

    assert private["mode"] == "private"
    assert [product["name"] for product in private["products"]] == ["Crema privada"]
    assert favourites["mode"] == "favorites"
    assert "Crema privada" not in [product["name"] for product in favourites["products"]]
    private_body, favourite_body = (request.json() for request in dropi_simulator.requests_of("index"))
    assert private_body["privated_product"] is True
    assert "favorite" not in private_body
    assert favourite_body["favorite"] is True
    assert "privated_product" not in favourite_body


def test_a_search_by_name_or_id_sends_neither_flag(api, shop, dropi_simulator):
    seed(dropi_simulator, count=12)

    by_name = api("/app/api/dropi/products", q="  reloj   01 ", private="1").json()
    by_id = api("/app/api/dropi/products", q="5007").json()

    assert by_name["mode"] == "search"
    assert [product["name"] for product in by_name["products"]] == ["Reloj 01"]
    assert [product["id"] for product in by_id["products"]] == ["5007"]
    for request in dropi_simulator.requests_of("index"):
        assert "favorite" not in request.json()
        assert "privated_product" not in request.json()
    assert dropi_simulator.requests_of("index")[0].json()["keywords"] == "reloj 01"


def test_pages_are_cached_per_shop_and_query_without_the_token_in_the_key(api, shop, dropi_simulator):
    seed(dropi_simulator, count=12)

    first = api("/app/api/dropi/products").json()
    again = api("/app/api/dropi/products").json()
    api("/app/api/dropi/products", page="2")

    assert first["cached"] is False
    assert again["cached"] is True
    assert again["products"] == first["products"]
    assert dropi_simulator.count("index") == 2
    keys = list(cache._cache.keys())
    assert any("dropi:index:tienda.myshopify.com" in key for key in keys)
    assert not any(DROPI_TOKEN in key for key in keys)


def test_a_new_token_does_not_reuse_the_old_tokens_pages(api, shop, dropi_simulator):
    seed(dropi_simulator, count=3)
    api("/app/api/dropi/products")
    dropi_simulator.add_account("another-dropi-token-0000000", country="CO")
    ShopConfiguration.objects.filter(shop=SHOP).update(dropi_token="another-dropi-token-0000000")
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    configuration.dropi_token = "another-dropi-token-0000000"
    configuration.save()

    body = api("/app/api/dropi/products").json()

    assert body["total"] == 0
    assert dropi_simulator.count("index") == 2


def test_the_country_chooses_the_dropi_host(api, shop, dropi_simulator):
    dropi_simulator.accounts[DROPI_TOKEN].country = "MX"
    ShopConfiguration.objects.filter(shop=SHOP).update(dropi_country="MX")

    response = api("/app/api/dropi/products")

    assert response.status_code == 200
    assert dropi_simulator.requests_of("index")[0].path == "/mx/integrations/products/index"


def test_without_dropi_configured_the_api_says_so(api, shop, dropi_simulator):
    ShopConfiguration.objects.filter(shop=SHOP).update(dropi_store_name="")

    response = api("/app/api/dropi/products")

    assert response.status_code == 409
    assert response.json()["code"] == "dropi_not_configured"
    assert "Configuración" in response.json()["error"]
    assert dropi_simulator.requests == []


def test_an_invalid_or_expired_token_points_to_the_configuration(api, shop, dropi_simulator):
    dropi_simulator.accounts.pop(DROPI_TOKEN)

    response = api("/app/api/dropi/products")

    assert response.status_code == 400
    assert response.json()["code"] == "dropi_auth"
    assert "Configuración › Dropi" in response.json()["error"]
    assert DROPI_TOKEN not in response.content.decode()


def test_dropi_down_is_a_plain_error(api, shop, dropi_simulator):
    dropi_simulator.fail_next("index", status=503)

    response = api("/app/api/dropi/products")

    assert response.status_code == 502
    assert response.json()["code"] == "dropi_unavailable"
    assert "Dropi" in response.json()["error"]


def test_too_many_attempts_pauses_every_call_to_dropi_for_the_shop(api, shop, dropi_simulator, settings):
    seed(dropi_simulator, count=3)
    settings.DROPI_RATE_LIMIT_BACKOFF_SECONDS = 1800
    api("/app/api/dropi/products")  # cached before the block
    dropi_simulator.block()

    blocked = api("/app/api/dropi/products", q="reloj")
    again = api("/app/api/dropi/products", q="otra cosa")
    cached = api("/app/api/dropi/products")
    preview = api("/app/api/dropi/products/5001/preview", "POST", {"mode": "create"})

    assert blocked.status_code == 429
    assert blocked.json()["code"] == "dropi_rate_limited"
    assert "30 minutos" in blocked.json()["error"]
    assert again.status_code == 429
    assert preview.status_code == 429
    assert dropi_simulator.count("index") == 2  # the first page, then the one that was refused
    assert dropi_simulator.count("detail") == 0
    assert cached.status_code == 200


def test_the_currency_is_read_from_shopify_once_and_falls_back_to_the_dropi_country(
    api, shop, dropi_simulator, shopify_simulator
):
    seed(dropi_simulator, count=2)
    shopify_simulator.shop_data[SHOP] = {"currencyCode": "USD"}

    first = api("/app/api/dropi/products").json()
    second = api("/app/api/dropi/products", page="2").json()
    cache.clear()
    shopify_simulator.fail_next("graphql:ShopInfo", status=503)
    fallback = api("/app/api/dropi/products").json()

    assert (first["currency"], second["currency"]) == ("USD", "USD")
    assert fallback["currency"] == "COP"
    assert graphql_operations(shopify_simulator) == ["ShopInfo", "ShopInfo"]


def test_variable_products_show_their_lowest_price_stock_and_warehouses(api, shop, dropi_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Camiseta", variations=4, stock=80))

    product = api("/app/api/dropi/products").json()["products"][0]

    assert product["type"] == "VARIABLE"
    assert product["variations"] == 4
    assert (product["sale_price"], product["suggested_price"]) == ("30000.00", "59900.00")
    assert product["stock"] == 80
    assert product["warehouses"] == ["Bodega Bogotá"]


def test_products_without_images_or_prices_are_listed(api, shop, dropi_simulator):
    dropi_simulator.add_product(
        DROPI_TOKEN, dropi_product(name="Sin fotos", images=0, sale_price=None, suggested_price=None, categories=())
    )

    product = api("/app/api/dropi/products").json()["products"][0]

    assert (product["image"], product["sale_price"], product["categories"]) == (None, None, [])


@pytest.mark.parametrize("page", ["\u00b2", "٣", "9" * 40], ids=["superscript", "arabic", "huge"])
def test_a_page_that_is_not_a_plain_number_is_the_first(api, shop, dropi_simulator, page):
    seed(dropi_simulator, count=3)

    response = api("/app/api/dropi/products", page=page)

    assert response.status_code == 200
    assert response.json()["page"] == 1


def test_a_catalogue_row_says_when_the_product_is_already_in_shopify(api, shop, dropi_simulator):
    seed(dropi_simulator, 3)
    ProductAssociation.objects.create(
        shop=SHOP,
        dropi_product_id="5001",
        shopify_product_id="gid://shopify/Product/77",
        shopify_product_title="Reloj de pared",
        import_type=ProductAssociation.ImportType.CREATE,
        price_rule={"mode": "formula", "multiplier": "2", "amount": "0", "fixed_price": None, "rounding": "none"},
    )

    products = {product["id"]: product for product in api("/app/api/dropi/products").json()["products"]}

    assert products["5000"]["imported"] is None
    imported = products["5001"]["imported"]
    assert imported["shopify_product_id"] == "gid://shopify/Product/77"
    assert imported["shopify_product_title"] == "Reloj de pared"
    assert imported["admin_url"] == f"https://{SHOP}/admin/products/77"
    assert imported["price_rule"]["mode"] == "formula"
    assert imported["count"] == 1


@pytest.mark.parametrize(
    ("currency", "offered"),
    [
        ("COP", ["none", "900", "990", "000"]),
        ("CLP", ["none", "900", "990", "000"]),
        ("USD", ["none", "90", "99", "00"]),
    ],
)
def test_the_price_endings_offered_fit_the_shops_currency(
    api, shop, dropi_simulator, shopify_simulator, currency, offered
):
    seed(dropi_simulator, 1)
    shopify_simulator.shop_data.setdefault(SHOP, {})["currencyCode"] = currency

    page = api("/app/api/dropi/products").json()
    preview = api("/app/api/dropi/products/5000/preview", "POST", {"mode": "create"}).json()

    assert [choice["value"] for choice in page["roundings"]] == offered
    assert preview["roundings"] == page["roundings"]


def test_a_cop_price_goes_up_to_nine_hundred_without_cents(api, shop, dropi_simulator, shopify_simulator):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Lámpara", product_id=6100, sale_price="54950.00"))
    shopify_simulator.shop_data.setdefault(SHOP, {})["currencyCode"] = "COP"
    rule = {"mode": "formula", "multiplier": "2", "amount": "0", "rounding": "900"}

    preview = api("/app/api/dropi/products/6100/preview", "POST", {"mode": "create", "price_rule": rule}).json()

    assert preview["product"]["price"] == "109900.00"
