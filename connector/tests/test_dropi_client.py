"""The Dropi client against the Dropi simulator: hosts by country, request bodies, answer shapes, errors."""

from decimal import Decimal

import pytest
import responses

from connector.dropi.client import DropiClient, image_url
from connector.dropi.errors import (
    DropiAuthError,
    DropiBadRequest,
    DropiConfigurationError,
    DropiNotFound,
    DropiRateLimited,
    DropiUnavailable,
)
from simulators.dropi import dropi_product

TOKEN = "dropi-token-0123456789-abcdef"
CDN = "https://d39ru7awumhhs2.cloudfront.net/"


@pytest.fixture
def account(dropi_simulator):
    return dropi_simulator.add_account(TOKEN, country="MX")


@pytest.fixture
def client(account):
    return DropiClient(token=TOKEN, country="MX")


def test_the_index_goes_to_the_country_host_with_the_integration_key_and_favourites(client, dropi_simulator):
    dropi_simulator.add_product(TOKEN, dropi_product(name="Lámpara", product_id=501))

    page = client.products(page_size=10, offset=0)

    request = dropi_simulator.requests_of("index")[0]
    assert request.path == "/mx/integrations/products/index"
    assert request.headers["dropi-integration-key"] == TOKEN
    assert "origin" not in request.headers
    assert "referer" not in request.headers
    assert request.json() == {
        "pageSize": 10,
        "startData": 0,
        "keywords": "",
        "userVerified": False,
        "order_by": "created_at",
        "order_type": "desc",
        "with_collection": True,
        "get_stock": True,
        "no_count": False,
        "favorite": True,
    }
    assert page.total == 1
    assert page.products[0].name == "Lámpara"


def test_private_sends_only_the_private_flag_and_a_search_sends_neither(client, dropi_simulator):
    dropi_simulator.add_product(TOKEN, dropi_product(name="Privado", private=True), favorite=False)

    private = client.products(private=True)
    search = client.products(keywords="  privado ", private=True)

    private_body, search_body = (request.json() for request in dropi_simulator.requests_of("index"))
    assert private_body["privated_product"] is True
    assert "favorite" not in private_body
    assert search_body["keywords"] == "privado"
    assert "favorite" not in search_body
    assert "privated_product" not in search_body
    assert [product.name for product in private.products] == ["Privado"]
    assert [product.name for product in search.products] == ["Privado"]


def test_paging_sends_page_size_and_offset(client, dropi_simulator):
    for number in range(25):
        dropi_simulator.add_product(TOKEN, dropi_product(name=f"Producto {number}"))

    page = client.products(page_size=10, offset=20)

    assert dropi_simulator.requests_of("index")[0].json()["startData"] == 20
    assert page.total == 25
    assert [product.name for product in page.products] == [f"Producto {number}" for number in range(4, -1, -1)]


@pytest.mark.parametrize("shape", ["object", "array", "data"])
def test_every_known_answer_shape_is_read(client, dropi_simulator, shape):
    dropi_simulator.response_shape = shape
    dropi_simulator.add_product(TOKEN, dropi_product(name="Uno"))
    dropi_simulator.add_product(TOKEN, dropi_product(name="Dos"))

    page = client.products()

    assert page.total == 2
    assert [product.name for product in page.products] == ["Dos", "Uno"]


def test_products_are_read_into_prices_images_stock_warehouses_and_variations(client, dropi_simulator):
    simple = dropi_product(
        name="Reloj", product_id=777, sku="RJ-1", sale_price="30000.00", suggested_price="59900.00", images=2,
        categories=("Tecnología", "Hogar"), stock=40, warehouse="Bodega Medellín",
    )  # fmt: skip
    variable = dropi_product(name="Camiseta", variations=3, stock=90)
    private = dropi_product(name="Crema", private=True, stock=12, private_owner="Laboratorio Sol")
    for product in (simple, variable, private):
        dropi_simulator.add_product(TOKEN, product)

    by_name = {product.name: product for product in client.products(keywords="e").products}

    reloj = by_name["Reloj"]
    assert (reloj.id, reloj.sku, reloj.type) == ("777", "RJ-1", "SIMPLE")
    assert reloj.sale_price == Decimal("30000.00")
    assert reloj.suggested_price == Decimal("59900.00")
    assert reloj.categories == ("Tecnología", "Hogar")
    assert reloj.images == (
        f"{CDN}colombia/products/777/1769700000%20foto%201.jpg",
        f"{CDN}colombia/products/777/1769700001%20foto%202.jpg",
    )
    assert (reloj.stock, reloj.warehouses) == (40, ("Bodega Medellín",))
    camiseta = by_name["Camiseta"]
    assert camiseta.type == "VARIABLE"
    assert camiseta.sale_price is None
    assert camiseta.stock == 90
    assert [variation.label for variation in camiseta.variations] == ["Negro / XS", "Blanco / XS", "Rojo / XS"]
    assert camiseta.variations[0].attributes == (("Color", "Negro"), ("Talla", "XS"))
    assert camiseta.variations[0].sale_price == Decimal("30000.00")
    crema = by_name["Crema"]
    assert (crema.stock, crema.warehouses, crema.private) == (12, ("Laboratorio Sol",), True)


