"""Transactions that begin with START TRANSACTION (``db_connections.transactions_begin_explicitly``,
the worker's runner threads): one round trip fewer, the same transactions."""

import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, connections, transaction

from connector.db_connections import transactions_begin_explicitly
from connector.models import OAuthState

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]


def in_thread(work):
    """``work()`` in a new thread with its own connection, as a runner's slot has; its result."""
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as error:  # noqa: BLE001 (handed to the test's thread)
            outcome["error"] = error
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def session_counters() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS WHERE Variable_name IN ('Com_begin', 'Com_commit', 'Com_set_option')")
        return {name: int(value) for name, value in cursor.fetchall()}


def one_transaction(*, explicitly: bool) -> dict[str, int]:
    if explicitly:
        transactions_begin_explicitly()
    OAuthState.objects.count()  # connected
    before = session_counters()
    with transaction.atomic():
        OAuthState.objects.create(state=f"s-{explicitly}", shop="tienda.myshopify.com")
    after = session_counters()
    return {name: after[name] - before[name] for name in after}


def test_a_transaction_begun_explicitly_costs_no_set_autocommit():
    explicit = in_thread(lambda: one_transaction(explicitly=True))
    ordinary = in_thread(lambda: one_transaction(explicitly=False))

    assert explicit == {"Com_begin": 1, "Com_commit": 1, "Com_set_option": 0}
    assert ordinary == {"Com_begin": 0, "Com_commit": 1, "Com_set_option": 2}  # SET autocommit=0, then =1


def visible_elsewhere(state: str) -> bool:
    """Whether another connection sees the row (it was committed)."""
    return in_thread(lambda: OAuthState.objects.filter(state=state).exists())


@transaction.atomic
def create_then_fail(state: str) -> None:
    OAuthState.objects.create(state=state, shop="a.myshopify.com")
    raise RuntimeError


def test_a_transaction_begun_explicitly_commits_rolls_back_and_nests_as_any_other():
    def work():
        transactions_begin_explicitly()
        with transaction.atomic():
            OAuthState.objects.create(state="committed", shop="a.myshopify.com")
            try:
                with transaction.atomic():
                    OAuthState.objects.create(state="inner", shop="a.myshopify.com")
                    OAuthState.objects.create(state="committed", shop="a.myshopify.com")  # refused: unique
            except IntegrityError:
                pass
            assert not visible_elsewhere("committed")  # not yet: still one transaction
        with pytest.raises(RuntimeError):
            create_then_fail("rolled-back")
        assert connection.get_autocommit()
        OAuthState.objects.create(state="autocommitted", shop="a.myshopify.com")
        # No transaction left open: another connection sees the last row while this one idles.
        return visible_elsewhere("autocommitted")

    assert in_thread(work)
    assert sorted(OAuthState.objects.values_list("state", flat=True)) == ["autocommitted", "committed"]


def test_a_locking_read_inside_holds_its_lock_until_the_end_of_the_transaction():
    OAuthState.objects.create(state="locked", shop="a.myshopify.com")
    held, release = threading.Event(), threading.Event()

    def holder():
        transactions_begin_explicitly()
        with transaction.atomic():
            OAuthState.objects.select_for_update().get(state="locked")
            held.set()
            release.wait(10)

    def skipper():
        with transaction.atomic():
            return list(OAuthState.objects.select_for_update(skip_locked=True).values_list("state", flat=True))

    thread = threading.Thread(target=lambda: in_thread(holder))
    thread.start()
    assert held.wait(10)
    try:
        assert in_thread(skipper) == []
    finally:
        release.set()
        thread.join()
    assert in_thread(skipper) == ["locked"]


def test_only_the_calling_threads_connection_changes():
    transactions_begin_explicitly()
    try:
        assert "_start_transaction_under_autocommit" in vars(connections["default"])
        assert in_thread(lambda: "_start_transaction_under_autocommit" in vars(connections["default"])) is False
    finally:
        del connections["default"]._start_transaction_under_autocommit
