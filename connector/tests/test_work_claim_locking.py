"""A claim locks and writes its row through the primary key only, so it never locks a
neighbouring row's index entries before that row (the behaviour against a real neighbour is
shops/tests/test_dropi_order_claim_locking.py)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connector.tests.test_work import JOB, State, ago, row
from connector.work import work_claim

pytestmark = pytest.mark.django_db(transaction=True)
BY_PRIMARY_KEY = re.compile(r"WHERE `\w+`\.`id` = \d+( FOR UPDATE)?$")


@pytest.mark.mysql
def test_a_claim_locks_and_updates_its_row_by_primary_key_only():
    item = row(state=State.RETRYING, next_attempt_at=ago(1))

    with CaptureQueriesContext(connection) as captured:
        claim = work_claim(job=JOB, pk=item.pk)

    assert claim is not None
    locking = [query["sql"] for query in captured if query["sql"].startswith("UPDATE") or "FOR UPDATE" in query["sql"]]
    assert len(locking) == 2, locking
    for sql in locking:
        assert BY_PRIMARY_KEY.search(sql), sql


@pytest.mark.parametrize(
    ("fields", "due_in_seconds", "where"),
    [
        ({"state": State.PROCESSED}, None, None),
        ({"state": State.PENDING}, 300, None),
        ({"state": State.PENDING}, None, {"attempts": 3}),
    ],
)
def test_a_row_that_is_not_claimable_is_left_as_it_was(fields, due_in_seconds, where):
    # The due time is taken when the test runs, not when the suite is collected (minutes before).
    due = {} if due_in_seconds is None else {"next_attempt_at": ago(-due_in_seconds)}
    item = row(**fields, **due)

    assert work_claim(job=JOB, pk=item.pk, where=where) is None
    assert JOB.model.objects.get(pk=item.pk).attempts == 0


def test_a_claim_matching_where_takes_the_row():
    item = row(state=State.PENDING)

    assert work_claim(job=JOB, pk=item.pk, where={"attempts": 0}) is not None
