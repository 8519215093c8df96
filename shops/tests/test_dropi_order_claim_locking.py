"""Claiming a Dropi order while another worker is finishing the next one (its row and index
entries locked, not committed yet) does not wait for that worker. MariaDB planned the old
single conditional UPDATE on the (state, due) index and waited for the neighbour's entry — in
bench/dropi_orders.py a deadlock whose victim's task failed, and the order waited a whole lease."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from connector.work import work_claim
from shops.models import DropiOrder
from shops.services.dropi_order_job import DROPI_ORDER

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]
State = DropiOrder.State
SHOP = "tienda.myshopify.com"


def test_a_claim_is_not_held_up_by_a_worker_finishing_the_next_order():
    neighbour = DropiOrder.objects.create(
        shop=SHOP,
        shopify_order_id="1",
        mode="app_on_order",
        state=State.TAGGING,
        lease_owner="other",
        lease_until=timezone.now(),
    )
    item = DropiOrder.objects.create(shop=SHOP, shopify_order_id="2", mode="app_on_order", state=State.QUEUED)
    holding, release = threading.Event(), threading.Event()

    def finish_and_wait():
        with transaction.atomic():
            DropiOrder.objects.filter(pk=neighbour.pk, lease_owner="other").update(state=State.PLACED, lease_owner="")
            holding.set()
            release.wait(10)
        connection.close()

    finisher = threading.Thread(target=finish_and_wait)
    finisher.start()
    try:
        assert holding.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION innodb_lock_wait_timeout = 2")  # the old claim failed here (1205)
        claim = work_claim(job=DROPI_ORDER, pk=item.pk, states=(State.QUEUED,))
    finally:
        release.set()
        finisher.join(10)
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION innodb_lock_wait_timeout = DEFAULT")

    assert claim is not None
    assert DropiOrder.objects.get(pk=item.pk).state == State.PLACING
    assert DropiOrder.objects.get(pk=neighbour.pk).state == State.PLACED
