"""Sincronizados: the shop's associations (search, pages, counts) and deleting one, with
ownership enforced (another shop's id answers 404 and changes nothing)."""

import pytest

from products.models import ProductAssociation, VariantMapping
from products.tests.conftest import OTHER_SHOP, SHOP
from products.tests.factories import ProductAssociationFactory, VariantMappingFactory

pytestmark = pytest.mark.django_db


def test_the_list_is_paged_searchable_and_counts_mappings(api, shop):
    for number in range(25):
        ProductAssociationFactory(
            shop=SHOP, dropi_product_name=f"Reloj {number:02d}", dropi_product_id=str(600 + number)
        )
    mapped = ProductAssociation.objects.get(dropi_product_id="624")
    VariantMappingFactory.create_batch(3, association=mapped)
    ProductAssociationFactory(shop=OTHER_SHOP, dropi_product_name="Reloj ajeno")

    first = api("/app/api/associations").json()
    second = api("/app/api/associations", page="2").json()
    by_name = api("/app/api/associations", q="reloj 03").json()
    by_dropi_id = api("/app/api/associations", q="610").json()

    assert (first["total"], first["pages"], first["synced_count"]) == (25, 2, 25)
    assert len(first["associations"]) == 20
    assert first["associations"][0]["dropi_product_name"] == "Reloj 24"
    assert first["associations"][0]["mapping_count"] == 3
    assert first["associations"][0]["admin_url"].startswith(f"https://{SHOP}/admin/products/")
    assert len(second["associations"]) == 5
    assert [row["dropi_product_name"] for row in by_name["associations"]] == ["Reloj 03"]
    assert [row["dropi_product_id"] for row in by_dropi_id["associations"]] == ["610"]
    assert "Reloj ajeno" not in str(first)


def test_delete_removes_the_association_and_its_mappings(api, shop):
    association = ProductAssociationFactory(shop=SHOP)
    VariantMappingFactory.create_batch(2, association=association)

    response = api(f"/app/api/associations/{association.pk}/delete", "POST")

    assert response.status_code == 200
    assert response.json()["synced_count"] == 0
    assert not ProductAssociation.objects.filter(pk=association.pk).exists()
    assert VariantMapping.objects.count() == 0


def test_another_shops_association_answers_404_and_stays(api, shop, other_shop):
    theirs = ProductAssociationFactory(shop=OTHER_SHOP)

    response = api(f"/app/api/associations/{theirs.pk}/delete", "POST")
    missing = api("/app/api/associations/999999/delete", "POST")

    assert response.status_code == 404
    assert response.json()["error"] == missing.json()["error"]
    assert ProductAssociation.objects.filter(pk=theirs.pk).exists()


def test_delete_needs_post(api, shop):
    association = ProductAssociationFactory(shop=SHOP)

    assert api(f"/app/api/associations/{association.pk}/delete").status_code == 405


@pytest.mark.parametrize("query", ["\u00b2", "٣", "9" * 40], ids=["superscript", "arabic", "huge"])
def test_a_search_for_odd_digits_finds_nothing_instead_of_failing(api, shop, query):
    response = api("/app/api/associations", q=query, page="\u00b2")

    assert response.status_code == 200
    assert response.json()["associations"] == []
