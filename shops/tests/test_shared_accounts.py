"""Several stores on one Ecomdrop account: the Dropi token and AI profile bot fields are
account-level, so both merchants are warned in Estado (and on connect) with the other
store(s) named; it follows later changes (another key, a disconnect, an uninstall, a third
store); staff see the groups in the admin."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from shops.models import ShopConfiguration
from shops.shared_accounts import shops_sharing_ecomdrop_account
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

SHOP_A = "tienda-a.myshopify.com"
SHOP_B = "tienda-b.myshopify.com"
SHOP_C = "tienda-c.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
SECOND_KEY = "ecomdrop-key-SECOND-654321"
OTHER_ACCOUNT_KEY = "ecomdrop-key-OTHER-000000"
BANNER = "comparte con otras tiendas"


@pytest.fixture
def account(ecomdrop_simulator, shopify_simulator):
    from connector.tests.factories import ShopifySessionFactory

    account = ecomdrop_simulator.add_account(KEY, name="Cuenta Compartida")
    ecomdrop_simulator.add_api_key(KEY, new_api_key=SECOND_KEY)
    ecomdrop_simulator.add_account(OTHER_ACCOUNT_KEY, name="Otra Cuenta")
    for shop in (SHOP_A, SHOP_B, SHOP_C):
        ShopConfigurationFactory(shop=shop, installed_at=timezone.now())
        ShopifySessionFactory(shop=shop, access_token=shopify_simulator.issue_token(shop), scope=None)
    return account


@pytest.fixture
def connect(client, session_token):
    def call(shop, key):
        return client.post(
            "/app/api/ecomdrop/connect",
            json.dumps({"api_key": key}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {session_token(shop)}",
        )

    return call


@pytest.fixture
def status_page(client, session_token):
    def page(shop):
        response = client.get("/app/configuration", {"shop": shop, "id_token": session_token(shop), "tab": "status"})
        assert response.status_code == 200
        return response.content.decode()

    return page


def shared_with(shop):
    return shops_sharing_ecomdrop_account(configuration=ShopConfiguration.objects.get(shop=shop))


def test_a_second_store_on_the_same_account_warns_both_merchants(account, connect, status_page):
    assert connect(SHOP_A, KEY).status_code == 200
    assert shared_with(SHOP_A) == []
    assert BANNER not in status_page(SHOP_A)

    response = connect(SHOP_B, SECOND_KEY)  # another key of the same account

    assert response.status_code == 200
    body = response.json()
    assert body["state"]["ecomdrop"]["shared_with"] == [SHOP_A]
    assert f"Esta cuenta de Ecomdrop también está conectada a {SHOP_A}" in body["message"]
    page_b, page_a = status_page(SHOP_B), status_page(SHOP_A)
    assert "Tu cuenta de Ecomdrop (Cuenta Compartida) se comparte con otras tiendas" in page_a
    assert SHOP_B in page_a
    assert SHOP_A in page_b
    for page in (page_a, page_b):
        assert "el token de Dropi" in page
        assert "el perfil de negocio del asistente de IA" in page


def test_a_third_store_joins_the_group(account, connect):
    for shop in (SHOP_A, SHOP_B, SHOP_C):
        connect(shop, KEY)

    assert shared_with(SHOP_A) == [SHOP_B, SHOP_C]
    assert shared_with(SHOP_C) == [SHOP_A, SHOP_B]


def test_a_key_of_another_account_ends_the_sharing(account, connect, status_page):
    connect(SHOP_A, KEY)
    connect(SHOP_B, KEY)

    connect(SHOP_B, OTHER_ACCOUNT_KEY)

    assert shared_with(SHOP_A) == []
    assert shared_with(SHOP_B) == []
    assert BANNER not in status_page(SHOP_A)


def test_a_disconnect_ends_the_sharing(account, connect, client, session_token):
    connect(SHOP_A, KEY)
    connect(SHOP_B, KEY)

    client.post("/app/api/ecomdrop/disconnect", HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP_B)}")

    assert shared_with(SHOP_A) == []
    assert shared_with(SHOP_B) == []


def test_an_uninstalled_store_no_longer_counts(account, connect):
    connect(SHOP_A, KEY)
    connect(SHOP_B, KEY)

    ShopConfiguration.objects.filter(shop=SHOP_B).update(uninstalled_at=timezone.now())

    assert shared_with(SHOP_A) == []
    assert shared_with(SHOP_B) == []


def test_an_unknown_account_is_never_grouped(account):
    for shop in (SHOP_A, SHOP_B):
        ShopConfiguration.objects.filter(shop=shop).update(ecomdrop_api_key=KEY, ecomdrop_account_id="")

    assert shared_with(SHOP_A) == []


def test_staff_see_the_groups_in_the_admin(account, connect, admin_client):
    connect(SHOP_A, KEY)
    connect(SHOP_B, SECOND_KEY)
    connect(SHOP_C, OTHER_ACCOUNT_KEY)
    changelist = reverse("admin:shops_shopconfiguration_changelist")

    shared = admin_client.get(changelist, {"ecomdrop_account": "shared"}).content.decode()
    single = admin_client.get(changelist, {"ecomdrop_account": "single"}).content.decode()
    grouped = admin_client.get(changelist, {"q": account.id}).content.decode()

    assert SHOP_A in shared
    assert SHOP_B in shared
    assert SHOP_C not in shared
    assert SHOP_C in single
    assert SHOP_A not in single
    assert SHOP_A in grouped
    assert SHOP_B in grouped
    assert SHOP_C not in grouped
    configuration = ShopConfiguration.objects.get(shop=SHOP_A)
    change = admin_client.get(reverse("admin:shops_shopconfiguration_change", args=[configuration.pk])).content
    assert SHOP_B in change.decode()


def test_the_admin_add_page_still_opens(admin_client):
    response = admin_client.get(reverse("admin:shops_shopconfiguration_add"))

    assert response.status_code == 200
