import pytest
from django.test import override_settings

from connector.admin_tools import LargeTablePaginator
from products.models import ProductAssociation
from products.tests.factories import ProductAssociationFactory

pytestmark = pytest.mark.django_db


def test_filtered_counts_stop_at_the_cap_and_say_so():
    ProductAssociationFactory.create_batch(7, shop="grande.myshopify.com")
    paginator = LargeTablePaginator(ProductAssociation.objects.filter(shop="grande.myshopify.com"), 2)
    paginator.count_cap = 5

    assert paginator.count == 5
    assert paginator.count_is_approximate == "capped"
    assert paginator.num_pages == 3


def test_small_filtered_counts_are_exact():
    ProductAssociationFactory.create_batch(3, shop="chica.myshopify.com")
    paginator = LargeTablePaginator(ProductAssociation.objects.filter(shop="chica.myshopify.com"), 2)

    assert paginator.count == 3
    assert not paginator.count_is_approximate


def test_unfiltered_small_tables_are_counted_exactly():
    ProductAssociationFactory.create_batch(4)
    paginator = LargeTablePaginator(ProductAssociation.objects.all(), 2)

    assert paginator.count == 4
    assert not paginator.count_is_approximate


@pytest.mark.mysql
def test_unfiltered_big_tables_use_the_engine_estimate(monkeypatch):
    from connector import admin_tools

    ProductAssociationFactory.create_batch(3)
    monkeypatch.setattr(admin_tools, "ESTIMATE_ABOVE_ROWS", -1)
    paginator = LargeTablePaginator(ProductAssociation.objects.all(), 2)

    assert paginator.count >= 0
    assert paginator.count_is_approximate == "estimate"


def test_changelist_says_when_the_count_is_capped(admin_client, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "count_cap", 2)
    ProductAssociationFactory.create_batch(3, shop="grande.myshopify.com")

    with override_settings(LANGUAGE_CODE="en"):
        response = admin_client.get(
            "/admin/products/productassociation/", {"shop": "grande.myshopify.com"}, HTTP_ACCEPT_LANGUAGE="en"
        )

    assert "more than 2" in response.content.decode()
