"""Productos in a real browser (Debian chromium) against the Dropi and Shopify simulators:
search, pages, the private filter, import as a new product, link with a variant mapping,
Sincronizados and delete. Screenshots go to docs/screenshots/ (shown in docs/merchant-guide.md and docs/features.md)."""

import datetime
import re
import struct
import zlib
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from products.models import ProductAssociation
from shops.tests.factories import ShopConfigurationFactory
from simulators.dropi import dropi_product
from simulators.shopify_products import add_product, find_product, products_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _database_from_the_test_thread(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM reads are
    # still synchronous (the app runs in live_server's thread).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


SHOP = "demo-tienda.myshopify.com"
TOKEN = "demo-dropi-token-0123456789"


def solid_png(rgb: tuple[int, int, int], size: int = 48) -> bytes:
    """A small one-colour PNG, served in place of Dropi's CDN (unreachable from tests)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PALETTE = [(0x9C, 0xC3, 0xE6), (0xF4, 0xB1, 0x83), (0xA9, 0xD1, 0x8E), (0xD5, 0xA6, 0xBD), (0xFF, 0xD9, 0x66)]


def serve_cdn(route):
    route.fulfill(
        status=200, content_type="image/png", body=solid_png(PALETTE[zlib.crc32(route.request.url.encode()) % 5])
    )


@pytest.fixture
def catalogue(dropi_simulator, shopify_simulator):
    from connector.tests.factories import ShopifySessionFactory

    dropi_simulator.add_account(TOKEN, country="CO")
    dropi_simulator.seed(TOKEN, count=24, private=2)
    dropi_simulator.add_product(
        TOKEN,
        dropi_product(
            name="Camiseta deportiva dry-fit",
            product_id=9100,
            variations=2,
            attributes=("Color",),
            images=2,
            sale_price="18000.00",
            suggested_price="39900.00",
            categories=("Deportes", "Hogar", "Belleza"),
            description="<p>Tela que respira.</p><script>alert('x')</script>",
        ),
    )
    ShopConfigurationFactory(
        shop=SHOP, dropi_store_name="Demo", dropi_country="CO", dropi_token=TOKEN, installed_at=timezone.now()
    )
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP), scope=None)
    shopify_simulator.shop_data.setdefault(SHOP, {})["currencyCode"] = "COP"
    for number in range(12):
        add_product(shopify_simulator, SHOP, title=f"Accesorio {number:02d}")
    return add_product(
        shopify_simulator,
        SHOP,
        title="Camiseta básica",
        media=1,
        variants=[{"options": {"Color": color}, "price": "35000.00"} for color in ("Negro", "Blanco", "Rojo")],
    )


def test_search_page_import_link_and_delete(
    live_server, session_token, catalogue, shopify_simulator, browser_page, screenshots
):
    token = session_token(SHOP, lifetime=datetime.timedelta(minutes=15))
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "id_token": token})
    page = browser_page
    page.route("https://d39ru7awumhhs2.cloudfront.net/**", serve_cdn)

    page.goto(f"{live_server.url}/app/?{query}")

    rows = page.locator("[data-catalogue-body] tr[data-product-id]")
    expect(rows).to_have_count(10)
    expect(page.locator("[data-page-label]")).to_have_text("Página 1 de 3")
    expect(page.locator("[data-range-label]")).to_have_text("Mostrando 1 – 10 de 25 productos")
    expect(page.locator("[data-mode-badge]")).to_have_text("Mostrando productos favoritos")
    first = rows.first
    expect(first).to_contain_text("Camiseta deportiva dry-fit")
    expect(first).to_contain_text("$ 18.000")
    expect(first).to_contain_text("Sugerido: $ 39.900")
    expect(first).to_contain_text("+1")
    page.screenshot(path=screenshots / "productos-catalogo.png", full_page=True)

    # Pages
    page.get_by_role("button", name="Siguiente").click()
    expect(page.locator("[data-page-label]")).to_have_text("Página 2 de 3")
    expect(page.locator("[data-range-label]")).to_have_text("Mostrando 11 – 20 de 25 productos")
    page.get_by_role("button", name="Siguiente").click()
    expect(page.locator("[data-range-label]")).to_have_text("Mostrando 21 – 25 de 25 productos")
    expect(page.get_by_role("button", name="Siguiente")).to_be_disabled()

    # The private filter shows what its badge says, on the first click.
    page.get_by_label("Productos Privados").check()
    expect(page.locator("[data-mode-badge]")).to_have_text("Mostrando productos privados")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Producto privado")
    page.get_by_label("Productos Privados").uncheck()
    expect(page.locator("[data-mode-badge]")).to_have_text("Mostrando productos favoritos")
    expect(rows).to_have_count(10)

    # Search by name
    page.get_by_placeholder("Ingresa el ID o el nombre del producto").fill("camiseta")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.locator("[data-mode-badge]")).to_have_text("Resultados de la búsqueda")
    expect(rows).to_have_count(1)
    expect(page.locator("[data-count-badge]")).to_have_text("1 producto encontrado")

    # Import as a new product, with a price rule and its preview
    page.set_viewport_size({"width": 1280, "height": 1000})
    rows.first.get_by_role("button", name="Importar").click()
    dialog = page.locator("[data-import-dialog]")
    expect(dialog).to_be_visible()
    preview = dialog.locator("[data-preview-body] tr")
    expect(preview).to_have_count(2)
    expect(preview.first).to_contain_text("$ 39.900")
    dialog.get_by_label("Regla de precio", exact=True).select_option("formula")
    dialog.get_by_label("Multiplicador", exact=True).fill("2")
    rounding = dialog.get_by_label("Redondeo", exact=True)
    # The shop sells in COP: endings without cents (the ",99" of dollars would give "$ 37.500,99").
    expect(rounding.locator("option")).to_have_text(
        ["Sin redondeo", "Subir a …900", "Subir a …990", "Subir al siguiente mil (…000)"]
    )
    rounding.select_option("900")
    dialog.get_by_label("Monto a sumar", exact=True).fill("1500.5")
    expect(preview.first).to_contain_text("$ 37.900")
    dialog.get_by_label("Activo").check()
    page.screenshot(path=screenshots / "productos-importar-nuevo.png", full_page=False)
    dialog.get_by_role("button", name="Crear producto").click()
    success = page.locator("[data-success-dialog]")
    expect(success).to_be_visible()
    expect(success).to_contain_text("¡Listo!")
    expect(success).to_contain_text("Camiseta deportiva dry-fit")
    link = success.get_by_role("link", name="Ver en Shopify")
    assert re.fullmatch(rf"https://{SHOP}/admin/products/\d+", link.get_attribute("href"))
    page.screenshot(path=screenshots / "productos-importado.png", full_page=False)
    success.get_by_role("button", name="Cerrar").click()
    created = ProductAssociation.objects.get(import_type="create")
    stored = find_product(shopify_simulator, SHOP, created.shopify_product_id)
    assert stored["status"] == "ACTIVE"
    assert [variant["price"] for variant in stored["variants"]] == ["37900.00", "37900.00"]
    assert "<script>" not in stored["descriptionHtml"]
    expect(page.locator("[data-synced-count]")).to_have_text("1")

    # Link the same Dropi product to an existing Shopify product, mapping its variations
    rows.first.get_by_role("button", name="Importar").click()
    expect(dialog.locator("[data-existing]")).to_contain_text("Camiseta deportiva dry-fit")
    dialog.get_by_text("Vincular a producto existente").click()
    picker = dialog.locator("[data-picker] .picker__item")
    expect(picker).to_have_count(10)
    dialog.get_by_placeholder("Buscar en tus productos de Shopify").fill("camiseta")
    dialog.get_by_role("button", name="Buscar").click()
    expect(picker).to_have_count(2)  # the product created a moment ago, and the existing one
    picker.filter(has_text="Camiseta básica").click()
    mapping = dialog.locator("[data-mapping-body] select")
    expect(mapping).to_have_count(2)
    expect(mapping.first).to_have_value(catalogue["variants"][0]["id"])  # "Negro" matched by name
    mapping.nth(1).select_option(catalogue["variants"][2]["id"])
    dialog.get_by_label("Reemplazar las imágenes actuales del producto").check()
    dialog.get_by_label("Regla de precio", exact=True).select_option("fixed")
    dialog.locator('input[name="fixed_price"]').fill("45900")
    expect(dialog.locator("[data-preview-body] tr").first).to_contain_text("$ 45.900")
    page.set_viewport_size({"width": 1280, "height": 1500})
    dialog.locator(".modal__body").evaluate("body => body.scrollTo(0, 0)")
    page.screenshot(path=screenshots / "productos-vincular.png", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 1000})
    dialog.get_by_role("button", name="Sincronizar Producto").click()
    expect(success).to_be_visible()
    expect(success).to_contain_text("Producto sincronizado exitosamente")
    success.get_by_role("button", name="Cerrar").click()
    linked = ProductAssociation.objects.get(import_type="link")
    assert linked.shopify_product_id == catalogue["id"]
    assert linked.variant_mappings.count() == 2
    stored = find_product(shopify_simulator, SHOP, catalogue["id"])
    assert stored["title"] == "Camiseta deportiva dry-fit"
    assert [variant["price"] for variant in stored["variants"]] == ["45900.00", "35000.00", "45900.00"]

    # Sincronizados: both associations, then delete one with confirmation
    page.get_by_role("tab", name=re.compile("Sincronizados")).click()
    synced = page.locator("[data-synced-body] tr[data-association-id]")
    expect(synced).to_have_count(2)
    expect(page.locator("[data-synced-count]")).to_have_text("2")
    expect(synced.first).to_contain_text("Vinculado a un producto existente")
    page.screenshot(path=screenshots / "productos-sincronizados.png", full_page=True)
    synced.first.get_by_role("button", name="Eliminar").click()
    confirm = page.locator("[data-delete-dialog]")
    expect(confirm).to_contain_text("¿Estás seguro de que deseas eliminar esta asociación?")
    confirm.get_by_role("button", name="Eliminar").click()
    expect(synced).to_have_count(1)
    expect(page.locator("[data-synced-count]")).to_have_text("1")
    assert not ProductAssociation.objects.filter(pk=linked.pk).exists()
    assert find_product(shopify_simulator, SHOP, catalogue["id"]) is not None


def test_without_dropi_the_page_points_to_the_configuration(live_server, session_token, browser_page):
    ShopConfigurationFactory(shop=SHOP, dropi_token=None, installed_at=timezone.now())
    from connector.tests.factories import ShopifySessionFactory

    ShopifySessionFactory(shop=SHOP, access_token="shpat_unused", scope=None)
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "id_token": session_token(SHOP)})

    browser_page.goto(f"{live_server.url}/app/?{query}")

    expect(browser_page.get_by_role("heading", name="Configuración Requerida")).to_be_visible()
    expect(browser_page.get_by_role("link", name="Ir a Configuración › Dropi")).to_have_attribute(
        "href", "/app/configuration?tab=dropi"
    )


@pytest.fixture
def imported(catalogue):
    """The Dropi product 9100 already imported once as a new Shopify product."""
    from products.pricing import PriceRule
    from products.services import ImportOptions, product_import_create

    return product_import_create(
        shop=SHOP,
        dropi_product_id="9100",
        options=ImportOptions(
            save_name=True,
            save_description=True,
            save_images=True,
            replace_images=False,
            use_suggested_barcode=False,
            status="DRAFT",
        ),
        rule=PriceRule(mode="formula", multiplier=Decimal("2")),
    )


def open_productos(page, live_server, session_token):
    token = session_token(SHOP, lifetime=datetime.timedelta(minutes=15))
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "id_token": token})
    page.route("https://d39ru7awumhhs2.cloudfront.net/**", serve_cdn)
    page.goto(f"{live_server.url}/app/?{query}")
    return page.locator("[data-catalogue-body] tr[data-product-id]")


def test_an_imported_product_says_so_and_importing_it_again_updates_the_linked_product(
    live_server, session_token, imported, shopify_simulator, browser_page, screenshots
):
    page = browser_page
    rows = open_productos(page, live_server, session_token)
    row = rows.filter(has_text="Camiseta deportiva dry-fit")
    expect(row.locator(".badge", has_text="Ya importado")).to_be_visible()
    expect(rows.filter(has_text="Audífonos inalámbricos").locator(".badge", has_text="Ya importado")).to_have_count(0)
    products_before = len(products_of(shopify_simulator, SHOP))

    row.get_by_role("button", name="Importar").click()
    dialog = page.locator("[data-import-dialog]")
    expect(dialog.get_by_label("Vincular a producto existente")).to_be_checked()
    expect(dialog.locator("[data-linked-product]")).to_contain_text("Camiseta deportiva dry-fit")
    expect(dialog.get_by_label("Regla de precio", exact=True)).to_have_value("formula")
    expect(dialog.locator("[data-mapping-body] select")).to_have_count(2)
    page.screenshot(path=screenshots / "productos-ya-importado.png", full_page=False)
    dialog.get_by_role("button", name="Sincronizar Producto").click()

    success = page.locator("[data-success-dialog]")
    expect(success).to_contain_text("Se actualizó la asociación existente")
    assert len(products_of(shopify_simulator, SHOP)) == products_before
    assert ProductAssociation.objects.get(dropi_product_id="9100").shopify_product_id == imported.shopify_product_id


def test_a_second_copy_of_an_imported_product_is_created_only_when_confirmed(
    live_server, session_token, imported, shopify_simulator, browser_page
):
    page = browser_page
    rows = open_productos(page, live_server, session_token)
    rows.filter(has_text="Camiseta deportiva dry-fit").get_by_role("button", name="Importar").click()
    dialog = page.locator("[data-import-dialog]")
    dialog.get_by_text("Crear producto nuevo").click()
    dialog.get_by_role("button", name="Crear producto").click()

    confirm = page.locator("[data-duplicate-dialog]")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Camiseta deportiva dry-fit")
    confirm.get_by_role("button", name="Cancelar").click()
    expect(dialog).to_be_visible()
    assert ProductAssociation.objects.filter(dropi_product_id="9100").count() == 1

    dialog.get_by_role("button", name="Crear producto").click()
    confirm.get_by_role("button", name="Crear otra copia").click()
    expect(page.locator("[data-success-dialog]")).to_be_visible()
    assert ProductAssociation.objects.filter(dropi_product_id="9100").count() == 2
