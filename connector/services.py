"""Use cases owned by the connector app.

Owns: Shopify access tokens (token exchange, expiring-token refresh with a lease so that one
process spends a refresh token, re-authorization state), the Admin API client for a shop,
the webhook inbox (store, process, retry, recover, prune) and customer data exports and
redaction. No transaction is ever held open across an HTTP call.
"""

from __future__ import annotations

import datetime
import logging
import random
import time
import traceback
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from connector import privacy, task_queue, webhook_registry
from connector.models import CustomerDataExport, ShopifySession, WebhookEvent
from connector.secrets import Secret
from connector.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyReauthorizationRequired,
    ShopifyUnavailable,
)
from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.oauth import ShopifyOAuthClient, TokenSet
from connector.shopify.session_tokens import SessionToken
from connector.shopify.webhooks import WebhookDelivery

logger = logging.getLogger(__name__)

# Refresh this long before the access token expires (Shopify issues them for one hour).
REFRESH_MARGIN = datetime.timedelta(minutes=5)
# How long one process may hold the refresh lease (longer than the HTTP timeout).
REFRESH_LEASE = datetime.timedelta(seconds=30)
# How long another process waits for that refresh to finish before giving up (retryable).
REFRESH_WAIT_SECONDS = 20.0


def _needs_refresh(session: ShopifySession, *, now: datetime.datetime) -> bool:
    return session.expires is not None and session.expires <= now + REFRESH_MARGIN


def shopify_session_store(*, shop: str, tokens: TokenSet) -> ShopifySession:
    """Save ``tokens`` as the shop's offline session (``offline_{shop}``), clearing any lease
    and re-authorization flag. Idempotent upsert; the tokens are encrypted by the model field."""
    session, _ = ShopifySession.objects.update_or_create(
        id=ShopifySession.offline_id(shop),
        defaults={
            "shop": shop,
            "is_online": False,
            "state": "",
            "scope": tokens.scope,
            "access_token": tokens.access_token,
            "expires": tokens.expires_at,
            "refresh_token": tokens.refresh_token,
            "refresh_token_expires": tokens.refresh_token_expires_at,
            "refresh_lock_until": None,
            "refresh_lock_owner": "",
            "reauthorization_required_at": None,
        },
    )
    return session


def shopify_session_exchange(*, session_token: SessionToken) -> ShopifySession:
    """Trade a verified session token for an expiring offline token, store it and install the shop.

    Calls Shopify (no transaction open meanwhile). Raises ShopifyAuthError when Shopify refuses
    the session token, ShopifyUnavailable when it cannot be reached.
    """
    from shops.services import shop_install

    requested_at = timezone.now()
    tokens = ShopifyOAuthClient().exchange_session_token(shop=session_token.shop, session_token=session_token.raw)
    # Install first: an uninstall event older than this grant then leaves the new token alone.
    shop_install(shop=session_token.shop, requested_at=requested_at)
    session = shopify_session_store(shop=session_token.shop, tokens=tokens)
    logger.info("Stored a new offline token by token exchange", extra={"shop": session_token.shop})
    return session


# shop -> (checked at, access-token expiry): shops whose offline token was usable a moment ago.
_usable_sessions: dict[str, tuple[float, datetime.datetime | None]] = {}


def _remember_usable(shop: str, expires: datetime.datetime | None) -> None:
    _usable_sessions[shop] = (time.monotonic(), expires)


def shopify_session_cache_clear() -> None:
    """Forget which shops had a usable token (tests; other processes expire on their own)."""
    _usable_sessions.clear()


def _replace_non_expiring_token(*, session: ShopifySession, session_token: SessionToken) -> ShopifySession:
    """Trade a stored non-expiring offline token (the old app's, or import_prisma's) for an
    expiring one. Shopify refuses non-expiring tokens for public apps from 2027-01-01
    (platforms.md › Expiring offline tokens), so any embedded request is the moment to swap.
    A failed exchange keeps the stored token, which still works for background work; the next
    request tries again."""
    try:
        return shopify_session_exchange(session_token=session_token)
    except ShopifyError as error:
        logger.warning(
            "Could not replace the non-expiring offline token (%s); the stored one stays in use",
            type(error).__name__,
            extra={"shop": session.shop},
        )
        return session


