import datetime

import pytest
from django.utils import timezone

from connector.models import ShopifySession
from connector.signals import shop_authorized
from shops import services
from shops.models import ShopConfiguration
from shops.services.lifecycle import INSTALL_CLOCK_MARGIN
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


def test_an_uninstall_while_a_token_was_being_granted_is_not_ignored():
    # The app was installed long ago; the merchant uninstalls while a token exchange (started
    # just before) is in flight. The grant cannot be later than the uninstall on Shopify's side
    # with certainty, so the uninstall wins (a reinstall would simply exchange again).
    ShopConfigurationFactory(shop=SHOP, installed_at=timezone.now() - datetime.timedelta(days=30))
    requested_at = timezone.now()
    uninstalled_at = requested_at + datetime.timedelta(milliseconds=300)

    services.shop_install(shop=SHOP, requested_at=requested_at)

    assert services.shop_uninstall(shop=SHOP, uninstalled_at=uninstalled_at) is True
    assert not ShopConfiguration.objects.get(shop=SHOP).is_installed


def test_an_uninstall_from_before_the_grant_was_requested_is_ignored():
    ShopConfigurationFactory(shop=SHOP, installed_at=timezone.now() - datetime.timedelta(days=30))
    uninstalled_at = timezone.now() - datetime.timedelta(minutes=2)

    services.shop_install(shop=SHOP, requested_at=timezone.now())

    assert services.shop_uninstall(shop=SHOP, uninstalled_at=uninstalled_at) is False
    assert ShopConfiguration.objects.get(shop=SHOP).is_installed


def test_a_shop_authorized_by_shopify_is_installed_as_of_the_grant_request():
    requested_at = timezone.now() - datetime.timedelta(seconds=30)

    shop_authorized.send(sender=ShopifySession, shop=SHOP, requested_at=requested_at)

    configuration = ShopConfiguration.objects.get(shop=SHOP)
    assert configuration.installed_at == requested_at - INSTALL_CLOCK_MARGIN
    assert configuration.uninstalled_at is None
