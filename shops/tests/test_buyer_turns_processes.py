"""One conversation per buyer with real `manage.py worker` processes: two workers take one
buyer's three orders from the database queue at once, Ecomdrop answering slowly, and the
buyer's contact still gets each flow with its own order's fields, in arrival order."""

import pytest
from django.utils import timezone

from shops.models import FlowDelivery
from shops.services import deliveries
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import order_payload
from shops.tests.test_delivery_worker_process import start_worker, stop_all
from webhooks.tests.test_webhook_worker_process import wait_for

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
Status = FlowDelivery.Status


def test_two_worker_processes_send_one_buyers_orders_one_at_a_time(tmp_path, ecomdrop_simulator, database_queue):
    account = ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(
        shop=SHOP, ecomdrop_api_key=KEY, nuevo_pedido_flow_id="9001", dropi_country="CO", installed_at=timezone.now()
    )
    ecomdrop_simulator.stall_next("set_field", seconds=0.2, times=60)
    rows = [
        deliveries.flow_delivery_record_order(
            shop=SHOP, order=order_payload(line_items=[{"title": f"Producto {n}", "quantity": 1, "sku": f"P-{n}"}])
        )[0]
        for n in range(3)
    ]
    workers = [
        start_worker(tmp_path, "turns-a", ecomdrop_simulator),
        start_worker(tmp_path, "turns-b", ecomdrop_simulator),
    ]
    try:
        wait_for(
            lambda: (
                set(FlowDelivery.objects.filter(pk__in=[row.pk for row in rows]).values_list("state", flat=True))
                == {Status.SENT}
            ),
            timeout=60,
            what="the buyer's three orders to be sent",
            workers=workers,
        )
    finally:
        stop_all(*workers)

    log = [(what, name, value) for what, _contact, name, value in account.log]
    sends = [index for index, entry in enumerate(log) if entry[0] == "send"]
    assert len(sends) == 3
    assert len(account.contacts) == 1
    start = 0
    for row, send in zip(rows, sends, strict=True):
        written = {value for what, name, value in log[start:send] if name == "pedido_id"}
        assert written == {row.shopify_object_id}  # its own order, nothing of another in between
        start = send + 1
