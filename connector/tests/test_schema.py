"""The schema as MySQL/MariaDB sees it: charsets, constraints, indexes, round trips."""

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from assistant.models import AIConfiguration
from assistant.tests.factories import AIConfigurationFactory
from connector.models import ShopifySession
from connector.tests.factories import ShopifySessionFactory
from products.models import ProductAssociation, VariantMapping
from products.tests.factories import ProductAssociationFactory, VariantMappingFactory
from shops.models import ShopConfiguration
from shops.tests.factories import ShopConfigurationFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.mysql]

OUR_MODELS = (ShopifySession, ShopConfiguration, ProductAssociation, VariantMapping, AIConfiguration)
LONG_SHOP = ("s" * (255 - len(".myshopify.com"))) + ".myshopify.com"
TEXT = "Ñandú café — 😀🚀 ﷽ 中文 «comillas» \u00e1\u0301"


def query(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def indexes(table):
    """{index name: (unique, [columns in order])} from information_schema."""
    rows = query(
        "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY INDEX_NAME, SEQ_IN_INDEX",
        [table],
    )
    result = {}
    for name, non_unique, column in rows:
        result.setdefault(name, (not non_unique, []))[1].append(column)
    return result


def has_index(table, columns, *, unique=None):
    for is_unique, index_columns in indexes(table).values():
        if index_columns == list(columns) and (unique is None or is_unique == unique):
            return True
    return False


def test_every_table_and_text_column_is_utf8mb4_unicode_ci():
    for model in OUR_MODELS:
        table = model._meta.db_table
        ((collation,),) = query(
            "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
            [table],
        )
        assert collation == "utf8mb4_unicode_ci", table
        columns = query(
            "SELECT COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND CHARACTER_SET_NAME IS NOT NULL",
            [table],
        )
        assert columns, table
        json_columns = {
            field.column for field in model._meta.concrete_fields if field.get_internal_type() == "JSONField"
        }
        for column, charset, column_collation in columns:
            # MariaDB stores JSON as LONGTEXT in utf8mb4_bin (byte-exact); MySQL has a native type.
            expected = "utf8mb4_bin" if column in json_columns else "utf8mb4_unicode_ci"
            assert (charset, column_collation) == ("utf8mb4", expected), (table, column)


def test_constraints_and_indexes_match_the_old_schema():
    assert has_index("shops_shop_configuration", ["shop"], unique=True)
    assert has_index("assistant_ai_configuration", ["shop"], unique=True)
    association = "products_product_association"
    assert has_index(association, ["shop", "dropi_product_id", "shopify_product_id"], unique=True)
    assert has_index(association, ["shop"])
    assert has_index(association, ["dropi_product_id"])
    assert has_index(association, ["shopify_product_id"])
    assert has_index(association, ["created_at"])
    assert has_index("connector_shopify_session", ["shop"])
    assert has_index("connector_shopify_session", ["id"], unique=True)
    assert has_index("products_variant_mapping", ["association_id", "dropi_variation_id"], unique=True)


def test_indexed_varchars_are_at_most_255_characters():
    rows = query(
        "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS c "
        "JOIN information_schema.STATISTICS s ON s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = c.TABLE_NAME "
        "AND s.COLUMN_NAME = c.COLUMN_NAME WHERE c.TABLE_SCHEMA = DATABASE() AND c.DATA_TYPE = 'varchar' "
        "AND c.TABLE_NAME IN %s",
        [tuple(model._meta.db_table for model in OUR_MODELS)],
    )
    assert rows
    for table, column, length in rows:
        assert length <= 255, (table, column)


def test_duplicate_shop_configuration_is_refused_by_the_database():
    ShopConfigurationFactory(shop="dup.myshopify.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        ShopConfiguration.objects.create(shop="dup.myshopify.com")


def test_duplicate_association_triple_is_refused_but_other_pairs_are_allowed():
    ProductAssociationFactory(
        shop="a.myshopify.com", dropi_product_id="1", shopify_product_id="gid://shopify/Product/9"
    )
    ProductAssociationFactory(
        shop="a.myshopify.com", dropi_product_id="1", shopify_product_id="gid://shopify/Product/8"
    )
    ProductAssociationFactory(
        shop="b.myshopify.com", dropi_product_id="1", shopify_product_id="gid://shopify/Product/9"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductAssociationFactory(
            shop="a.myshopify.com", dropi_product_id="1", shopify_product_id="gid://shopify/Product/9"
        )


def test_a_255_character_shop_domain_round_trips_in_every_table():
    ShopConfigurationFactory(shop=LONG_SHOP)
    ShopifySessionFactory(id=f"offline_{LONG_SHOP}"[:255], shop=LONG_SHOP)
    association = ProductAssociationFactory(shop=LONG_SHOP)
    AIConfigurationFactory(shop=LONG_SHOP)

    assert len(LONG_SHOP) == 255
    for model in (ShopConfiguration, ShopifySession, ProductAssociation, AIConfiguration):
        assert model.objects.get(shop=LONG_SHOP).shop == LONG_SHOP
    assert association.shop == LONG_SHOP


def test_strict_mode_refuses_a_too_long_value_instead_of_truncating():
    with pytest.raises(DataError, match="too long"), transaction.atomic():
        ShopConfiguration.objects.create(shop="x" * 300)


def _text_fields(model):
    from django.db import models

    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
        and not field.primary_key
        and not field.choices
        and field.name not in ("shop",)
        and field.editable
    ]


def test_emoji_and_accents_round_trip_in_every_text_column():
    from connector.fields import EncryptedTextField

    instances = [
        ShopConfigurationFactory(),
        ShopifySessionFactory(),
        ProductAssociationFactory(),
        VariantMappingFactory(),
        AIConfigurationFactory(),
    ]
    checked = 0
    for instance in instances:
        model = type(instance)
        for field in _text_fields(model):
            limit = getattr(field, "max_length", None) or 10_000
            value = (TEXT * 20)[:limit]
            model.objects.filter(pk=instance.pk).update(**{field.name: value})
            stored = getattr(model.objects.get(pk=instance.pk), field.name)
            if isinstance(field, EncryptedTextField):
                stored = stored.reveal()
            assert stored == value, (model.__name__, field.name)
            checked += 1
        for field in model._meta.concrete_fields:
            if field.get_internal_type() == "JSONField":
                value = [{"id": "1", "text": TEXT, "nested": {"emoji": "🛒"}}]
                model.objects.filter(pk=instance.pk).update(**{field.name: value})
                assert getattr(model.objects.get(pk=instance.pk), field.name) == value
                checked += 1
    assert checked >= 25