def shopify_session_for_request(*, session_token: SessionToken) -> None:
    """Make sure the shop of an embedded request has a usable expiring offline token: exchange
    the session token when it has none, must re-authorize or only has a non-expiring token (no
    refresh token); refresh one about to expire.

    A shop seen usable less than EMBEDDED_SESSION_CACHE_SECONDS ago (per process) is trusted
    without a query; an uninstall is noticed within that time at the latest.
    """
    shop = session_token.shop
    now = timezone.now()
    remembered = _usable_sessions.get(shop)
    cache_seconds = getattr(settings, "EMBEDDED_SESSION_CACHE_SECONDS", 30)
    if remembered is not None and time.monotonic() - remembered[0] < cache_seconds:
        expires = remembered[1]
        if expires is None or expires > now + REFRESH_MARGIN:
            return
    session = ShopifySession.objects.filter(id=ShopifySession.offline_id(shop)).first()
    if session is None or session.reauthorization_required_at is not None or not session.access_token:
        session = shopify_session_exchange(session_token=session_token)
    elif not session.refresh_token:
        session = _replace_non_expiring_token(session=session, session_token=session_token)
    elif _needs_refresh(session, now=now):
        try:
            shopify_access_token_refresh(shop=shop, stale_token=session.access_token.reveal())
        except ShopifyAuthError:
            session = shopify_session_exchange(session_token=session_token)
        else:
            session.refresh_from_db()
    _remember_usable(shop, session.expires)


def shopify_access_token_get(*, shop: str) -> str:
    """The shop's current offline access token, refreshed first when it is about to expire.

    Raises ShopifyReauthorizationRequired when the shop has no usable token.
    """
    session = ShopifySession.objects.filter(id=ShopifySession.offline_id(shop)).first()
    if session is None or not session.access_token:
        raise ShopifyReauthorizationRequired(f"No offline token stored for {shop}")
    if session.reauthorization_required_at is not None:
        raise ShopifyReauthorizationRequired(f"{shop} must reopen the app from Shopify Admin")
    if _needs_refresh(session, now=timezone.now()):
        return shopify_access_token_refresh(shop=shop, stale_token=session.access_token.reveal())
    return session.access_token.reveal()


def _claim_refresh_lease(*, shop: str, stale_token: str | None, owner: str) -> tuple[str | None, str | None]:
    """Either return a fresher token someone else stored, or claim the lease and return the
    refresh token to spend. Returns (fresh_token, refresh_token); both None means: wait."""
    now = timezone.now()
    with transaction.atomic():
        session = ShopifySession.objects.select_for_update().filter(id=ShopifySession.offline_id(shop)).first()
        if session is None or not session.access_token:
            raise ShopifyReauthorizationRequired(f"No offline token stored for {shop}")
        if session.reauthorization_required_at is not None:
            raise ShopifyReauthorizationRequired(f"{shop} must reopen the app from Shopify Admin")
        current = session.access_token.reveal()
        if current != stale_token and not _needs_refresh(session, now=now):
            return current, None
        if session.refresh_lock_until is not None and session.refresh_lock_until > now:
            return None, None
        if not session.refresh_token:
            # A non-expiring (legacy) token that Shopify refused: only a new exchange helps.
            session.reauthorization_required_at = now
            session.save(update_fields=["reauthorization_required_at", "updated_at"])
            raise ShopifyReauthorizationRequired(f"{shop} has no refresh token; it must reopen the app")
        session.refresh_lock_until = now + REFRESH_LEASE
        session.refresh_lock_owner = owner
        session.save(update_fields=["refresh_lock_until", "refresh_lock_owner", "updated_at"])
        return None, session.refresh_token.reveal()


