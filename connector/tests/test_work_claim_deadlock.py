"""A claim InnoDB ends as a deadlock victim is tried again (outside a transaction it changed
nothing); inside the caller's transaction, or for another database error, it is raised."""

import pytest
from django.db import OperationalError, transaction
from django.db.models import QuerySet

from connector.tests.test_work import JOB, LEASE, State, ago, read, row
from connector.work import work_claim

pytestmark = pytest.mark.django_db(transaction=True)
DEADLOCK = (1213, "Deadlock found when trying to get lock; try restarting transaction")


@pytest.fixture
def failing_updates(monkeypatch):
    """The next ``count`` UPDATEs raise ``error``; returns the list of UPDATEs tried."""
    tried = []
    real_update = QuerySet.update

    def arm(count, error=DEADLOCK):
        def update(queryset, **changes):
            tried.append(changes)
            if len(tried) <= count:
                raise OperationalError(*error)
            return real_update(queryset, **changes)

        monkeypatch.setattr(QuerySet, "update", update)
        return tried

    return arm


def test_a_claim_ended_as_a_deadlock_victim_is_tried_again_and_counts_one_attempt(failing_updates):
    item = row(state=State.PENDING, next_attempt_at=ago(1))
    tried = failing_updates(2)

    claim = work_claim(job=JOB, pk=item.pk)

    assert claim is not None
    assert len(tried) == 3
    stored = read(item)
    assert (stored.state, stored.attempts, stored.lease_owner) == (State.PROCESSING, 1, claim.owner)
    assert stored.lease_until > ago(0) + LEASE / 2


def test_a_claim_that_keeps_deadlocking_gives_up_after_three_tries_and_changes_nothing(failing_updates):
    item = row(state=State.PENDING)
    tried = failing_updates(5)

    with pytest.raises(OperationalError):
        work_claim(job=JOB, pk=item.pk)

    assert len(tried) == 3
    assert (read(item).state, read(item).attempts) == (State.PENDING, 0)


def test_inside_a_transaction_a_deadlock_is_left_to_the_caller(failing_updates):
    item = row(state=State.PENDING)
    tried = failing_updates(1)

    with pytest.raises(OperationalError), transaction.atomic():
        work_claim(job=JOB, pk=item.pk)

    assert len(tried) == 1


def test_another_database_error_is_not_retried(failing_updates):
    item = row(state=State.PENDING)
    tried = failing_updates(1, error=(1205, "Lock wait timeout exceeded; try restarting transaction"))

    with pytest.raises(OperationalError):
        work_claim(job=JOB, pk=item.pk)

    assert len(tried) == 1
    assert read(item).attempts == 0
