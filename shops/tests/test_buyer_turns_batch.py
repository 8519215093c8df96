"""Buyers' turns in the worker's batch claim (``connector.work.polled.work_claim_due``): one
locking read decides the turns of a whole batch, under the same rule as the single claim — the
first waiting delivery of each buyer, none while one of the buyer's runs, and an earlier
delivery still being inserted is waited for."""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connector.work import polled
from connector.work.polled import work_claim_due, work_run_claimed
from shops.models import FlowDelivery, ShopConfiguration
from shops.services import deliveries
from shops.services.delivery_job import FLOW_DELIVERY
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import order_payload

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
Status = FlowDelivery.Status


@pytest.fixture(autouse=True)
def shop(database_queue):
    ShopConfigurationFactory(shop=SHOP, nuevo_pedido_flow_id="9001", dropi_country="CO", installed_at=timezone.now())


def order_of(phone):
    return deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload(phone=phone))[0]


def phone(number):
    return f"+5730012{number:05d}"


def bare_delivery(object_id, phone_key="buyer-key"):
    return FlowDelivery.objects.create(
        shop=SHOP, kind=FlowDelivery.Kind.SHIP_GUIDE, shopify_object_id=object_id, phone_key=phone_key
    )


def claimed(**options):
    return sorted(claim.pk for claim in work_claim_due(job=FLOW_DELIVERY, limit=options.pop("limit", 100), **options))


def test_a_batch_takes_the_first_delivery_of_each_buyer_and_the_next_after_it_ends():
    first, second = order_of(phone(1)), order_of(phone(1))
    other = order_of(phone(2))

    assert claimed() == [first.pk, other.pk]
    assert claimed() == []  # the buyer's second waits while the first runs

    FlowDelivery.objects.filter(pk=first.pk).update(state=Status.SENT, lease_owner="", lease_until=None)
    assert claimed() == [second.pk]


def test_a_batch_of_many_buyers_is_claimed_with_a_fixed_number_of_statements():
    rows = [order_of(phone(number)) for number in range(30)]

    with CaptureQueriesContext(connection) as queries:
        pks = claimed()

    assert pks == sorted(row.pk for row in rows)
    # Candidates (SKIP LOCKED), the buyers' rows locked, one UPDATE, the rows read back, plus
    # the transaction's BEGIN/COMMIT: not a claim per row.
    assert len(queries.captured_queries) <= 6, [query["sql"] for query in queries.captured_queries]


def test_a_buyer_whose_delivery_is_held_by_another_worker_is_not_claimed():
    first, second = order_of(phone(1)), order_of(phone(1))
    FlowDelivery.objects.filter(pk=first.pk).update(
        state=Status.SENDING, lease_owner="other", lease_until=timezone.now() + timezone.timedelta(minutes=5)
    )

    assert claimed() == []
    assert FlowDelivery.objects.get(pk=second.pk).state == Status.PENDING


def test_an_earlier_delivery_of_the_buyer_still_being_inserted_is_waited_for():
    """A worker's batch sees only committed rows; the buyer's delivery inserted (not committed
    yet) with a smaller id must still run first: the claim waits on that row's lock. (Two
    orders of one buyer are already serialised by the cart-reminder replacement; rows of kinds
    without it, e.g. shipping flows, are not.)"""
    inserted = threading.Event()
    release = threading.Event()
    earlier = {}

    def intake():
        try:
            with transaction.atomic():
                earlier["row"] = bare_delivery("1")
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=intake)
    thread.start()
    assert inserted.wait(10)
    later = bare_delivery("2")  # committed, with a larger id
    assert later.pk > earlier["row"].pk
    threading.Timer(0.5, release.set).start()

    started = time.monotonic()
    pks = claimed()
    thread.join(10)

    assert time.monotonic() - started >= 0.4  # it waited for the insert to commit
    assert pks == []  # the later one is not its turn; the earlier one was not a candidate yet
    assert claimed() == [earlier["row"].pk]


def test_a_batch_claim_the_server_rolls_back_to_break_a_deadlock_is_taken_again(monkeypatch):
    rows = [order_of(phone(number)) for number in range(3)]
    real = polled.turns_free
    calls = []

    def deadlocked_once(job, candidates):
        calls.append(len(candidates))
        if len(calls) == 1:
            raise OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")
        return real(job, candidates)

    monkeypatch.setattr(polled, "turns_free", deadlocked_once)

    assert claimed() == sorted(row.pk for row in rows)
    assert calls == [3, 3]


def test_quotas_apply_before_the_turns():
    rows = [order_of(phone(number)) for number in range(5)]

    assert claimed(per_key=2) == [rows[0].pk, rows[1].pk]


def test_deliveries_claimed_together_read_their_shops_settings_once(ecomdrop_simulator):
    ecomdrop_simulator.add_account(KEY)
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    configuration.ecomdrop_api_key = KEY
    configuration.save()
    rows = [order_of(phone(number)) for number in range(6)]
    claims = work_claim_due(job=FLOW_DELIVERY, limit=100)
    assert len(claims) == len(rows)

    with CaptureQueriesContext(connection) as queries:
        states = [work_run_claimed(claim) for claim in claims]

    assert states == [Status.SENT] * len(rows)
    tables = [
        query["sql"].split("FROM", 1)[1].split()[0]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT")
    ]
    assert tables.count("`shops_shop_configuration`") == 1
    assert tables.count("`shops_delivery_rules`") == 1


def test_a_claim_reads_about_as_many_rows_as_it_claims_not_the_tables_history():
    """Rows read by the claim (MySQL's handler counters) stay near the rows it claims, however
    many finished rows the table keeps: ordering the candidates by id had MariaDB walk the
    primary key from the oldest finished row (2,000 reads here, 32,031 with 30,000 rows)."""
    history = [
        FlowDelivery(shop=SHOP, kind=FlowDelivery.Kind.ORDER_CREATED, shopify_object_id=str(n), state=Status.SENT)
        for n in range(2000)
    ]
    waiting = [
        FlowDelivery(shop=SHOP, kind=FlowDelivery.Kind.ORDER_CREATED, shopify_object_id=f"w{n}", phone_key=f"k{n}")
        for n in range(1000)
    ]
    FlowDelivery.objects.bulk_create(history + waiting, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE shops_flow_delivery")
        cursor.fetchall()

    before = index_reads()
    assert len(claimed(limit=16)) == 16
    assert index_reads() - before < 200


def index_reads():
    """This session's rows read by scans (MySQL's handler counters: in index order, from a
    scan's start, and in a full table scan)."""
    with connection.cursor() as cursor:
        counters = "'Handler_read_next', 'Handler_read_first', 'Handler_read_rnd_next'"
        cursor.execute(f"SHOW SESSION STATUS WHERE Variable_name IN ({counters})")
        return sum(int(reads) for _name, reads in cursor.fetchall())
