"""Use cases of the Ecomdrop storefront theme's install.

Owns: the install lifecycle (one running install per shop, ``themeCreate``,
bounded polling of Shopify's processing, errors a merchant can act on, recovery of installs
whose worker vanished): a job on the leased-work machine, ``THEME_INSTALL``.
Must not hold a transaction open across an HTTP call, log the Git token or the archive URL
(it may carry a signature), or accept a source from a request.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connector.errors import ApplicationError
from connector.selectors import shopify_session_has_scope
from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError, ShopifyThrottled, ShopifyUserErrors
from connector.shopify.failures import (
    MerchantAnswer,
    ShopifyFailure,
    shopify_error_as_application_error,
)
from connector.shopify.themes import ShopifyTheme, theme_create, theme_get, themes_list
from connector.theme_source.errors import (
    ThemeSourceError,
)
from connector.work import (
    Claim,
    Job,
    LeaseLost,
    work_claim,
    work_finish,
    work_is_lost,
    work_renew,
    work_requeue,
    work_requeue_lost,
    work_retry_or_fail,
    work_schedule,
    work_state,
)
from themes.archives import ThemeArchiveInvalid
from themes.downloads import theme_download_url
from themes.install_rules import (  # noqa: F401 (MAX_ATTEMPTS: the budget, named here too)
    MAX_ATTEMPTS,
    install_ended,
    install_error_of_shopify,
    install_error_of_source,
    install_error_of_user_errors,
    install_lease,
    install_log_end,
    install_lost,
    install_retry_policy,
    install_stalled_end,
)
from themes.models import ThemeInstall
from themes.sources import theme_archive_fetch, theme_source_get

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- install lifecycle
# A job on the leased-work machine (THEME_INSTALL below): queued → downloading → creating →
# processing (status checks, each one a short claim) → ready / failed. Each step queues the
# next one itself (a retry later, or the next status check). Its lease, back-off and rule for
State = ThemeInstall.State


@dataclass(frozen=True)
class InstallStep:
    """What happens next, as the step queued it: ``run`` again (retry), ``poll`` Shopify, or
    nothing (``done``)."""

    next: str
    wait_seconds: float = 0.0


DONE = InstallStep("done")


def _process(install_id: int) -> str:
    return theme_install_advance(install_id=install_id)


THEME_INSTALL: Job[ThemeInstall] = Job(
    name="theme_install",
    model=ThemeInstall,
    task="themes.tasks.run_theme_install",
    process=_process,
    waiting_states=(State.QUEUED, State.PROCESSING),
    running_states=(State.DOWNLOADING, State.CREATING, State.PROCESSING),
    claim_state=State.DOWNLOADING,
    retry_state=State.QUEUED,
    failed_state=State.FAILED,
    lease=install_lease,
    retry=install_retry_policy,
    lost=install_lost,
    wait_inline=True,
)


def theme_install_is_stale(*, install: ThemeInstall) -> bool:
    """True when ``install`` still counts as running but its worker or its task was lost."""
    return install.is_active and work_is_lost(job=THEME_INSTALL, row=install)


def theme_install_start(*, shop: str, user_id: int | None = None, again: bool = False) -> ThemeInstall:
    """Record a queued install for ``shop`` and queue its first step.

    An install whose worker or task was lost is ended first (abandoned, or unconfirmed once it
    reached Shopify), so a lost worker does not block the shop until the next sweep.
    Raises ApplicationError: source not configured (409), ``write_themes`` missing (403),
    the theme installed before and ``again`` not confirmed (409 ``already_installed``: a second
    install adds a second copy), another install of the shop still running (409).
    """
    if theme_source_get() is None:
        raise ApplicationError(
            _("The theme is not available yet: its source has not been configured."),
            code=ThemeInstall.Error.SOURCE_NOT_CONFIGURED,
            status=409,
        )
    if not shopify_session_has_scope(shop=shop, scope="write_themes"):
        raise ApplicationError(_missing_permission_message(), code=ThemeInstall.Error.MISSING_PERMISSION, status=403)
    if not again and ThemeInstall.objects.filter(shop=shop, state=ThemeInstall.State.READY).exists():
        raise ApplicationError(
            _("The theme is already in your theme library. Installing it again adds another copy: confirm to go on."),
            code="already_installed",
            status=409,
        )
    _abandon_stale(shop=shop)
    try:
        with transaction.atomic():
            install = ThemeInstall.objects.create(
                shop=shop, running_shop=shop, theme_name=settings.THEME_NAME, requested_by_user_id=user_id
            )
    except IntegrityError as error:
        raise ApplicationError(
            _("The theme is already being installed. Wait until it finishes."), code="already_running", status=409
        ) from error
    logger.info("Theme install requested", extra={"shop": shop, "install_id": install.pk})
    work_schedule(job=THEME_INSTALL, pk=install.pk)
    return install


def _abandon_stale(*, shop: str) -> None:
    """End the shop's running install when it was lost (locked and checked again, as the sweep
    does, so an install the sweep has just recovered is left alone)."""
    with transaction.atomic():
        install = ThemeInstall.objects.select_for_update().filter(running_shop=shop).first()
        if install is not None and work_is_lost(job=THEME_INSTALL, row=install):
            ended = install_stalled_end(install, timezone.now())
            ThemeInstall.objects.filter(pk=install.pk).update(
                **ended.changes, lease_owner="", lease_until=None, updated_at=timezone.now()
            )


def theme_install_recover_stale() -> dict[str, int]:
    """Continue or end the installs whose worker or task was lost (the task workers' sweep): the
    leased-work machine's recovery with the install's rule (``_install_lost``). Returns how many
    installs had each outcome (non-zero only)."""
    return work_requeue_lost(job=THEME_INSTALL)


def theme_install_abandon(*, install: ThemeInstall) -> bool:
    """Mark a running install as failed (staff action for a stuck one); False when not running."""
    if not install.is_active:
        return False
    _end(install, ThemeInstall.Error.ABANDONED, _("Stopped by staff."))
    return True


def _end(install: ThemeInstall, error_code: str, detail: str) -> None:
    """Fail ``install`` whoever holds it (staff, or the task after a crash)."""
    for name, value in {"state": State.FAILED, "next_attempt_at": None, **install_ended(error_code, detail)}.items():
        setattr(install, name, value)
    install.lease_owner, install.lease_until = "", None
    fields = ["state", "next_attempt_at", "lease_owner", "lease_until", *install_ended(), "updated_at"]
    install.save(update_fields=fields)
    install_log_end(install, State.FAILED, error_code, detail)


def _fail(claim: Claim[ThemeInstall], error_code: str, detail: str, **changes: Any) -> InstallStep:
    """End the install held by ``claim`` as failed."""
    ended = install_ended(error_code, detail)
    if work_finish(claim, state=State.FAILED, next_attempt_at=None, last_error=detail, **ended, **changes):
        install_log_end(claim.row, State.FAILED, error_code, detail)
    return DONE


def _retry_or_fail(claim: Claim[ThemeInstall], error_code: str, detail: str, wait: float | None) -> InstallStep:
    attempt = claim.attempt
    state = work_retry_or_fail(
        claim,
        retryable=True,
        attempt=attempt,
        error_text=detail,
        retry_after=wait,
        retry_changes={"error_detail": f"attempt {attempt}: {detail}"[:2000]},
        fail_changes=install_ended(error_code, detail),
    )
    if state == State.QUEUED:
        return InstallStep("run")
    if state == State.FAILED:
        install_log_end(claim.row, State.FAILED, error_code, detail)
    return DONE


def theme_install_advance(*, install_id: int) -> str:
    """The job's step: download and send to Shopify when queued, one status check when
    processing; returns the install's state afterwards.

    An unexpected error fails the install (a bug must not leave the shop with an install that
    never ends), then propagates so the task backend reports it with its traceback.
    """
    state = work_state(job=THEME_INSTALL, pk=install_id)
    try:
        if state == State.QUEUED:
            theme_install_run(install_id=install_id)
        elif state == State.PROCESSING:
            theme_install_poll(install_id=install_id)
    except LeaseLost:
        logger.warning("Theme install taken over by another worker; this step stops", extra={"install_id": install_id})
    except Exception:
        logger.exception("Theme install step crashed", extra={"install_id": install_id})
        theme_install_fail_unexpectedly(install_id=install_id)
        raise
    return work_state(job=THEME_INSTALL, pk=install_id)


def theme_install_run(*, install_id: int) -> InstallStep:
    """Fetch the archive (cached by version) and ask Shopify to create the theme from it.

    Idempotent: only a queued install is picked up (a duplicate task does nothing). Retryable
    source errors and Shopify throttling are retried up to MAX_ATTEMPTS; ``themeCreate`` is not
    repeated after a timeout or 5xx (it may have worked: repeating could add a second theme).
    Returns the next step (already queued): poll Shopify, run again later, or done.
    """
    claim = work_claim(job=THEME_INSTALL, pk=install_id, states=(State.QUEUED,))
    if claim is None:
        return DONE
    install = claim.row
    source = theme_source_get()
    if source is None:
        return _fail(claim, ThemeInstall.Error.SOURCE_NOT_CONFIGURED, "no source configured")
    try:
        archive = theme_archive_fetch(source=source)
    except (ThemeSourceError, ThemeArchiveInvalid) as error:
        code, detail = install_error_of_source(error), str(error)
        if isinstance(error, ThemeSourceError) and error.retryable:
            return _retry_or_fail(claim, code, detail, getattr(error, "wait_seconds", None))
        return _fail(claim, code, detail)

    install.archive = archive
    install.version = archive.version
    install.state = ThemeInstall.State.CREATING
    work_renew(claim, archive=archive, version=archive.version, state=ThemeInstall.State.CREATING)
    try:
        theme = theme_create(
            shopify_admin_client(shop=install.shop), source=theme_download_url(install=install), name=install.theme_name
        )
    except ShopifyUserErrors as error:
        return _fail(claim, install_error_of_user_errors(error), str(error))
    except ShopifyThrottled as error:
        return _retry_or_fail(claim, ThemeInstall.Error.SHOPIFY_UNAVAILABLE, str(error), error.wait_seconds)
    except ShopifyError as error:
        return _fail(claim, install_error_of_shopify(error), str(error))
    logger.info("Shopify accepted the theme", extra={"shop": install.shop, "install_id": install.pk})
    return _next_poll(
        claim, theme_id=theme.id, theme_role=theme.role, submitted_at=timezone.now(), error_detail="", last_error=""
    )


def _next_poll(claim: Claim[ThemeInstall], **changes: Any) -> InstallStep:
    """Queue the next status check after THEME_POLL_INTERVAL_SECONDS."""
    wait = settings.THEME_POLL_INTERVAL_SECONDS
    work_requeue(claim, run_after=timezone.now() + datetime.timedelta(seconds=wait), state=State.PROCESSING, **changes)
    return InstallStep("poll", wait_seconds=wait)


def theme_install_poll(*, install_id: int, polls: int | None = None) -> InstallStep:
    """Ask Shopify once whether the theme finished processing; record ready or failed.

    ``polls``: the install's count of checks when this one was scheduled (a check queued
    before installs ran on the leased-work machine): when the count has moved, another check
    already ran and this one does nothing. Bounded: a theme still processing
    THEME_POLL_TIMEOUT_SECONDS after ``themeCreate`` fails the install (Shopify is asked first,
    so a check that comes late still sees a finished theme). A retryable Shopify error only
    costs one poll. Returns the next step (already queued).
    """
    claim = work_claim(
        job=THEME_INSTALL,
        pk=install_id,
        states=(State.PROCESSING,),
        to_state=State.PROCESSING,
        count_attempt=False,
        where={} if polls is None else {"polls": polls},
        changes={"polls": F("polls") + 1},
    )
    if claim is None:
        return DONE
    install = claim.row
    submitted = install.submitted_at or install.created_at
    timed_out = timezone.now() - submitted > datetime.timedelta(seconds=settings.THEME_POLL_TIMEOUT_SECONDS)
    try:
        theme = theme_get(shopify_admin_client(shop=install.shop), theme_id=install.theme_id)
    except ShopifyError as error:
        if error.retryable and not timed_out:
            return _next_poll(claim)
        return _fail(claim, install_error_of_shopify(error), str(error))
    if theme is None:
        return _fail(claim, ThemeInstall.Error.THEME_DELETED, "theme(id) answered null")
    if theme.processing_failed:
        return _fail(claim, ThemeInstall.Error.PROCESSING_FAILED, "processingFailed: true", theme_role=theme.role)
    if theme.processing:
        if timed_out:
            detail = f"still processing after {install.polls} checks"
            return _fail(claim, ThemeInstall.Error.PROCESSING_TIMEOUT, detail)
        return _next_poll(claim)
    ready: dict[str, Any] = {"state": State.READY, "next_attempt_at": None, "theme_role": theme.role, "last_error": ""}
    if work_finish(claim, **ready, **install_ended()):
        install_log_end(install, State.READY)
    return DONE


def theme_install_fail_unexpectedly(*, install_id: int) -> None:
    """Mark a running install as failed after an unexpected error in its task (idempotent)."""
    install = ThemeInstall.objects.filter(pk=install_id, running_shop__isnull=False).first()
    if install is not None:
        _end(install, ThemeInstall.Error.INTERNAL, "unexpected error; see the logs")


def theme_install_poll_is_current(*, install_id: int, polls: int) -> bool:
    """Whether a status check queued when the install had made ``polls`` checks is still the
    next one (tasks queued before installs ran on the leased-work machine carry that count)."""
    return ThemeInstall.objects.filter(pk=install_id, polls=polls).exists()


MISSING_PERMISSION_MESSAGE = gettext_lazy(
    "The app is not allowed to install themes (read_themes and write_themes permissions). Open the app "
    "again from your Shopify admin and accept the updated permissions."
)
_MISSING_PERMISSION = MerchantAnswer(MISSING_PERMISSION_MESSAGE, code=ThemeInstall.Error.MISSING_PERMISSION, status=403)
THEMES_LIST_ANSWERS = {
    ShopifyFailure.FORBIDDEN: _MISSING_PERMISSION,
    ShopifyFailure.LOCKED: _MISSING_PERMISSION,
    ShopifyFailure.AUTH: MerchantAnswer(
        gettext_lazy("Shopify did not authorise the app. Open it again from your Shopify admin."),
        code=ThemeInstall.Error.SHOPIFY_AUTH,
        status=401,
    ),
}
THEMES_LIST_OTHERWISE = MerchantAnswer(
    gettext_lazy("Shopify did not answer. Try again in a minute."),
    code=ThemeInstall.Error.SHOPIFY_UNAVAILABLE,
    status=503,
)


def shopify_themes_of(*, shop: str) -> list[ShopifyTheme]:
    """The shop's themes, from Shopify (for the Tema page's list; never called while rendering).

    Raises ApplicationError: missing theme permission (403), Shopify refused the app's token
    (401), Shopify unavailable (503).
    """
    try:
        return themes_list(shopify_admin_client(shop=shop))
    except ShopifyError as error:
        raise shopify_error_as_application_error(
            error, answers=THEMES_LIST_ANSWERS, otherwise=THEMES_LIST_OTHERWISE
        ) from error


def _missing_permission_message() -> str:
    return str(MISSING_PERMISSION_MESSAGE)