def test_gallery_urls_are_resolved_against_the_cdn_and_absolute_ones_kept():
    assert image_url("/colombia/a b.png", base_url=CDN) == f"{CDN}colombia/a%20b.png"
    assert image_url("https://cdn.example.com/x y.jpg", base_url=CDN) == "https://cdn.example.com/x%20y.jpg"
    assert image_url("//cdn.example.com/z.jpg", base_url=CDN) == "https://cdn.example.com/z.jpg"
    assert image_url("", base_url=CDN) == ""


def test_product_detail_reads_the_product_and_its_description(client, dropi_simulator):
    dropi_simulator.add_product(TOKEN, dropi_product(name="Lámpara", product_id=9001, description="<p>Luz</p>"))

    product = client.product(product_id="9001")

    assert dropi_simulator.requests_of("detail")[0].path == "/mx/integrations/products/v2/9001"
    assert (product.id, product.description) == ("9001", "<p>Luz</p>")


def test_product_detail_errors_are_typed(client, dropi_simulator):
    with pytest.raises(DropiNotFound):
        client.product(product_id="404")
    with pytest.raises(DropiBadRequest):
        client.product(product_id="../admin")
    dropi_simulator.detail_available = False
    with pytest.raises(DropiNotFound):
        client.product(product_id="404")


def test_a_wrong_or_foreign_country_token_is_an_auth_error(dropi_simulator, account):
    with pytest.raises(DropiAuthError):
        DropiClient(token="wrong-token", country="MX").products()
    with pytest.raises(DropiAuthError):
        DropiClient(token=TOKEN, country="CO").products()


def test_too_many_attempts_is_rate_limited_with_a_long_back_off(client, dropi_simulator, settings):
    dropi_simulator.block()

    with pytest.raises(DropiRateLimited) as error:
        client.products()

    assert error.value.retryable
    assert error.value.retry_after >= settings.DROPI_RATE_LIMIT_BACKOFF_SECONDS


def test_too_many_attempts_inside_a_200_answer_is_rate_limited_too(client, dropi_simulator):
    dropi_simulator.fail_next("index", status=200, body={"isSuccess": False, "message": "Too Many Attempts."})

    with pytest.raises(DropiRateLimited):
        client.products()


def test_server_errors_timeouts_and_garbage_are_retryable_unavailable(client, dropi_simulator, settings):
    dropi_simulator.fail_next("index", status=502)
    with pytest.raises(DropiUnavailable) as error:
        client.products()
    assert error.value.retryable

    dropi_simulator.fail_next("index", status=200, body={"isSuccess": True, "unexpected": 1})
    with pytest.raises(DropiUnavailable):
        client.products()

    client.timeout = 0.2
    dropi_simulator.fail_next("index", status=200, delay=0.6)
    with pytest.raises(DropiUnavailable):
        client.products()


def test_a_refusal_inside_a_200_answer_is_typed(client, dropi_simulator):
    dropi_simulator.fail_next("index", status=200, body={"isSuccess": False, "status": 401, "message": "Token vencido"})
    with pytest.raises(DropiAuthError):
        client.products()


def test_no_token_or_unknown_country_is_a_configuration_error(dropi_simulator):
    with pytest.raises(DropiConfigurationError):
        DropiClient(token="", country="CO")
    with pytest.raises(DropiConfigurationError):
        DropiClient(token=TOKEN, country="AR")


@responses.activate
def test_origin_and_referer_are_sent_only_when_a_setting_asks(settings):
    settings.DROPI_API_URLS = {"CO": "https://api.dropi.test"}
    responses.post("https://api.dropi.test/integrations/products/index", json={"objects": [], "count": 0})

    DropiClient(token=TOKEN, country="CO", shop="tienda.myshopify.com").products()
    settings.DROPI_ORIGIN = "https://{shop}"
    DropiClient(token=TOKEN, country="CO", shop="tienda.myshopify.com").products()

    plain, with_origin = (call.request.headers for call in responses.calls)
    assert "Origin" not in plain
    assert with_origin["Origin"] == "https://tienda.myshopify.com"
    assert with_origin["Referer"] == "https://tienda.myshopify.com/"


def test_the_client_never_shows_its_token(client):
    assert TOKEN not in repr(client)
