"""Processing flow deliveries, exactly once: the delivery's states and transitions.

Owns: processing a recorded ``FlowDelivery`` — find or create the buyer's Ecomdrop contact, set
the order data as contact fields, send the flow — and its retries, recovery and resend.

Exactly once: a worker claims a delivery with a conditional UPDATE (only one wins) and records
the intent (``sending``) in its own committed write before calling ``send flow``. An error
answer from Ecomdrop means nothing was sent, so it is retried with back-off; a call that may
have reached Ecomdrop without an answer, or a worker that vanished while ``sending``, leaves
the delivery ``unconfirmed`` — never resent automatically (the callback of the flow confirms
it; staff or the merchant may resend by hand). No transaction is open during HTTP calls.
"""

from __future__ import annotations

import datetime
import logging
import random
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from connector import task_queue
from connector.ecomdrop.client import EcomdropClient
from connector.ecomdrop.errors import EcomdropError, EcomdropRateLimited
from connector.errors import ApplicationError
from shops.models import FlowDelivery, ShopConfiguration
from shops.services.ecomdrop_contacts import (
    ecomdrop_contact_field_names,
    ecomdrop_custom_field_ids,
    ecomdrop_flow_exists,
)

logger = logging.getLogger(__name__)

Status = FlowDelivery.Status
Kind = FlowDelivery.Kind
Skip = FlowDelivery.SkipReason


def _lease() -> datetime.timedelta:
    """How long a worker owns a delivery without renewing: longer than any single Ecomdrop call
    (a worker renews before each call), so a live worker is never taken for a dead one."""
    return datetime.timedelta(seconds=max(settings.FLOW_DELIVERY_LEASE_SECONDS, settings.HTTP_TIMEOUT_SECONDS * 2))


def _schedule(delivery_id: int, *, run_after: datetime.datetime | None = None) -> None:
    """Enqueue processing (in the caller's transaction: the queue lives in the same database)
    and remember the task on the delivery, so that recovery can tell a lost task from a queue
    that is only behind."""
    from shops.tasks import process_flow_delivery

    task = process_flow_delivery
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # immediate backend (tests): due deliveries are processed by flow_delivery_process_due
        task = task.using(run_after=run_after)
    result = task.enqueue(delivery_id)  # immediate backends run it here and now
    if task_queue.queue_is_database(task):
        FlowDelivery.objects.filter(pk=delivery_id).update(task_id=result.id)


def _retry_delay(attempts: int, error: EcomdropError | None = None) -> datetime.timedelta:
    base = settings.FLOW_DELIVERY_RETRY_BASE_SECONDS
    cap = settings.FLOW_DELIVERY_RETRY_MAX_SECONDS
    seconds = min(cap, base * 2 ** max(attempts - 1, 0)) * (0.5 + random.random())  # noqa: S311 (jitter)
    if isinstance(error, EcomdropRateLimited):
        seconds = max(seconds, error.retry_after)
    return datetime.timedelta(seconds=seconds)


def _claim(delivery_id: int, owner: str) -> bool:
    now = timezone.now()
    claimed = (
        FlowDelivery.objects.filter(pk=delivery_id, status=Status.PENDING)
        .exclude(next_attempt_at__gt=now)
        .update(status=Status.PROCESSING, lease_owner=owner, lease_until=now + _lease(), updated_at=now)
    )
    return claimed == 1


class _LeaseLost(Exception):
    """Another worker took the delivery over (this one was too slow, or paused): stop at once."""


def _renew(delivery_id: int, owner: str, **changes: Any) -> None:
    """Extend this worker's lease before an Ecomdrop call; raise _LeaseLost when it was taken over."""
    now = timezone.now()
    if not FlowDelivery.objects.filter(pk=delivery_id, lease_owner=owner).update(
        lease_until=now + _lease(), updated_at=now, **changes
    ):
        raise _LeaseLost


def _finish(delivery_id: int, owner: str, **changes: Any) -> int:
    changes.setdefault("lease_owner", "")
    changes.setdefault("lease_until", None)
    changes["updated_at"] = timezone.now()
    return FlowDelivery.objects.filter(pk=delivery_id, lease_owner=owner).update(**changes)