def shopify_access_token_refresh(*, shop: str, stale_token: str | None) -> str:
    """Return an access token newer than ``stale_token``, refreshing it when nobody else has.

    One process at a time holds a lease on the session row (claimed and released in short
    transactions; the HTTP call runs outside them), so a refresh token is spent once; the
    others wait and read the rotated pair. A refused refresh token marks the shop as needing
    re-authorization (no retry loop) and raises ShopifyReauthorizationRequired.
    """
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + REFRESH_WAIT_SECONDS
    while True:
        fresh, refresh_token = _claim_refresh_lease(shop=shop, stale_token=stale_token, owner=owner)
        if fresh is not None:
            return fresh
        if refresh_token is not None:
            break
        if time.monotonic() > deadline:
            raise ShopifyUnavailable(f"Another process is still refreshing the token of {shop}")
        time.sleep(0.05 + random.random() * 0.1)  # noqa: S311 (jitter, not security)

    try:
        tokens = ShopifyOAuthClient().refresh(shop=shop, refresh_token=refresh_token)
    except ShopifyAuthError as error:
        ShopifySession.objects.filter(id=ShopifySession.offline_id(shop), refresh_lock_owner=owner).update(
            reauthorization_required_at=timezone.now(), refresh_lock_until=None, refresh_lock_owner=""
        )
        logger.warning("Shopify refused the refresh token; re-authorization required", extra={"shop": shop})
        raise ShopifyReauthorizationRequired(f"Shopify refused the refresh token of {shop}") from error
    except Exception:
        ShopifySession.objects.filter(id=ShopifySession.offline_id(shop), refresh_lock_owner=owner).update(
            refresh_lock_until=None, refresh_lock_owner=""
        )
        raise
    updates = {
        "access_token": Secret(tokens.access_token),
        "expires": tokens.expires_at,
        "refresh_token": Secret(tokens.refresh_token) if tokens.refresh_token else None,
        "refresh_token_expires": tokens.refresh_token_expires_at,
        "refresh_lock_until": None,
        "refresh_lock_owner": "",
        "updated_at": timezone.now(),
    }
    if tokens.scope:
        updates["scope"] = tokens.scope
    ShopifySession.objects.filter(id=ShopifySession.offline_id(shop)).update(**updates)
    logger.info("Refreshed the offline access token", extra={"shop": shop})
    return tokens.access_token


class ShopTokenProvider:
    """Token source of the GraphQL client, backed by the shop's offline session."""

    def __init__(self, shop: str) -> None:
        self.shop = shop

    def access_token(self) -> str:
        return shopify_access_token_get(shop=self.shop)

    def refreshed_access_token(self, stale_token: str) -> str:
        return shopify_access_token_refresh(shop=self.shop, stale_token=stale_token)


def shopify_admin_client(*, shop: str) -> ShopifyAdminClient:
    """The Admin GraphQL client for ``shop`` with its stored (and refreshed) offline token."""
    return ShopifyAdminClient(shop=shop, tokens=ShopTokenProvider(shop))


OAUTH_STATE_LIFETIME = datetime.timedelta(minutes=15)


def oauth_state_create(*, shop: str) -> str:
    """Store a single-use nonce for an OAuth redirect to ``shop`` and return it.

    Also drops nonces older than their lifetime (housekeeping; they can never be used).
    """
    from connector.models import OAuthState

    state = uuid.uuid4().hex + uuid.uuid4().hex
    OAuthState.objects.filter(created_at__lt=timezone.now() - OAUTH_STATE_LIFETIME).delete()
    OAuthState.objects.create(state=state, shop=shop)
    return state


def oauth_state_consume(*, shop: str, state: str) -> bool:
    """Spend the nonce: True exactly once for a fresh nonce issued for ``shop``."""
    from connector.models import OAuthState

    if not state:
        return False
    deleted, _ = OAuthState.objects.filter(
        state=state, shop=shop, created_at__gte=timezone.now() - OAUTH_STATE_LIFETIME
    ).delete()
    return deleted == 1


