"""What the shops app holds per shop and per customer (listed in settings.PERSONAL_DATA, run
by ``webhooks.privacy``).

Per shop: the configuration row (Ecomdrop key and flows, Dropi settings, callback secret) and
the flow deliveries. Per customer: the deliveries sent for their orders and carts (phone and
e-mail, encrypted; name and order data set on their Ecomdrop contact).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q

from shops.models import DeliveryRules, FlowDelivery, ShopConfiguration
from webhooks.privacy import Customer, phone_digits


def erase_shop_configuration(*, shop: str) -> int:
    deleted = 0
    for queryset in (
        FlowDelivery.objects.filter(shop=shop),
        DeliveryRules.objects.filter(shop=shop),
        ShopConfiguration.objects.filter(shop=shop),
    ):
        count, _ = queryset.delete()
        deleted += count
    return deleted


def _deliveries_of(shop: str, customer: Customer) -> Iterator[FlowDelivery]:
    """Deliveries about the customer: by Shopify customer id or order id (indexed), or by the
    same phone number, country code included (stored in E.164), or e-mail (compared one by
    one: they are stored encrypted)."""
    known = Q(pk__in=[])
    if customer.shopify_id:
        known |= Q(customer_id=customer.shopify_id)
    if customer.order_ids:
        known |= Q(kind=FlowDelivery.Kind.ORDER_CREATED, shopify_object_id__in=customer.order_ids)
    matching = set(FlowDelivery.objects.filter(known, shop=shop).values_list("pk", flat=True))
    for delivery in FlowDelivery.objects.filter(shop=shop).order_by("pk").iterator(chunk_size=500):
        phone = phone_digits(delivery.phone.reveal()) if delivery.phone else ""
        email = delivery.email.reveal().casefold() if delivery.email else ""
        same_phone = bool(customer.phone and phone == customer.phone)
        same_email = bool(customer.email and email == customer.email)
        if delivery.pk in matching or same_phone or same_email:
            yield delivery


def export_flow_deliveries(*, shop: str, customer: Customer) -> list[dict[str, Any]]:
    """The WhatsApp flows sent for the customer's orders and carts, with the data given to Ecomdrop."""
    return [
        {
            "id": delivery.pk,
            "event": delivery.kind,
            "order": delivery.order_name or delivery.shopify_object_id,
            "status": delivery.state,
            "created_at": delivery.created_at.isoformat(),
            "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
            "phone": delivery.phone.reveal() if delivery.phone else None,
            "email": delivery.email.reveal() if delivery.email else None,
            "contact": delivery.contact,
            "order_data": delivery.fields,
            "ecomdrop_contact_id": delivery.contact_id or None,
        }
        for delivery in _deliveries_of(shop, customer)
    ]


def anonymise_flow_deliveries(*, shop: str, customer: Customer) -> int:
    """Blank the customer's phone, e-mail, name and order data; the delivery's state stays."""
    ids = [delivery.pk for delivery in _deliveries_of(shop, customer)]
    return FlowDelivery.objects.filter(pk__in=ids).update(
        phone=None, email=None, contact={}, fields={}, customer_id="", checkout_token="", phone_key="", facts={}
    )