def _skip_reason(delivery: FlowDelivery, configuration: ShopConfiguration | None) -> tuple[str, str]:
    """(skip reason, flow id) — an empty reason means: send."""
    if configuration is None or not configuration.is_installed:
        return Skip.UNINSTALLED, ""
    if not configuration.ecomdrop_api_key:
        return Skip.NO_API_KEY, ""
    flow_id = (
        configuration.carrito_abandonado_flow_id
        if delivery.kind == Kind.CART_ABANDONED
        else configuration.nuevo_pedido_flow_id
    )
    if not flow_id:
        return Skip.NO_FLOW, ""
    if not delivery.phone:
        return (delivery.contact or {}).get("phone_problem") or Skip.NO_PHONE, ""
    if (
        delivery.kind == Kind.CART_ABANDONED
        and FlowDelivery.objects.filter(
            shop=delivery.shop, kind=Kind.ORDER_CREATED, checkout_token=delivery.shopify_object_id
        ).exists()
    ):
        return Skip.CONVERTED, ""
    return "", flow_id


def flow_delivery_process(*, delivery_id: int) -> str:
    """Process one due delivery; return its resulting status.

    Does nothing (returns the current status) when the delivery is not pending, not due, or
    claimed by another worker. Retryable Ecomdrop failures before the flow is sent schedule a
    new attempt with exponential back-off and jitter (see ``_fail_or_retry``).
    """
    owner = uuid.uuid4().hex
    if not _claim(delivery_id, owner):
        return _current_status(delivery_id)
    delivery = FlowDelivery.objects.get(pk=delivery_id)
    delivery.attempts += 1
    FlowDelivery.objects.filter(pk=delivery_id).update(attempts=delivery.attempts)
    configuration = ShopConfiguration.objects.filter(shop=delivery.shop).first()
    reason, flow_id = _skip_reason(delivery, configuration)
    try:
        if reason:
            return _skip(delivery, owner, reason)
        return _deliver(delivery, configuration, flow_id, owner)
    except _LeaseLost:
        logger.warning(
            "Flow delivery taken over by another worker; this attempt stops",
            extra={"shop": delivery.shop, "delivery": delivery_id},
        )
        return _current_status(delivery_id)


def _current_status(delivery_id: int) -> str:
    return FlowDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first() or ""


def _skip(delivery: FlowDelivery, owner: str, reason: str) -> str:
    if not _finish(delivery.pk, owner, status=Status.SKIPPED, skip_reason=reason, last_error=""):
        raise _LeaseLost
    logger.info("Flow delivery skipped: %s", reason, extra={"shop": delivery.shop, "delivery": delivery.pk})
    return Status.SKIPPED