def shopify_session_from_code(*, shop: str, code: str) -> ShopifySession:
    """Finish the fallback OAuth install: trade the code for a token, store it, install the shop."""
    from shops.services import shop_install

    requested_at = timezone.now()
    tokens = ShopifyOAuthClient().exchange_code(shop=shop, code=code)
    # Install first: an uninstall event older than this grant then leaves the new token alone.
    shop_install(shop=shop, requested_at=requested_at)
    session = shopify_session_store(shop=shop, tokens=tokens)
    logger.info("Stored a new offline token by OAuth", extra={"shop": shop})
    return session


def shopify_sessions_delete(*, shop: str) -> int:
    """Delete every Shopify session (offline and online) of ``shop``; returns how many."""
    deleted, _ = ShopifySession.objects.filter(shop=shop).delete()
    return deleted


def shopify_session_scopes_update(*, shop: str, scopes: Sequence[str]) -> bool:
    """Store the scopes Shopify granted on the shop's offline session (comma-separated, as
    Shopify writes them). Idempotent; returns False when the shop has no offline session."""
    updated = ShopifySession.objects.filter(id=ShopifySession.offline_id(shop)).update(
        scope=",".join(scope.strip() for scope in scopes if scope.strip()), updated_at=timezone.now()
    )
    return updated == 1


# --------------------------------------------------------------------------- webhook inbox
#
# An event goes pending → processing → processed. A failed attempt goes to retrying (a task
# is queued for its next_attempt_at) or, out of attempts or not retryable, to failed. Topics
# without a handler end ignored. See README › Webhooks.

Status = WebhookEvent.Status
WAITING_STATUSES = (Status.PENDING, Status.RETRYING)
FINISHED_STATUSES = (Status.PROCESSED, Status.FAILED, Status.IGNORED)
# A task may start a little before next_attempt_at when worker and web clocks differ.
DUE_TOLERANCE = datetime.timedelta(seconds=2)
MAX_RECORDED_ERRORS = 50
ERROR_TEXT_LIMIT = 4000
ATTEMPT_ERROR_TEXT_LIMIT = 500
INSERT_TRIES = 3
# MySQL/MariaDB: deadlock found, lock wait timeout (both leave nothing written; trying again is safe).
RETRYABLE_INSERT_ERRORS = {1213, 1205}


def _processing_lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WEBHOOK_PROCESSING_LEASE_SECONDS)


def _queue_is_database() -> bool:
    from connector.tasks import process_webhook_event

    return task_queue.queue_is_database(process_webhook_event)


def _queue_processing(*, run_after: datetime.datetime | None = None) -> uuid.UUID | None:
    """Queue a processing task on the database queue, in the caller's transaction, and return
    its id for the caller to store as the event's ``task_id`` (event and task then commit or
    vanish together). None when the queue is not the database (see ``_process_after_commit``)."""
    from connector.tasks import process_webhook_event

    if not _queue_is_database():
        return None
    task = process_webhook_event.using(run_after=run_after) if run_after is not None else process_webhook_event
    return uuid.UUID(str(task.enqueue().id))


def _process_after_commit(*, event_id: int) -> None:
    """Inline backends (immediate, dummy) run the task once the event is committed. They cannot
    defer, so retries wait for a database-backed worker."""
    from connector.tasks import process_webhook_event

    transaction.on_commit(lambda: process_webhook_event.enqueue(event_id=event_id), robust=True)


def _event_log_extra(event: WebhookEvent) -> dict[str, Any]:
    return {"webhook_event": event.pk, "shop": event.shop, "topic": event.topic}


def webhook_event_receive(*, delivery: WebhookDelivery) -> WebhookEvent | None:
    """Store a verified delivery in the inbox and queue its processing, in one transaction.

    Idempotent per (shop, topic, event id): a repeated delivery, even a concurrent one, stores
    and queues nothing and returns None (the unique constraint decides). A deadlocked insert
    is tried again; other database errors propagate (nothing was stored).
    """
    tries = 1
    while True:
        try:
            event = _webhook_event_store(delivery=delivery)
        except IntegrityError:
            duplicate = WebhookEvent.objects.filter(
                shop=delivery.shop, topic=delivery.topic, event_id=delivery.event_id
            ).exists()
            if not duplicate:
                raise
            logger.info(
                "Ignored a repeated webhook delivery",
                extra={"shop": delivery.shop, "topic": delivery.topic, "event_id": delivery.event_id},
            )
            return None
        except OperationalError as error:
            if tries < INSERT_TRIES and error.args and error.args[0] in RETRYABLE_INSERT_ERRORS:
                tries += 1
                continue
            raise
        logger.info("Stored a webhook event", extra=_event_log_extra(event))
        return event


