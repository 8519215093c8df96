"""The hand-written conditional UPDATE of leases (``connector.db_rows.row_update``) writes what
``QuerySet.update`` would: JSON, encrypted fields, datetimes; only while its conditions hold;
expressions and model instances through the ORM itself."""

import datetime

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F

from connector.db_rows import row_update
from shops.models import DropiOrder, DropiOrderEvent, FlowDelivery

pytestmark = pytest.mark.django_db


def _delivery(**overrides):
    row = {
        "shop": "a.myshopify.com",
        "kind": FlowDelivery.Kind.ORDER_CREATED,
        "shopify_object_id": "1",
        "lease_owner": "owner-1",
        "state": FlowDelivery.Status.PROCESSING,
        **overrides,
    }
    return FlowDelivery.objects.create(**row)


def test_an_update_writes_what_the_orms_update_would_write():
    delivery = _delivery()
    until = datetime.datetime(2026, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    changes = {
        "state": FlowDelivery.Status.SENDING,
        "contact": {"progress": {"fields_set": ["ciudad"]}, "first_name": "Añá"},
        "phone": "+573001112233",  # encrypted at rest, as the ORM writes it
        "lease_until": until,
    }

    matched = row_update(
        FlowDelivery,
        delivery.pk,
        changes,
        where={"lease_owner": "owner-1", "state": (FlowDelivery.Status.PROCESSING, FlowDelivery.Status.SENDING)},
    )

    assert matched == 1
    delivery.refresh_from_db()
    assert delivery.state == FlowDelivery.Status.SENDING
    assert delivery.contact == changes["contact"]
    assert delivery.phone.reveal() == "+573001112233"
    assert delivery.lease_until == until
    stored = FlowDelivery.objects.filter(pk=delivery.pk).values_list("phone", flat=True).get()
    assert "573001112233" not in str(stored)


def test_an_update_whose_conditions_do_not_match_writes_nothing():
    delivery = _delivery()

    assert row_update(FlowDelivery, delivery.pk, {"flow_id": "9"}, where={"lease_owner": "someone-else"}) == 0
    assert row_update(FlowDelivery, delivery.pk, {"flow_id": "9"}, where={"state": (FlowDelivery.Status.SENT,)}) == 0
    assert row_update(FlowDelivery, delivery.pk + 1, {"flow_id": "9"}) == 0
    assert FlowDelivery.objects.get(pk=delivery.pk).flow_id == ""


def test_an_expression_goes_through_the_orm_and_an_empty_in_matches_nothing():
    delivery = _delivery(attempts=2)

    assert row_update(FlowDelivery, delivery.pk, {"attempts": F("attempts") + 1}, where={"lease_owner": "owner-1"}) == 1
    assert row_update(FlowDelivery, delivery.pk, {"flow_id": "8"}, where={"state": ()}) == 0
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.flow_id) == (3, "")


def test_an_update_of_a_field_the_model_lacks_is_refused():
    delivery = _delivery()

    with pytest.raises(FieldDoesNotExist):
        row_update(FlowDelivery, delivery.pk, {"colour": "red"})
    with pytest.raises(FieldDoesNotExist):  # a lookup is not a field name
        row_update(FlowDelivery, delivery.pk, {"flow_id": "7"}, where={"state__in": ["processing"]})


def test_a_model_instance_for_a_foreign_key_goes_through_the_orm():
    first, second = (
        DropiOrder.objects.create(shop="a.myshopify.com", shopify_order_id=str(number)) for number in (1, 2)
    )
    line = DropiOrderEvent.objects.create(order=first, kind="recorded", actor="shopify")

    assert row_update(DropiOrderEvent, line.pk, {"order": second}) == 1
    line.refresh_from_db()
    assert line.order_id == second.pk
