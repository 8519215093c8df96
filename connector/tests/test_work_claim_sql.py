"""The batch claim's hand-written statements (``connector/work/claim_sql.py``) hold to the ORM's
statement of the same rule (``orm_candidates`` below): over rows that are due or not, leased or
free, of several shops and buyers, running or waiting ahead, skipped and left out."""

import datetime
import itertools

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from connector.work.claim_sql import candidates_read, claimed_mark
from connector.work.turns import turn_waiting_q
from shops.models import FlowDelivery
from shops.services.delivery_job import FLOW_DELIVERY
from webhooks.models import WebhookEvent
from webhooks.services.inbox import WEBHOOK_EVENT

pytestmark = pytest.mark.django_db

NOW = timezone.now()
MINUTE = datetime.timedelta(minutes=1)
SHOPS = ("a.myshopify.com", "b.myshopify.com", "")


def orm_candidates(job, *, now, skip_pks, full):
    """The rows a claim may take, in the ORM's words: waiting and due (within the job's
    tolerance), lease free or run out, not skipped, not of a key left out, and (with turns)
    whose turn it seems to be."""
    due = (
        Q(state__in=list(job.waiting_states))
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + job.due_tolerance))
        & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    )
    candidates = job.model.objects.filter(due)
    if skip_pks:
        candidates = candidates.exclude(pk__in=list(skip_pks))
    if job.fair_key and full:
        candidates = candidates.exclude(**{f"{job.fair_key}__in": list(full)})
    if job.turns is not None:
        candidates = candidates.filter(turn_waiting_q(job))
    return candidates


def _deliveries():
    Status = FlowDelivery.Status
    states = (Status.PENDING, Status.PROCESSING, Status.SENDING, Status.SENT, Status.FAILED)
    due = (None, NOW - MINUTE, NOW + MINUTE)
    leases = (None, NOW - MINUTE, NOW + MINUTE)
    for number, (shop, phone_key, state, next_at, lease) in enumerate(
        itertools.product(SHOPS[:2], ("k1", "k2", ""), states, due, leases)
    ):
        FlowDelivery.objects.create(
            shop=shop,
            kind=FlowDelivery.Kind.SHIP_GUIDE,
            shopify_object_id=str(number),
            phone_key=phone_key,
            state=state,
            next_attempt_at=next_at,
            lease_until=lease,
        )


def _events():
    Status = WebhookEvent.Status
    states = (Status.PENDING, Status.RETRYING, Status.PROCESSING, Status.PROCESSED)
    for number, (shop, state, next_at, lease) in enumerate(
        itertools.product(
            SHOPS[:2],
            states,
            (None, NOW + datetime.timedelta(seconds=1), NOW + MINUTE),
            (None, NOW - MINUTE, NOW + MINUTE),
        )
    ):
        WebhookEvent.objects.create(
            shop=shop,
            topic="t/x",
            event_id=str(number),
            webhook_id="w",
            payload={},
            state=state,
            next_attempt_at=next_at,
            lease_until=lease,
        )


@pytest.mark.parametrize(
    ("job", "make"), [(FLOW_DELIVERY, _deliveries), (WEBHOOK_EVENT, _events)], ids=["turns", "plain"]
)
def test_the_candidates_read_is_the_orms_statement(job, make):
    make()
    some = list(job.model.objects.order_by("pk").values_list("pk", flat=True)[::7])

    for skip_pks, full in [((), ()), (some, ()), ((), ("a.myshopify.com",)), (some, ("a.myshopify.com", "z"))]:
        expected = set(orm_candidates(job, now=NOW, skip_pks=skip_pks, full=full).values_list("pk", flat=True))
        with transaction.atomic():
            read = candidates_read(job, now=NOW, limit=10_000, skip_pks=skip_pks, full=full)

        assert {row[0] for row in read} == expected
        assert expected  # each case has rows to find
    with transaction.atomic():
        assert len(candidates_read(job, now=NOW, limit=3, skip_pks=(), full=())) == 3


def test_the_claims_update_counts_an_attempt_and_changes_only_the_rows_named():
    _deliveries()
    first, second, other = FlowDelivery.objects.order_by("pk")[:3]
    until = NOW + MINUTE

    with transaction.atomic():
        changed = claimed_mark(
            FLOW_DELIVERY,
            [first.pk, second.pk],
            {"lease_owner": "me", "lease_until": until, "state": FlowDelivery.Status.PROCESSING},
        )

    assert changed == 2
    for row in (first, second):
        row.refresh_from_db()
        assert (row.lease_owner, row.lease_until, row.state, row.attempts) == ("me", until, "processing", 1)
    other.refresh_from_db()
    assert (other.lease_owner, other.attempts) == ("", 0)
