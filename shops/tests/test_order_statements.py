"""What orders cost the database, from their webhooks to their flows sent: a fixed, small number
of statements per order, and what every order of a claimed batch reads alike read once (a flash
sale's throughput is bounded by them: docs/benchmarks.md › order_flow)."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connector.work.polled import work_run_polled
from shops.models import FlowDelivery
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import order_payload

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
ORDERS = 3


def statement_kinds(statements):
    return Counter(re.match(r"\s*(\w+)", sql).group(1).upper() for sql in statements)


def reads_of(statements, table):
    return sum(1 for sql in statements if sql.startswith("SELECT") and f"FROM `{table}`" in sql)


def test_orders_cost_a_fixed_number_of_statements_from_webhook_to_flow_sent(
    database_queue, ecomdrop_simulator, post_webhook
):
    ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(
        shop=SHOP, ecomdrop_api_key=KEY, nuevo_pedido_flow_id="9001", dropi_country="CO", installed_at=timezone.now()
    )
    post_webhook("orders/create", order_payload(name="#0", phone="+573001110000"), shop=SHOP)
    work_run_polled()  # the account's flows and fields are read once, then cached: not per order

    with CaptureQueriesContext(connection) as intake:
        for number in range(1, ORDERS + 1):
            order = order_payload(name=f"#{number}", phone=f"+57300111{number:04d}")
            assert post_webhook("orders/create", order, shop=SHOP).status_code == 200
    with CaptureQueriesContext(connection) as work:
        assert work_run_polled() == 2 * ORDERS  # the events, then their deliveries

    assert FlowDelivery.objects.filter(state=FlowDelivery.Status.SENT).count() == ORDERS + 1
    assert len(intake.captured_queries) == ORDERS  # one INSERT per webhook
    statements = [query["sql"] for query in work.captured_queries]
    kinds = statement_kinds(statements)
    # Per order: its Dropi record, the record's history line and the delivery; the event marked
    # processed, the delivery's intent and its outcome. Per batch: one claim of the events and
    # one of the deliveries.
    assert kinds["INSERT"] == 3 * ORDERS, statements
    assert kinds["UPDATE"] == 3 * ORDERS + 2, statements
    # Read once per batch, not per order: the shop's settings, delivery rules and departments.
    assert reads_of(statements, "shops_shop_configuration") == 2  # the events' batch, the deliveries'
    assert reads_of(statements, "shops_delivery_rules") == 1
    assert reads_of(statements, "shops_dropi_department") == 1
    # In all 72 for 3 orders (BEGIN/COMMIT and the polls that find nothing left included):
    # about 16 more per order.
    assert len(statements) <= 16 * ORDERS + 24, statements
