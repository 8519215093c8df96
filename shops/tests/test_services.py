import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shops import services
from shops.models import ShopConfiguration


@pytest.mark.django_db
def test_get_or_create_creates_once_with_a_long_random_callback_secret():
    first, created = services.shop_configuration_get_or_create(shop="uno.myshopify.com")
    again, created_again = services.shop_configuration_get_or_create(shop="uno.myshopify.com")

    assert created
    assert not created_again
    assert first.pk == again.pk
    secret = first.callback_secret.reveal()
    assert len(secret) >= 32
    assert first.callback_secret_hash == services.callback_secret_hash(secret)
    assert ShopConfiguration.objects.count() == 1


@pytest.mark.django_db
def test_each_shop_gets_its_own_secret():
    one, _ = services.shop_configuration_get_or_create(shop="uno.myshopify.com")
    two, _ = services.shop_configuration_get_or_create(shop="dos.myshopify.com")

    assert one.callback_secret != two.callback_secret
    assert one.callback_secret_hash != two.callback_secret_hash


@pytest.mark.django_db
def test_invalid_shop_is_refused_and_nothing_is_stored():
    with pytest.raises(ValidationError):
        services.shop_configuration_get_or_create(shop="evil.com")
    assert not ShopConfiguration.objects.exists()


@pytest.mark.django_db
def test_rotating_the_callback_secret_changes_secret_and_hash():
    configuration, _ = services.shop_configuration_get_or_create(shop="uno.myshopify.com")
    old_secret = configuration.callback_secret.reveal()

    services.shop_configuration_rotate_callback_secret(configuration=configuration)

    configuration.refresh_from_db()
    assert configuration.callback_secret.reveal() != old_secret
    assert configuration.callback_secret_hash == services.callback_secret_hash(configuration.callback_secret.reveal())
    assert services.callback_secret_hash(old_secret) != configuration.callback_secret_hash


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_concurrent_get_or_create_yields_one_row():
    barrier = threading.Barrier(4)
    results = []

    def worker():
        barrier.wait()
        try:
            results.append(services.shop_configuration_get_or_create(shop="carrera.myshopify.com")[0].pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4
    assert len(set(results)) == 1
    assert ShopConfiguration.objects.filter(shop="carrera.myshopify.com").count() == 1