def _deliver(delivery: FlowDelivery, configuration: ShopConfiguration, flow_id: str, owner: str) -> str:
    """Contact, fields, flow: each Ecomdrop call is preceded by a renewal of this worker's lease,
    so a worker that was taken over (too slow, or paused) stops before calling again."""
    api_key = configuration.ecomdrop_api_key.reveal()
    client = EcomdropClient(api_key=api_key)
    names = ecomdrop_contact_field_names(configuration=configuration)
    values_by_name = {names[key]: value for key, value in (delivery.fields or {}).items() if key in names}
    phone = delivery.phone.reveal()
    # Steps already done by an earlier attempt are not repeated: the contact found or created
    # and the fields set (each call can fail; a retry continues where the last one stopped).
    contact_id = delivery.contact_id
    progress = (delivery.contact or {}).get("progress") or {}
    fields_set = set(progress.get("fields_set") or [])
    missing = set(progress.get("missing_fields") or [])

    def renew(**changes: Any) -> None:
        _renew(delivery.pk, owner, **changes)

    try:
        renew()
        if not ecomdrop_flow_exists(client, api_key, flow_id):
            return _skip(delivery, owner, Skip.FLOW_MISSING)
        field_ids: dict[str, str] = {}
        if values_by_name:
            renew()
            field_ids = ecomdrop_custom_field_ids(client, api_key)
            # The account lacks these contact fields: the data cannot be stored (said on the
            # delivery and on the Configuración page), never sent as unknown fields.
            missing = {name for name in values_by_name if name not in field_ids}
        known = {name: value for name, value in values_by_name.items() if name in field_ids}
        if not contact_id:
            renew()
            contact = client.find_contact_by_phone(phone=phone)
            if contact is None:
                renew()
                contact = client.create_contact(
                    phone=phone,
                    email=delivery.email.reveal() if delivery.email else None,
                    first_name=(delivery.contact or {}).get("first_name"),
                    last_name=(delivery.contact or {}).get("last_name"),
                    fields=known,
                )
                fields_set = set(known)
            contact_id = contact.id[:255]
        for name, value in known.items():
            if name not in fields_set:
                renew()
                client.set_contact_field(contact_id=contact_id, field_id=field_ids[name], value=value)
                fields_set.add(name)
    except EcomdropError as error:
        return _fail_or_retry(delivery, owner, error, contact_id=contact_id, fields_set=fields_set)

    # Record the intent first, in its own committed write: from here on a lost answer or a
    # lost worker can never lead to a second send.
    renew(
        status=Status.SENDING,
        contact_id=contact_id,
        contact={
            **(delivery.contact or {}),
            "progress": {"fields_set": sorted(fields_set), "missing_fields": sorted(missing)},
        },
        flow_id=flow_id[:255],
    )
    try:
        client.send_flow(contact_id=contact_id, flow_id=flow_id)
    except EcomdropError as error:
        if error.may_have_been_processed:
            _finish(delivery.pk, owner, status=Status.UNCONFIRMED, last_error=_error_text(error))
            logger.warning("Flow send unconfirmed", extra={"shop": delivery.shop, "delivery": delivery.pk})
            return Status.UNCONFIRMED
        return _fail_or_retry(delivery, owner, error, contact_id=contact_id, fields_set=fields_set)
    now = timezone.now()
    if not _finish(delivery.pk, owner, status=Status.SENT, sent_at=now, last_error="", next_attempt_at=None):
        # The lease ran out during the call and recovery marked it unconfirmed; it did go out.
        FlowDelivery.objects.filter(pk=delivery.pk, status=Status.UNCONFIRMED, lease_owner="").update(
            status=Status.SENT, sent_at=now, last_error="", updated_at=now
        )
    if missing:
        logger.warning(
            "Flow delivery sent without %s contact field(s) the Ecomdrop account lacks",
            len(missing),
            extra={"shop": delivery.shop, "delivery": delivery.pk},
        )
    logger.info("Flow delivery sent", extra={"shop": delivery.shop, "delivery": delivery.pk})
    return Status.SENT


def _error_text(error: EcomdropError) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def _fail_or_retry(
    delivery: FlowDelivery,
    owner: str,
    error: EcomdropError,
    *,
    contact_id: str,
    fields_set: set[str],
) -> str:
    """Schedule another attempt or fail for good.

    The budget (FLOW_DELIVERY_MAX_ATTEMPTS) counts attempts in a row that achieved nothing: an
    attempt that found the contact or set fields before failing starts the count again, so a
    flaky Ecomdrop slows a delivery down but does not lose it.
    """
    progress = dict((delivery.contact or {}).get("progress") or {})
    old_fields = set(progress.get("fields_set") or [])
    advanced = bool(contact_id and contact_id != delivery.contact_id) or bool(fields_set - old_fields)
    stalled = 0 if advanced else int(progress.get("stalled") or 0) + 1
    if error.retryable and stalled < settings.FLOW_DELIVERY_MAX_ATTEMPTS:
        next_attempt = timezone.now() + _retry_delay(max(stalled, 1), error)
        progress["stalled"] = stalled
        progress["fields_set"] = sorted(fields_set)
        changes: dict[str, Any] = {"contact": {**(delivery.contact or {}), "progress": progress}}
        if contact_id:
            changes["contact_id"] = contact_id
        with transaction.atomic():
            if _finish(
                delivery.pk,
                owner,
                status=Status.PENDING,
                next_attempt_at=next_attempt,
                last_error=_error_text(error),
                **changes,
            ):
                _schedule(delivery.pk, run_after=next_attempt)
        logger.info(
            "Flow delivery will retry (attempt %s): %s",
            delivery.attempts,
            type(error).__name__,
            extra={"shop": delivery.shop, "delivery": delivery.pk},
        )
        return Status.PENDING
    _finish(delivery.pk, owner, status=Status.FAILED, last_error=_error_text(error))
    logger.warning(
        "Flow delivery failed: %s", type(error).__name__, extra={"shop": delivery.shop, "delivery": delivery.pk}
    )
    return Status.FAILED