def _webhook_event_store(*, delivery: WebhookDelivery) -> WebhookEvent:
    # Two statements and a commit: the hot path of every delivery.
    with transaction.atomic():
        task_id = _queue_processing()
        event = WebhookEvent.objects.create(
            shop=delivery.shop,
            topic=delivery.topic,
            event_id=delivery.event_id,
            webhook_id=delivery.webhook_id,
            api_version=delivery.api_version,
            triggered_at=delivery.triggered_at,
            payload=delivery.payload,
            status=Status.PENDING,
            next_attempt_at=timezone.now(),
            task_id=task_id,
        )
        if task_id is None:
            _process_after_commit(event_id=event.pk)
    return event


def webhook_retry_delay(*, attempt: int, error: BaseException | None = None) -> datetime.timedelta:
    """How long to wait after failed attempt number ``attempt``: exponential from
    WEBHOOK_RETRY_BASE_SECONDS, capped at WEBHOOK_RETRY_MAX_SECONDS, with "equal jitter" (a
    random half) so that events failing together do not retry together. A longer wait the
    error asks for (``wait_seconds``, e.g. Shopify throttling) is respected up to the cap."""
    cap = settings.WEBHOOK_RETRY_MAX_SECONDS
    ceiling = min(cap, settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** min(attempt - 1, 30))
    seconds = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not security)
    hint = getattr(error, "wait_seconds", None)
    if isinstance(hint, (int, float)) and hint > seconds:
        seconds = min(float(hint), cap)
    return datetime.timedelta(seconds=seconds)


def _describe_error(error: BaseException) -> tuple[str, str]:
    """(one line for the attempt list, full text for last_error). Typed errors say what
    happened; anything else is a bug, so its traceback is kept (on the row, never in logs)."""
    summary = f"{type(error).__name__}: {error}"
    if hasattr(error, "retryable"):
        return summary[:ATTEMPT_ERROR_TEXT_LIMIT], summary[:ERROR_TEXT_LIMIT]
    detail = "".join(traceback.format_exception(error))
    return summary[:ATTEMPT_ERROR_TEXT_LIMIT], detail[-ERROR_TEXT_LIMIT:]


def _event_info(event: WebhookEvent, *, attempt: int) -> webhook_registry.WebhookEventInfo:
    return webhook_registry.WebhookEventInfo(
        id=event.pk,
        topic=event.topic,
        shop=event.shop,
        event_id=event.event_id,
        webhook_id=event.webhook_id,
        api_version=event.api_version,
        triggered_at=event.triggered_at,
        received_at=event.created_at,
        attempt=attempt,
    )


def _current_status(event_id: int) -> str:
    status = WebhookEvent.objects.filter(pk=event_id).values_list("status", flat=True).first()
    return status or "missing"


def webhook_event_process(*, event_id: int) -> str:
    """Run the topic handler of one stored event; returns the event's status afterwards.

    1. Claim (short transaction, row locked): only a pending or retrying event that is due;
       attempts + 1, status processing, a lease of WEBHOOK_PROCESSING_LEASE_SECONDS. A topic
       without a handler is marked ignored instead.
    2. Handle (second transaction): lock the row again, check the claim is still ours, run the
       handler and mark the event processed. Handler writes and "processed" commit together,
       and the held lock keeps recovery away however long the handler runs.
    3. On any exception: the handler's writes roll back and the failure is recorded on the row
       (``_webhook_event_record_failure``). Nothing propagates to the task runner.
    Calling it for an event that is not due, already processed or being processed changes
    nothing, so duplicate tasks are harmless.
    """
    claim = _webhook_event_claim(event_id=event_id)
    if isinstance(claim, str):
        return claim
    event, handler, attempt = claim
    return _webhook_event_handle(event=event, handler=handler, attempt=attempt)


