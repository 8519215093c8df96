"""Order and abandoned-cart flow deliveries to Ecomdrop: recording them.

Owns: turning an order/checkout payload into a ``FlowDelivery`` (one per shop, event and
Shopify object — duplicate webhooks find the existing row) and queueing it. Processing it,
exactly once, is ``delivery_job``'s; the payload reading is ``delivery_payloads``'; what the
Ecomdrop account has is ``ecomdrop_contacts``'. Callers import all of it from here.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from connector.db_rows import insert_unless_duplicate, rows_values
from connector.errors import ApplicationError
from connector.work import work_wake_turn
from shops.models import DeliveryRules, FlowDelivery, ShopConfiguration
from shops.services.delivery_job import (  # noqa: F401 (the public names of deliveries)
    FLOW_DELIVERY,
    RESENDABLE,
    _schedule,
    flow_deliveries_recover,
    flow_delivery_process,
    flow_delivery_process_due,
    flow_delivery_recover_stale,
    flow_delivery_resend,
    shop_configuration_of_batch,
)
from shops.services.delivery_payloads import (
    BuyerSnapshot,
    buyer_phone_key,
    buyer_snapshot,
    checkout_field_values,
    clean_text,
    normalise_buyer_phone,
    order_facts,
    order_field_values,
)
from shops.services.dropi_lines import dropi_contact_field_values
from shops.services.dropi_orders import dropi_order_record
from shops.services.ecomdrop_contacts import (  # noqa: F401 (the public names of deliveries)
    DEFAULT_FIELD_NAMES,
    ecomdrop_account_cache_key,
    ecomdrop_contact_field_names,
    ecomdrop_custom_field_ids,
)
from shops.services.guardrails import delivery_rules_of

Status = FlowDelivery.Status
Kind = FlowDelivery.Kind
Skip = FlowDelivery.SkipReason
# Shopify's ids are 64-bit integers (at most 20 digits) and its checkout tokens 32 hex
# characters; longer ones are not Shopify's (the columns hold 32 and 255).
MAX_SHOPIFY_ID = 32
MAX_CHECKOUT_TOKEN = 255


def _record(
    *,
    shop: str,
    kind: str,
    object_id: str,
    buyer: BuyerSnapshot,
    fields: dict[str, str],
    order_name: str = "",
    checkout_token: str = "",
    run_after: datetime.datetime | None = None,
    facts: dict[str, Any] | None = None,
    test_event: str = "",
) -> tuple[FlowDelivery, bool]:
    contact = {"first_name": buyer.first_name, "last_name": buyer.last_name, "phone_problem": buyer.phone_problem}
    defaults = {
        "order_name": order_name[:64],
        "checkout_token": checkout_token[:255],
        "customer_id": buyer.customer_id[:64],
        "phone": buyer.phone,
        "email": buyer.email,
        "contact": {**contact, "test_event": test_event} if test_event else contact,
        "fields": fields,
        "next_attempt_at": run_after,
        "phone_key": buyer_phone_key(buyer.phone),
        "facts": facts or {},
    }
    # A repeated webhook is refused by the unique (shop, kind, object) key and read then.
    with transaction.atomic(savepoint=False):
        delivery = insert_unless_duplicate(
            FlowDelivery, {"shop": shop, "kind": kind, "shopify_object_id": object_id, **defaults}
        )
        if delivery is not None:
            _schedule(delivery.pk, run_after=run_after)
    if delivery is None:
        return FlowDelivery.objects.get(shop=shop, kind=kind, shopify_object_id=object_id), False
    return delivery, True


def flow_delivery_record_order(*, shop: str, order: dict[str, Any]) -> tuple[FlowDelivery, bool]:
    """Record the 'Nuevo Pedido' delivery of an ``orders/create`` payload and queue it, with
    the order's Dropi identity (``dropi_orders.dropi_order_record``) in its contact fields.

    Idempotent: a repeated webhook returns the existing delivery (created=False).
    """
    configuration = shop_configuration_of_batch(shop)
    order_id = clean_text(order.get("id"))
    if not order_id:
        raise ApplicationError("order payload without id", code="invalid_payload")
    if len(order_id) > MAX_SHOPIFY_ID:
        raise ApplicationError("order payload with an id longer than Shopify's", code="invalid_payload")
    buyer = buyer_snapshot(order, default_country=configuration.dropi_country if configuration else None)
    # The order's Dropi identity is recorded with it; the bot gets it as contact fields.
    dropi_order, first_seen = dropi_order_record(shop=shop, order=order, configuration=configuration)
    # Its Dropi record is written with it, in the same transaction: a new Dropi record means a
    # new order (no look-up needed).
    if (
        first_seen
        or not FlowDelivery.objects.filter(shop=shop, kind=Kind.ORDER_CREATED, shopify_object_id=order_id).exists()
    ):
        # Before the order is recorded: its turn must not wait behind the reminders it replaces.
        cart_reminders_replace(shop=shop, phone_key=buyer_phone_key(buyer.phone))
    return _record(
        shop=shop,
        kind=Kind.ORDER_CREATED,
        object_id=order_id,
        buyer=buyer,
        fields={
            **order_field_values(shop, order),
            **(dropi_contact_field_values(dropi_order) if dropi_order is not None else {}),
        },
        order_name=clean_text(order.get("name")),
        checkout_token=clean_text(order.get("checkout_token")),
        facts=order_facts(order),
    )


def cart_reminders_replace(*, shop: str, phone_key: str) -> int:
    """A newer order replaces the buyer's pending cart reminders (checkouts and draft orders):
    skipped, unless a worker holds one right now (it finishes; the order waits its turn)."""
    if not phone_key:
        return 0
    # Found through the buyer's index only (one UPDATE naming the state let MariaDB walk every
    # pending delivery on the (state, due) index instead — and lock them — during a burst).
    # Every order makes this read: written once (``rows_values``), not built by the ORM each time.
    buyers = rows_values(FlowDelivery, ("id", "kind"), {"shop": shop, "phone_key": phone_key})
    reminders = [pk for pk, kind in buyers if kind == Kind.CART_ABANDONED]
    if not reminders:
        return 0
    now = timezone.now()
    return (
        FlowDelivery.objects.filter(pk__in=reminders, state=Status.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(state=Status.SKIPPED, skip_reason=Skip.REPLACED, hold_reason="", next_attempt_at=None, updated_at=now)
    )


def flow_delivery_record_checkout(*, shop: str, checkout: dict[str, Any]) -> tuple[FlowDelivery | None, bool]:
    """Record (or refresh) the 'Carrito Abandonado' delivery of a checkout, due after the shop's delay.

    One delivery per checkout token however many updates arrive; later updates refresh the
    buyer and cart data of a delivery that has not been processed yet. A completed checkout
    marks it skipped.
    """
    token = clean_text(checkout.get("token"))
    if len(token) > MAX_CHECKOUT_TOKEN:
        raise ApplicationError("checkout payload with a token longer than Shopify's", code="invalid_payload")
    if not token or delivery_rules_of(shop).cart_source == DeliveryRules.CartSource.DRAFTS:
        return None, False
    configuration = ShopConfiguration.objects.filter(shop=shop).first()
    delay = datetime.timedelta(minutes=configuration.abandoned_cart_delay_minutes if configuration else 60)
    buyer = buyer_snapshot(checkout, default_country=configuration.dropi_country if configuration else None)
    fields = checkout_field_values(checkout)
    delivery, created = _record(
        shop=shop,
        kind=Kind.CART_ABANDONED,
        object_id=token,
        buyer=buyer,
        fields=fields,
        checkout_token=token,
        run_after=timezone.now() + delay,
    )
    if checkout.get("completed_at") and delivery.state == Status.PENDING:
        converted = FlowDelivery.objects.filter(pk=delivery.pk, state=Status.PENDING, lease_owner="").update(
            state=Status.SKIPPED, skip_reason=Skip.CONVERTED, updated_at=timezone.now()
        )
        if converted:
            work_wake_turn(job=FLOW_DELIVERY, pk=delivery.pk)  # the buyer's next delivery may run
    elif not created:
        cart_reminder_refresh(delivery, buyer=buyer, fields=fields)
    delivery.refresh_from_db()
    return delivery, created


def cart_reminder_refresh(delivery: FlowDelivery, *, buyer: BuyerSnapshot, fields: dict[str, str]) -> None:
    """A later update of the cart: new buyer and cart data for a reminder still pending."""
    FlowDelivery.objects.filter(pk=delivery.pk, state=Status.PENDING).update(
        phone=buyer.phone,
        email=buyer.email,
        customer_id=buyer.customer_id[:64],
        contact={"first_name": buyer.first_name, "last_name": buyer.last_name, "phone_problem": buyer.phone_problem},
        fields=fields,
        phone_key=buyer_phone_key(buyer.phone),
        updated_at=timezone.now(),
    )


def flow_delivery_record_shipping(
    *, shop: str, kind: str, order_id: str, order_name: str, buyer: BuyerSnapshot, fields: dict[str, str]
) -> tuple[FlowDelivery, bool]:
    """Record a shipping flow (``ship_*`` kinds) of an order and queue it: one per order and
    stage (a repeat returns the existing delivery, created=False). Runs in the caller's
    transaction (the shipping sync's)."""
    return _record(shop=shop, kind=kind, object_id=order_id, buyer=buyer, fields=fields, order_name=order_name)


def flow_delivery_send_test(*, shop: str, phone: str, event: str = "order") -> FlowDelivery:
    """Send a sample order (``event="order"``) to the shop's 'Nuevo Pedido' flow, or a sample
    abandoned cart (``event="cart"``) to its 'Carrito Abandonado' flow, for the merchant's own phone."""
    configuration = ShopConfiguration.objects.filter(shop=shop).first()
    normalised, problem = normalise_buyer_phone(
        [phone], regions=[configuration.dropi_country if configuration else None]
    )
    if normalised is None:
        raise ApplicationError(
            gettext("Enter a valid phone number with its country code, e.g. +57 300 123 4567."),
            field="phone",
            code=problem,
        )
    if configuration is None or not configuration.ecomdrop_api_key:
        raise ApplicationError(gettext("Connect Ecomdrop first."), code="no_api_key")
    cart = event == "cart"
    if cart and not configuration.carrito_abandonado_flow_id:
        raise ApplicationError(gettext("Choose the 'Carrito Abandonado' flow first."), code="no_flow")
    if not cart and not configuration.nuevo_pedido_flow_id:
        raise ApplicationError(gettext("Choose the 'Nuevo Pedido' flow first."), code="no_flow")
    buyer = BuyerSnapshot(normalised, "", None, "Cliente", "de prueba", "")
    delivery, _ = _record(
        shop=shop,
        kind=Kind.TEST,
        object_id=f"test-{uuid.uuid4().hex}",
        buyer=buyer,
        fields=TEST_CART_FIELDS if cart else {**TEST_ORDER_FIELDS, "admin_url": f"https://{shop}/admin/orders"},
        order_name="#TEST-CART" if cart else "#TEST-1001",
        test_event="cart" if cart else "order",
    )
    return delivery


TEST_ORDER_FIELDS = {
    "order_name": "#TEST-1001",
    "order_total": "99900.00",
    "currency": "COP",
    "products": "2x Producto de prueba",
    "address": "Calle 1 # 2-3, Bogotá",
    "city": "Bogotá",
    "payment": "Contra entrega",
    "order_id": "0",
}
TEST_CART_FIELDS = {
    "order_total": "99900.00",
    "currency": "COP",
    "products": "2x Producto de prueba",
    "cart_url": "https://example.com/carrito-de-prueba",
}
