"""The shop-configuration pages of the admin console: what each column and field says."""

import pytest
from django.contrib.admin.templatetags.admin_list import result_headers
from django.urls import reverse

from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

REMOVED = "Los flujos se quitaron porque se conectó una clave de otra cuenta de Ecomdrop"


def change_page(admin_client, configuration):
    url = reverse("admin:shops_shopconfiguration_change", args=[configuration.pk])
    return admin_client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_flows_to_choose_again_explains_the_removal_only_when_the_flows_were_removed(admin_client):
    cleared = ShopConfigurationFactory(ecomdrop_flows_cleared=True)
    kept = ShopConfigurationFactory(ecomdrop_flows_cleared=False, nuevo_pedido_flow_id="9001")

    cleared_page = change_page(admin_client, cleared)
    kept_page = change_page(admin_client, kept)

    assert "Flujos por elegir de nuevo" in cleared_page
    assert REMOVED in cleared_page
    assert "Flujos por elegir de nuevo" in kept_page
    assert REMOVED not in kept_page
    assert "quitaron" not in kept_page


def test_the_configuration_list_shows_each_vendor_in_one_column(admin_client):
    ShopConfigurationFactory(
        shop="tienda-uno.myshopify.com",
        ecomdrop_api_key="ECOMDROP-key-0003",
        nuevo_pedido_flow_id="9001",
        dropi_store_name="Ropa Deportiva",
        dropi_country="CO",
    )

    response = admin_client.get(reverse("admin:shops_shopconfiguration_changelist"), HTTP_ACCEPT_LANGUAGE="es")

    headers = [str(header["text"]) for header in result_headers(response.context["cl"])]
    assert headers[1:] == ["tienda", "Ecomdrop", "Dropi", "instalada", "actualizado el"]
    row = response.content.decode()
    assert "configurado ••••0003" in row
    assert "flujos 1/2" in row
    assert "Ropa Deportiva" in row
    assert "Colombia" in row