def flow_delivery_process_due(*, limit: int = 100) -> int:
    """Process deliveries whose next attempt is due (for backends that cannot defer tasks, and
    as a safety net); return how many were processed."""
    due = list(
        FlowDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        flow_delivery_process(delivery_id=delivery_id)
    return len(due)


def flow_delivery_recover_stale() -> dict[str, int]:
    """Deliveries whose worker vanished: back to pending if the flow was not being sent yet,
    ``unconfirmed`` if it was (it may have gone out)."""
    now = timezone.now()
    stale = list(
        FlowDelivery.objects.filter(status=Status.PROCESSING, lease_until__lt=now).values_list("pk", "task_id")
    )
    requeued = 0
    for delivery_id, task_id in stale:
        with transaction.atomic():
            if FlowDelivery.objects.filter(pk=delivery_id, status=Status.PROCESSING, lease_until__lt=now).update(
                status=Status.PENDING, next_attempt_at=None, lease_owner="", lease_until=None, updated_at=now
            ):
                requeued += 1
                _close_lost_tasks([task_id], now=now)
                _schedule(delivery_id)
    unconfirmed = FlowDelivery.objects.filter(status=Status.SENDING, lease_until__lt=now).update(
        status=Status.UNCONFIRMED,
        # Stored in English like every recorded error; the pages translate it (shops.views.PROBLEMS).
        last_error="WorkerLost: the worker stopped while sending the flow.",
        lease_owner="",
        lease_until=None,
        updated_at=now,
    )
    return {"requeued": requeued, "unconfirmed": unconfirmed}


RESENDABLE = (Status.FAILED, Status.SKIPPED, Status.UNCONFIRMED)


def flow_delivery_resend(*, delivery: FlowDelivery) -> FlowDelivery:
    """Queue a failed, skipped or unconfirmed delivery again (a merchant's or staff's decision)."""
    with transaction.atomic():
        # Resending starts over (the contact may have changed in Ecomdrop meanwhile).
        updated = FlowDelivery.objects.filter(pk=delivery.pk, status__in=RESENDABLE).update(
            contact_id="",
            contact={key: value for key, value in (delivery.contact or {}).items() if key != "progress"},
            status=Status.PENDING,
            skip_reason="",
            next_attempt_at=None,
            attempts=0,
            last_error="",
            updated_at=timezone.now(),
        )
        if not updated:
            raise ApplicationError(
                gettext("Only failed, skipped or unconfirmed deliveries can be sent again."), code="not_resendable"
            )
        _schedule(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def _close_lost_tasks(task_ids: list[uuid.UUID | None], *, now: datetime.datetime) -> None:
    """Close the task rows dead workers left "running", so they can be pruned like the others."""
    task_queue.fail_orphaned_tasks(
        task_ids,
        now=now,
        exception_path="connector.errors.TaskWorkerLost",
        explanation="The worker running this task stopped before it finished; the delivery was queued again.",
    )


def flow_delivery_requeue_overdue(*, grace: datetime.timedelta = datetime.timedelta(minutes=5)) -> int:
    """Queue again pending deliveries that should have run more than ``grace`` ago and whose
    task was lost (e.g. with a worker that died). A task still waiting in the queue means the
    queue is behind, not lost: it is left alone, so a backlog never multiplies its tasks."""
    now = timezone.now()
    cutoff = now - grace
    overdue = list(
        FlowDelivery.objects.filter(status=Status.PENDING)
        .filter(Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at__isnull=True, updated_at__lt=cutoff))
        .order_by("pk")
        .values_list("pk", "task_id")[:500]
    )
    from shops.tasks import process_flow_delivery

    live: set[uuid.UUID] = set()
    if task_queue.queue_is_database(process_flow_delivery):
        live = task_queue.live_task_ids((task_id for _, task_id in overdue), now=now, lease=_lease())
    lost = [(delivery_id, task_id) for delivery_id, task_id in overdue if task_id not in live]
    _close_lost_tasks([task_id for _, task_id in lost], now=now)
    for delivery_id, _ in lost:
        _schedule(delivery_id)
    return len(lost)
