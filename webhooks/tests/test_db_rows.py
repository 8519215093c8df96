"""The hand-written INSERT of the webhook intake (``connector.db_rows``) writes what the ORM
would: defaults, times, JSON, and the ORM's error for a duplicate."""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from connector.db_rows import insert_instance
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def test_a_row_is_written_as_the_orm_would_write_it():
    before = timezone.now()
    payload = {"id": 1, "name": "#1001", "nested": {"ñ": [1, 2]}}
    triggered = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)

    pk = insert_instance(
        WebhookEvent,
        {
            "shop": "a.myshopify.com",
            "topic": "orders/create",
            "event_id": "e-1",
            "payload": payload,
            "triggered_at": triggered,
        },
    ).pk

    event = WebhookEvent.objects.get(pk=pk)
    assert event.payload == payload
    assert event.triggered_at == triggered
    assert event.state == WebhookEvent.Status.PENDING  # the model's default
    assert event.attempts == 0
    assert event.attempt_errors == []
    assert event.created_at >= before  # auto_now fields: the insert's time
    assert event.updated_at >= before
    assert event.task_id is None


def test_a_duplicate_raises_the_orms_integrity_error():
    row = {"shop": "a.myshopify.com", "topic": "orders/create", "event_id": "e-1", "payload": {}}
    insert_instance(WebhookEvent, row)

    with pytest.raises(IntegrityError):
        insert_instance(WebhookEvent, row)
    assert WebhookEvent.objects.count() == 1


def test_an_unknown_field_is_refused_before_anything_is_written():
    with pytest.raises(TypeError, match="colour"):
        insert_instance(
            WebhookEvent, {"shop": "a.myshopify.com", "topic": "t", "event_id": "e", "payload": {}, "colour": 1}
        )
    assert not WebhookEvent.objects.exists()


def test_an_inserted_instance_is_as_create_returns_it_and_saves_as_an_update():
    event = insert_instance(
        WebhookEvent, {"shop": "a.myshopify.com", "topic": "t", "event_id": "e", "payload": {"a": 1}}
    )

    assert event.pk is not None
    assert event.state == WebhookEvent.Status.PENDING
    assert event.created_at is not None
    event.state = WebhookEvent.Status.PROCESSED
    event.save()  # an UPDATE of the same row, not a second INSERT
    assert list(WebhookEvent.objects.values_list("pk", "state", "payload")) == [
        (event.pk, WebhookEvent.Status.PROCESSED, {"a": 1})
    ]


# --------------------------------------------------------------------------- row_update
def _delivery(**overrides):
    from shops.models import FlowDelivery

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
    from connector.db_rows import row_update
    from shops.models import FlowDelivery

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
    from connector.db_rows import row_update
    from shops.models import FlowDelivery

    delivery = _delivery()

    assert row_update(FlowDelivery, delivery.pk, {"flow_id": "9"}, where={"lease_owner": "someone-else"}) == 0
    assert row_update(FlowDelivery, delivery.pk, {"flow_id": "9"}, where={"state": (FlowDelivery.Status.SENT,)}) == 0
    assert row_update(FlowDelivery, delivery.pk + 1, {"flow_id": "9"}) == 0
    assert FlowDelivery.objects.get(pk=delivery.pk).flow_id == ""


def test_an_expression_a_lookup_or_an_empty_in_goes_through_the_orm():
    from django.db.models import F

    from connector.db_rows import row_update
    from shops.models import FlowDelivery

    delivery = _delivery(attempts=2)

    assert row_update(FlowDelivery, delivery.pk, {"attempts": F("attempts") + 1}, where={"lease_owner": "owner-1"}) == 1
    assert row_update(FlowDelivery, delivery.pk, {"flow_id": "7"}, where={"state__in": ["processing"]}) == 1
    assert row_update(FlowDelivery, delivery.pk, {"flow_id": "8"}, where={"state": ()}) == 0
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.flow_id) == (3, "7")


def test_an_update_of_a_field_the_model_lacks_is_refused():
    from django.core.exceptions import FieldDoesNotExist

    from connector.db_rows import row_update
    from shops.models import FlowDelivery

    delivery = _delivery()

    with pytest.raises(FieldDoesNotExist):
        row_update(FlowDelivery, delivery.pk, {"colour": "red"})


def test_a_model_instance_for_a_foreign_key_goes_through_the_orm():
    from connector.db_rows import row_update
    from products.models import ProductAssociation, VariantMapping

    first, second = (
        ProductAssociation.objects.create(
            shop="a.myshopify.com",
            dropi_product_id=str(number),
            shopify_product_id=f"gid://shopify/Product/{number}",
            import_type=ProductAssociation.ImportType.CREATE,
        )
        for number in (1, 2)
    )
    mapping = VariantMapping.objects.create(association=first, dropi_variation_id="7", shopify_variant_id="v-7")

    assert row_update(VariantMapping, mapping.pk, {"association": second}) == 1
    mapping.refresh_from_db()
    assert mapping.association_id == second.pk
