"""The shipping write-back in the admin console: staff edit the carriers' tracking pages (the
key is normalised, the template must carry {guia}) and read each transition's write-back."""

import pytest
from django.urls import reverse

from shops.models import CarrierTrackingTemplate, DropiOrder, ShippingUpdate

pytestmark = pytest.mark.django_db


def test_staff_add_a_carrier_and_its_key_is_normalised(admin_client):
    answer = admin_client.post(
        reverse("admin:shops_carriertrackingtemplate_add"),
        {"name": "Mensajería Rápida", "key": "", "url_template": "https://rapida.example/rastreo/{guia}", "note": ""},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert CarrierTrackingTemplate.objects.get(name="Mensajería Rápida").key == "MENSAJERIARAPIDA"


def test_a_template_without_the_guia_is_refused_with_the_reason(admin_client):
    answer = admin_client.post(
        reverse("admin:shops_carriertrackingtemplate_add"),
        {"name": "X", "key": "X", "url_template": "https://x.example/rastreo", "note": ""},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert answer.status_code == 200
    assert "donde va la guía" in answer.content.decode()
    assert not CarrierTrackingTemplate.objects.filter(name="X").exists()


def test_the_write_backs_are_listed_read_only(admin_client):
    order = DropiOrder.objects.create(shop="tienda.myshopify.com", shopify_order_id="1", mode="bot", state="bot")
    update = ShippingUpdate.objects.create(shop=order.shop, order=order, key="k", stage="delivered", guia="G1")
    listing = admin_client.get(reverse("admin:shops_shippingupdate_changelist"), {"q": "G1"})
    assert listing.status_code == 200
    assert "G1" in listing.content.decode()
    detail = admin_client.get(reverse("admin:shops_shippingupdate_change", args=[update.pk]))
    assert detail.status_code == 200
    assert admin_client.get(reverse("admin:shops_carriertrackingtemplate_changelist")).status_code == 200
