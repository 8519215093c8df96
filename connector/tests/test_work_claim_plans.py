"""The plans of a claim's turn reads on MySQL/MariaDB (connector/work/claim_sql.py): they stay
on the buyer index whatever InnoDB's statistics say. Found in a benchmark on a fresh database:
while the table grew, the statistics still described it nearly empty and the server read the
turn test through the (state, due) index (every active row for each candidate) and the turns'
locking read along the whole primary key (to spare a sort) — 1.95 million rows examined by
108 claims."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connector.work.claim_sql import candidates_read, turn_keys_read
from shops.models import FlowDelivery
from shops.services.delivery_job import FLOW_DELIVERY

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

SHOP = "busy.myshopify.com"
BUYER_INDEX = "flow_delivery_buyer_idx"


@pytest.fixture
def statistics_of_an_empty_table():
    """The delivery table's statistics taken while it was empty and kept so (no recalculation
    as rows arrive), as on a first day or right after a large delete."""
    table = connection.ops.quote_name(FlowDelivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} STATS_AUTO_RECALC=0")
        cursor.execute(f"ANALYZE TABLE {table}")
        cursor.fetchall()
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} STATS_AUTO_RECALC=DEFAULT")


def _burst(count):
    """A one-shop burst: each buyer new, some deliveries running, the rest waiting."""
    Status = FlowDelivery.Status
    now = timezone.now() - datetime.timedelta(seconds=5)
    FlowDelivery.objects.bulk_create(
        FlowDelivery(
            shop=SHOP,
            kind=FlowDelivery.Kind.SHIP_GUIDE,
            shopify_object_id=str(number),
            phone_key=f"{number:064x}",
            state=Status.PROCESSING if number % 3 == 0 else Status.PENDING,
            next_attempt_at=now,
        )
        for number in range(count)
    )


def _keys_used(sql):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        names = [column[0] for column in cursor.description]
        return {(row["table"], row["key"]) for row in (dict(zip(names, values, strict=True)) for values in cursor)}


def _executed(action):
    with CaptureQueriesContext(connection) as queries:
        result = action()
    (query,) = queries.captured_queries
    return result, query["sql"]


def test_the_turn_test_and_the_turns_locking_read_stay_on_the_buyer_index(statistics_of_an_empty_table):
    _burst(600)

    found, claim_sql = _executed(
        lambda: candidates_read(FLOW_DELIVERY, now=timezone.now(), limit=32, skip_pks=(), full=())
    )
    assert found
    assert ("U0", BUYER_INDEX) in _keys_used(claim_sql)

    candidates = [(pk, (shop, phone_key)) for pk, _key, shop, phone_key in found]
    _, turns_sql = _executed(lambda: turn_keys_read(FLOW_DELIVERY, [key for _pk, key in candidates], candidates))
    assert _keys_used(turns_sql) == {(FlowDelivery._meta.db_table, BUYER_INDEX)}
