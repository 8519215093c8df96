"""The schema as MySQL/MariaDB sees it: charsets, constraints, indexes, round trips."""

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.urls import reverse

from assistant.models import AIConfiguration
from assistant.tests.factories import AIConfigurationFactory
from connector.models import ShopifySession
from connector.tests.factories import ShopifySessionFactory
from connector.validators import is_valid_shop_domain
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


def test_every_admin_search_column_is_indexed_with_names_on_their_first_255_characters():
    prefix_lengths = {
        (table, column): sub_part
        for table, column, sub_part in query(
            "SELECT TABLE_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = DATABASE() AND SEQ_IN_INDEX = 1"
        )
    }

    for table, column, prefix in (
        ("products_product_association", "dropi_product_name", 255),
        ("products_product_association", "shopify_product_title", 255),
        ("products_variant_mapping", "dropi_variation_id", None),
        ("products_variant_mapping", "dropi_variation_label", 255),
        ("products_variant_mapping", "shopify_variant_title", 255),
        ("connector_shopify_session", "email", None),
        ("connector_shopify_session", "user_id", None),
        ("connector_shopify_session", "first_name", None),
        ("connector_shopify_session", "last_name", None),
    ):
        assert (table, column) in prefix_lengths, (table, column)
        assert prefix_lengths[table, column] == prefix, (table, column)


def plan(queryset):
    """EXPLAIN of ``queryset`` as one dict per table."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def search_plan(admin_client, model, term):
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = admin_client.get(changelist, {"q": term})
    assert response.status_code == 200
    return response.context["cl"].result_count, plan(response.context["cl"].queryset)


@pytest.mark.parametrize(
    ("model", "term", "index"),
    [
        (ProductAssociation, "Camiseta 7 ", "product_assoc_name_idx"),
        (ProductAssociation, "Polo 7 ", "product_assoc_title_idx"),
        (ProductAssociation, "tienda-7.myshopify.com", "products_product_association_shop"),
        (VariantMapping, "Negro / 7 ", "variant_mapping_label_idx"),
        (VariantMapping, "Variante 7 ", "variant_mapping_title_idx"),
        (VariantMapping, "tienda-7.myshopify.com", "variant_mapping_association_variation_uniq"),
        (ShopifySession, "Ana7", "shopify_session_first_name_idx"),
        (ShopifySession, "Pérez7", "shopify_session_last_name_idx"),
        (ShopifySession, "9007", "shopify_session_user_id_idx"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else str(value),
)
def test_admin_searches_read_indexes_not_whole_tables(admin_client, model, term, index):
    for number in range(60):
        association = ProductAssociationFactory(
            shop=f"tienda-{number}.myshopify.com",
            dropi_product_name=f"Camiseta {number} negra",
            shopify_product_title=f"Polo {number} negro",
        )
        VariantMappingFactory(
            association=association,
            dropi_variation_label=f"Negro / {number} / Algodón",
            shopify_variant_title=f"Variante {number} negra",
        )
        ShopifySessionFactory(
            shop=association.shop,
            is_online=True,
            user_id=9000 + number,
            first_name=f"Ana{number}",
            last_name=f"Pérez{number}",
        )
    query("ANALYZE TABLE products_product_association, products_variant_mapping, connector_shopify_session")

    count, rows = search_plan(admin_client, model, term)

    assert count == 1
    searched = next(row for row in rows if row["table"] == model._meta.db_table)
    assert searched["type"] in ("range", "ref", "index_merge"), rows
    assert index in searched["key"], rows
    assert all(row["type"] not in ("ALL", "index") for row in rows), rows


def test_indexed_varchars_are_at_most_255_characters():
    # Longer name columns are indexed on their first 255 characters (PrefixIndex): SUB_PART.
    rows = query(
        "SELECT c.TABLE_NAME, c.COLUMN_NAME, COALESCE(s.SUB_PART, c.CHARACTER_MAXIMUM_LENGTH) "
        "FROM information_schema.COLUMNS c "
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
    ShopifySessionFactory(id="i" * 255, shop=LONG_SHOP)
    association = ProductAssociationFactory(shop=LONG_SHOP)
    AIConfigurationFactory(shop=LONG_SHOP)

    assert len(LONG_SHOP) == 255
    for model in (ShopConfiguration, ShopifySession, ProductAssociation, AIConfiguration):
        assert model.objects.get(shop=LONG_SHOP).shop == LONG_SHOP
    assert association.shop == LONG_SHOP


def test_the_longest_valid_shop_domain_gets_whole_session_ids():
    longest_shop = "a" * 63 + ".myshopify.com"  # a DNS label has at most 63 characters
    assert is_valid_shop_domain(longest_shop)
    assert not is_valid_shop_domain("a" + longest_shop)
    largest_user_id = 2**63 - 1  # the largest value of the bigint user_id column
    offline_id = ShopifySession.offline_id(longest_shop)
    online_id = ShopifySession.online_id(longest_shop, largest_user_id)

    ShopifySessionFactory(id=offline_id, shop=longest_shop)
    ShopifySessionFactory(id=online_id, shop=longest_shop, is_online=True, user_id=largest_user_id)

    id_length = ShopifySession._meta.get_field("id").max_length
    assert len(online_id) <= id_length
    assert len(offline_id) <= id_length
    assert set(ShopifySession.objects.filter(shop=longest_shop).values_list("id", flat=True)) == {offline_id, online_id}


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


def test_no_index_only_repeats_the_start_of_another():
    """A non-unique index whose columns, with the primary key InnoDB appends to it, begin
    another index serves no query that one does not, and costs every insert."""
    redundant = []
    tables = [
        row[0] for row in query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
    ]
    for table in tables:
        found = indexes(table)
        primary = found.get("PRIMARY", (True, []))[1]
        for name, (unique, columns) in found.items():
            if unique:
                continue
            effective = columns + [column for column in primary if column not in columns]
            for other, (_unique, other_columns) in found.items():
                if other != name and other_columns[: len(effective)] == effective:
                    redundant.append(f"{table}.{name} ({', '.join(columns)}) begins {other}")
    assert redundant == []
