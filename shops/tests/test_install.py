import pytest
from django.utils import timezone

from shops import services
from shops.models import ShopConfiguration
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"


def test_install_creates_the_configuration_once_and_records_the_latest_grant():
    first = services.shop_install(shop=SHOP)
    second = services.shop_install(shop=SHOP)

    assert first.pk == second.pk
    assert second.installed_at >= first.installed_at  # the time of the latest token grant
    assert ShopConfiguration.objects.count() == 1
    assert second.callback_secret.reveal() == first.callback_secret.reveal()


def test_install_revives_an_uninstalled_shop_and_keeps_its_settings():
    configuration = ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key="key-kept-after-reinstall")
    ShopConfiguration.objects.filter(pk=configuration.pk).update(uninstalled_at=timezone.now())

    revived = services.shop_install(shop=SHOP)

    assert revived.is_installed
    assert revived.installed_at is not None
    assert revived.ecomdrop_api_key.reveal() == "key-kept-after-reinstall"
