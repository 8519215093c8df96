"""The hand-written SELECT of the hottest reads (``connector.db_rows.rows_values``) answers what
``values_list`` answers: the same rows, values converted the same way (encrypted, JSON, datetimes)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connector.db_rows import rows_values
from shops.models import FlowDelivery

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "kind", "phone", "contact", "next_attempt_at", "sent_at", "attempts")


def _delivery(shop, phone_key, **overrides):
    row = {
        "shop": shop,
        "kind": FlowDelivery.Kind.ORDER_CREATED,
        "shopify_object_id": f"{shop}-{phone_key}-{FlowDelivery.objects.count()}",
        "phone_key": phone_key,
        "phone": "+573001112233",
        "contact": {"first_name": "Añá", "n": [1, 2]},
        **overrides,
    }
    return FlowDelivery.objects.create(**row)


def test_the_rows_and_values_are_those_values_list_gives():
    from django.utils import timezone

    _delivery("a.myshopify.com", "k1", next_attempt_at=timezone.now())
    _delivery("a.myshopify.com", "k1", kind=FlowDelivery.Kind.CART_ABANDONED)
    _delivery("a.myshopify.com", "k2")
    _delivery("b.myshopify.com", "k1")

    for where in (
        {"shop": "a.myshopify.com", "phone_key": "k1"},
        {"shop": "a.myshopify.com", "phone_key": ("k1", "k2")},
        {"shop": ["a.myshopify.com", "b.myshopify.com"]},
        {"shop": "c.myshopify.com"},
    ):
        lookups = {f"{name}__in" if isinstance(value, tuple | list) else name: value for name, value in where.items()}
        expected = list(FlowDelivery.objects.filter(**lookups).order_by().values_list(*COLUMNS))

        assert sorted(rows_values(FlowDelivery, COLUMNS, where)) == sorted(expected)


def test_the_values_are_converted_and_one_statement_is_sent():
    made = _delivery("a.myshopify.com", "k1")

    with CaptureQueriesContext(connection) as queries:
        ((pk, phone, contact),) = rows_values(FlowDelivery, ("id", "phone", "contact"), {"phone_key": "k1"})

    assert (pk, phone, contact) == (made.pk, "+573001112233", {"first_name": "Añá", "n": [1, 2]})
    assert len(queries) == 1


def test_an_empty_in_matches_nothing_without_a_query_and_no_condition_is_refused():
    _delivery("a.myshopify.com", "k1")

    with CaptureQueriesContext(connection) as queries:
        assert rows_values(FlowDelivery, ("id",), {"shop": "a.myshopify.com", "phone_key": []}) == []
    assert not queries
    with pytest.raises(ValueError, match="at least one condition"):
        rows_values(FlowDelivery, ("id",), {})


def _fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_an_instance_read_by_hand_is_the_one_first_gives():
    """The shop's settings and rules, read once per batch of orders (``row_instance``): every
    column as the ORM's ``first()`` gives it — secrets decrypted, JSON decoded, times aware."""
    from connector.db_rows import row_instance
    from shops.models import DeliveryRules, ShopConfiguration
    from shops.tests.factories import ShopConfigurationFactory

    ShopConfigurationFactory(shop="a.myshopify.com", ecomdrop_api_key="key-ABCDEFGH-123456", nuevo_pedido_flow_id="9")
    ShopConfigurationFactory(shop="b.myshopify.com")
    DeliveryRules.objects.create(shop="a.myshopify.com", quiet_hours_enabled=True)

    for model in (ShopConfiguration, DeliveryRules):
        expected = model.objects.filter(shop="a.myshopify.com").first()
        found = row_instance(model, {"shop": "a.myshopify.com"})
        assert type(found) is model
        assert (found.pk, found._state.adding, found._state.db) == (expected.pk, False, "default")
        assert _fields(found) == _fields(expected)
        assert row_instance(model, {"shop": "none.myshopify.com"}) is None
    configuration = row_instance(ShopConfiguration, {"shop": "a.myshopify.com"})
    assert configuration.ecomdrop_api_key.reveal() == "key-ABCDEFGH-123456"