def _webhook_event_claim(*, event_id: int) -> str | tuple[WebhookEvent, webhook_registry.WebhookHandler, int]:
    """Step 1 of processing: the claimed (event, handler, attempt), or the status to report."""
    now = timezone.now()
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return "missing"
        if event.status not in WAITING_STATUSES:
            return event.status
        if event.next_attempt_at is not None and event.next_attempt_at > now + DUE_TOLERANCE:
            return event.status
        handler = webhook_registry.handler_for(event.topic)
        if handler is None:
            WebhookEvent.objects.filter(pk=event.pk).update(
                status=Status.IGNORED, next_attempt_at=None, locked_until=None, updated_at=now
            )
            logger.info("No handler for this webhook topic; event ignored", extra=_event_log_extra(event))
            return Status.IGNORED
        attempt = event.attempts + 1
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=Status.PROCESSING, attempts=attempt, locked_until=now + _processing_lease(), updated_at=now
        )
    return event, handler, attempt


def _webhook_event_handle(*, event: WebhookEvent, handler: webhook_registry.WebhookHandler, attempt: int) -> str:
    """Steps 2 and 3 of processing (see ``webhook_event_process``)."""
    try:
        with transaction.atomic():
            claimed = WebhookEvent.objects.select_for_update().filter(
                pk=event.pk, status=Status.PROCESSING, attempts=attempt
            )
            if not list(claimed.values_list("pk", flat=True)):
                # Recovered, retried or ignored by someone else since the claim.
                return _current_status(event.pk)
            handler(shop=event.shop, payload=event.payload, event=_event_info(event, attempt=attempt))
            finished = timezone.now()
            WebhookEvent.objects.filter(pk=event.pk).update(
                status=Status.PROCESSED,
                processed_at=finished,
                next_attempt_at=None,
                locked_until=None,
                last_error="",
                updated_at=finished,
            )
    except Exception as error:  # noqa: BLE001 (every handler failure is recorded on the row, then retried or failed)
        return _webhook_event_record_failure(event=event, attempt=attempt, error=error)
    logger.info("Processed a webhook event", extra=_event_log_extra(event) | {"attempt": attempt})
    return Status.PROCESSED


def _webhook_event_record_failure(*, event: WebhookEvent, attempt: int, error: BaseException) -> str:
    """Record a failed attempt; queue the next one (with back-off) or fail the event."""
    retryable = bool(getattr(error, "retryable", True))
    summary, detail = _describe_error(error)
    now = timezone.now()
    with transaction.atomic():
        current = (
            WebhookEvent.objects.select_for_update()
            .filter(pk=event.pk, status=Status.PROCESSING, attempts=attempt)
            .only("pk", "attempt_errors")
            .first()
        )
        if current is None:
            return _current_status(event.pk)
        entry = {"attempt": attempt, "at": now.isoformat(), "error": summary, "retryable": retryable}
        updates: dict[str, Any] = {
            "attempt_errors": [*(current.attempt_errors or []), entry][-MAX_RECORDED_ERRORS:],
            "last_error": detail,
            "locked_until": None,
            "updated_at": now,
        }
        if retryable and attempt < settings.WEBHOOK_MAX_ATTEMPTS:
            due = now + webhook_retry_delay(attempt=attempt, error=error)
            updates |= {"status": Status.RETRYING, "next_attempt_at": due, "task_id": _queue_processing(run_after=due)}
        else:
            updates |= {"status": Status.FAILED, "next_attempt_at": None}
        WebhookEvent.objects.filter(pk=event.pk).update(**updates)
    logger.warning(
        "Webhook handler failed (%s, attempt %d of %d): %s",
        type(error).__name__,
        attempt,
        settings.WEBHOOK_MAX_ATTEMPTS,
        updates["status"],
        extra=_event_log_extra(event),
    )
    return updates["status"]


@dataclass
class RecoverySummary:
    lost_workers: int = 0  # events whose worker stopped during an attempt
    lost_tasks: int = 0  # waiting events whose queued task was gone or dead
    failed: int = 0  # of the lost-worker events, those out of attempts

    def __bool__(self) -> bool:
        return bool(self.lost_workers or self.lost_tasks)


WORKER_LOST_TRACEBACK = (
    "The worker running this task stopped (killed, or it lost its database connection) before it "
    "finished; connector recovery queued the webhook event again."
)


def _fail_orphaned_tasks(task_ids: list[uuid.UUID | None], *, now: datetime.datetime) -> None:
    task_queue.fail_orphaned_tasks(
        task_ids, now=now, exception_path="connector.errors.WebhookWorkerLost", explanation=WORKER_LOST_TRACEBACK
    )


def webhook_events_recover(*, batch_size: int = 200) -> RecoverySummary:
    """Queue again the events a worker lost; run periodically by every ``db_worker``.

    - processing past its lease and not locked by a live handler transaction (the worker was
      killed, or crashed before recording the outcome): the attempt is recorded as lost and
      the event queued at once, or failed when out of attempts;
    - pending or retrying for longer than the lease past its due time, whose task is missing,
      finished, or "running" on a dead worker (killed between taking the task and claiming
      the event): queued again. A task still waiting in the queue means the queue is behind,
      not lost, and is left alone.
    Rows are taken with SKIP LOCKED, so several workers may run this at once. Does nothing
    unless the queue is the database backend.
    """
    summary = RecoverySummary()
    if not _queue_is_database():
        return summary
    now = timezone.now()
    lease = _processing_lease()

    with transaction.atomic():
        stale = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PROCESSING, locked_until__lt=now)
            .only("pk", "shop", "topic", "attempts", "attempt_errors", "task_id")[:batch_size]
        )
        for event in stale:
            message = f"The worker stopped during attempt {event.attempts} (killed, or lost its database connection)."
            entry = {"attempt": event.attempts, "at": now.isoformat(), "error": message, "retryable": True}
            updates: dict[str, Any] = {
                "attempt_errors": [*(event.attempt_errors or []), entry][-MAX_RECORDED_ERRORS:],
                "last_error": message,
                "locked_until": None,
                "updated_at": now,
            }
            _fail_orphaned_tasks([event.task_id], now=now)
            if event.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                updates |= {"status": Status.FAILED, "next_attempt_at": None}
                summary.failed += 1
            else:
                updates |= {"status": Status.RETRYING, "next_attempt_at": now, "task_id": _queue_processing()}
            WebhookEvent.objects.filter(pk=event.pk).update(**updates)
            summary.lost_workers += 1
            logger.warning("Recovered a webhook event from a stopped worker", extra=_event_log_extra(event))

    with transaction.atomic():
        overdue = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(status__in=WAITING_STATUSES, next_attempt_at__lt=now - lease)
            .order_by("status", "next_attempt_at")
            .only("pk", "shop", "topic", "task_id")[:batch_size]
        )
        live = task_queue.live_task_ids((event.task_id for event in overdue), now=now, lease=lease)
        lost = [event for event in overdue if event.task_id not in live]
        _fail_orphaned_tasks([event.task_id for event in lost], now=now)
        for event in lost:
            WebhookEvent.objects.filter(pk=event.pk).update(
                next_attempt_at=now, task_id=_queue_processing(), updated_at=now
            )
            summary.lost_tasks += 1
            logger.warning("Queued a webhook event again: its task was lost", extra=_event_log_extra(event))
    return summary


def webhook_events_retry(*, event_ids: Sequence[int]) -> int:
    """Queue failed, ignored or waiting-to-retry events for processing now; returns how many.

    A failed or ignored event starts a new series of attempts (its recorded errors are kept);
    a retrying one keeps its count and simply stops waiting. Pending, processing and processed
    events are left alone.
    """
    now = timezone.now()
    queued = 0
    with transaction.atomic():
        events = list(
            WebhookEvent.objects.select_for_update()
            .filter(pk__in=list(event_ids), status__in=(Status.FAILED, Status.IGNORED, Status.RETRYING))
            .only("pk", "status")
        )
        for event in events:
            task_id = _queue_processing()
            updates: dict[str, Any] = {
                "status": Status.PENDING,
                "next_attempt_at": now,
                "locked_until": None,
                "task_id": task_id,
                "updated_at": now,
            }
            if event.status != Status.RETRYING:
                updates["attempts"] = 0
            WebhookEvent.objects.filter(pk=event.pk).update(**updates)
            if task_id is None:
                _process_after_commit(event_id=event.pk)
            queued += 1
    return queued


def webhook_events_ignore(*, event_ids: Sequence[int]) -> int:
    """Mark pending, retrying or failed events ignored (they will not be processed); returns
    how many. Events being processed or already finished are left alone."""
    return WebhookEvent.objects.filter(
        pk__in=list(event_ids), status__in=(Status.PENDING, Status.RETRYING, Status.FAILED)
    ).update(status=Status.IGNORED, next_attempt_at=None, locked_until=None, updated_at=timezone.now())


def webhook_events_prune(*, older_than: datetime.timedelta, batch_size: int = 1000, dry_run: bool = False) -> int:
    """Delete finished events (processed, failed, ignored) received more than ``older_than``
    ago; returns how many (or would be, with ``dry_run``).

    Batches of ``batch_size`` rows, each its own short DELETE by primary key, walking the
    table in id order up to the newest id old enough, so the scan never leaves the old part of
    a big table. Events still waiting or being processed are kept whatever their age.
    """
    cutoff = timezone.now() - older_than
    old = WebhookEvent.objects.filter(created_at__lt=cutoff)
    newest_old_id = old.order_by("-created_at").values_list("pk", flat=True).first()
    if newest_old_id is None:
        return 0
    finished = WebhookEvent.objects.filter(
        pk__lte=newest_old_id, created_at__lt=cutoff, status__in=FINISHED_STATUSES
    ).order_by("pk")
    if dry_run:
        return finished.count()
    deleted = 0
    last_id = 0
    while True:
        ids = list(finished.filter(pk__gt=last_id).values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        last_id = ids[-1]
        count, _ = WebhookEvent.objects.filter(pk__in=ids).delete()
        deleted += count


# --------------------------------------------------------------------------- customer privacy


def customer_data_export_create(
    *, shop: str, customer: privacy.Customer, data_request_id: str = "", source_event_id: int | None = None
) -> CustomerDataExport:
    """Assemble everything held about ``customer`` in ``shop`` (every registered exporter,
    one section each) and keep it as a CustomerDataExport for the operator.

    Idempotent per source webhook event: processing the same request again rebuilds the same
    export instead of adding one.
    """
    document = {
        "shop": shop,
        "customer": customer.as_dict(),
        "data_request_id": data_request_id or None,
        "generated_at": timezone.now().isoformat(),
        "sections": {name: exporter(shop=shop, customer=customer) for name, exporter in privacy.customer_exporters()},
    }
    values = {
        "shop": shop,
        "customer_id": customer.shopify_id,
        "data_request_id": data_request_id,
        "document": document,
    }
    if source_event_id is None:
        export = CustomerDataExport.objects.create(**values)
    else:
        export, _ = CustomerDataExport.objects.update_or_create(source_event_id=source_event_id, defaults=values)
    logger.info("Assembled a customer data export", extra={"shop": shop, "data_export": export.pk})
    return export


def customer_data_redact(*, shop: str, customer: privacy.Customer) -> dict[str, int]:
    """Delete or anonymise ``customer``'s data in ``shop`` in every table (every registered
    eraser), in one transaction. Idempotent; returns rows changed per eraser."""
    with transaction.atomic():
        counts = {name: eraser(shop=shop, customer=customer) for name, eraser in privacy.customer_erasers()}
    logger.info("Redacted a customer's data", extra={"shop": shop, "rows": sum(counts.values())})
    return counts
