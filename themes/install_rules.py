"""The theme install's rules on the leased-work machine: lease, back-off, and lost installs.

Owns: how long a step may hold an install, how retries back off, how long an install may live,
what an install's end writes, and the rule for an install whose worker or task was lost
(``install_lost``, used by ``themes.services.THEME_INSTALL``), and the error code an install
records for each failure. Must not call Shopify or the theme host, nor write rows (the machine
applies what the rule returns).
"""

from __future__ import annotations

import datetime
import logging
import re
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from connector.shopify.errors import ShopifyError, ShopifyUserErrors
from connector.shopify.failures import ShopifyFailure, shopify_failure
from connector.theme_source.errors import ThemeArchiveTooLarge, ThemeSourceAuthError, ThemeSourceNotFound
from connector.work import LostReason, Recovery, RetryPolicy
from themes.archives import ThemeArchiveInvalid
from themes.models import ThemeInstall

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
MAX_RETRY_WAIT_SECONDS = 300.0
State = ThemeInstall.State


def install_lease() -> datetime.timedelta:
    """How long a step may go without renewing its lease: a whole download, then some slack
    (the step renews before sending the theme to Shopify; a status check is one call)."""
    return datetime.timedelta(seconds=settings.THEME_DOWNLOAD_TIMEOUT_SECONDS + 600)


def install_retry_policy() -> RetryPolicy:
    # A host's Retry-After / rate-limit reset is honoured, up to MAX_RETRY_WAIT_SECONDS.
    return RetryPolicy(
        base_seconds=settings.THEME_RETRY_DELAY_SECONDS, max_seconds=MAX_RETRY_WAIT_SECONDS, max_attempts=MAX_ATTEMPTS
    )


def _give_up_before(now: datetime.datetime) -> datetime.datetime:
    # Every attempt may stall once and wait for its retry, then Shopify's processing has its own
    # bound: an install older than that is ended, whatever its state, instead of queued again.
    lifetime = (install_lease().total_seconds() + MAX_RETRY_WAIT_SECONDS) * (MAX_ATTEMPTS + 1)
    return now - datetime.timedelta(seconds=lifetime + settings.THEME_POLL_TIMEOUT_SECONDS)


def install_ended(error_code: str = "", detail: str = "") -> dict[str, Any]:
    """The columns an install's end writes (besides its state)."""
    detail = detail[:2000]
    return {"error_code": error_code, "error_detail": detail, "finished_at": timezone.now(), "running_shop": None}


def install_log_end(install: ThemeInstall, state: str, error_code: str = "", detail: str = "") -> None:
    """Log how an install ended (ids and the error, never the archive URL)."""
    if state == State.FAILED:
        logger.warning(
            "Theme install failed: %s",
            error_code,
            extra={"shop": install.shop, "install_id": install.pk, "detail": detail[:2000]},
        )
    else:
        logger.info("Theme installed", extra={"shop": install.shop, "install_id": install.pk})


def install_lost(install: ThemeInstall, reason: LostReason, now: datetime.datetime) -> Recovery:
    """The install's rule for lost work (its worker vanished mid-step, or its task was lost).

    Processing: one more status check is queued (a late check of the same install then finds
    itself replaced and stops). Queued, or interrupted while downloading (nothing reached
    Shopify): queued again while attempts remain. Interrupted while sending to Shopify
    (``themeCreate`` may have worked, so it is not repeated), out of attempts, or older than any
    recovery: failed as unconfirmed or abandoned.
    """
    if install.created_at < _give_up_before(now):
        return install_stalled_end(install, now)
    if install.state == State.PROCESSING and install.theme_id:
        return Recovery("polls_queued", {"next_attempt_at": now})
    if install.state in (State.QUEUED, State.DOWNLOADING) and install.attempts < MAX_ATTEMPTS:
        changes: dict[str, Any] = {"state": State.QUEUED, "next_attempt_at": now}
        if install.state == State.DOWNLOADING:
            changes["error_detail"] = _("The worker stopped while preparing the archive; trying again.")
        return Recovery("queued", changes)
    return install_stalled_end(install, now)


def install_stalled_end(install: ThemeInstall, now: datetime.datetime) -> Recovery:
    """Fail an install whose worker vanished, as unconfirmed or abandoned (the outcome)."""
    code = install.stalled_error_code
    minutes = int((now - install.updated_at).total_seconds() // 60)
    if code == ThemeInstall.Error.UNCONFIRMED:
        detail = _(
            "No progress for %(minutes)d minutes after the theme was sent to Shopify. Not sent again: "
            "Shopify may have created it."
        ) % {"minutes": minutes}
    else:
        detail = _("No progress for %(minutes)d minutes: the worker running the install stopped.") % {
            "minutes": minutes
        }
    install_log_end(install, State.FAILED, code, detail)
    logger.warning("Ended a stalled theme install", extra={"shop": install.shop, "install_id": install.pk})
    return Recovery(str(code), {"state": State.FAILED, "next_attempt_at": None, **install_ended(code, detail)})


# lost installs are themes.install_rules.
LIMIT_MESSAGE_RE = re.compile(r"theme limit|maximum number of themes|library is full|\blimit\b", re.IGNORECASE)


def install_error_of_source(error: Exception) -> str:
    """The error an install records when the theme's source or archive failed."""
    if isinstance(error, ThemeSourceAuthError):
        return ThemeInstall.Error.SOURCE_AUTH
    if isinstance(error, ThemeSourceNotFound):
        return ThemeInstall.Error.SOURCE_NOT_FOUND
    if isinstance(error, ThemeArchiveTooLarge):
        return ThemeInstall.Error.ARCHIVE_TOO_LARGE
    if isinstance(error, ThemeArchiveInvalid):
        return ThemeInstall.Error.ARCHIVE_INVALID
    return ThemeInstall.Error.SOURCE_UNAVAILABLE


def install_error_of_user_errors(error: ShopifyUserErrors) -> str:
    """The error an install records when Shopify refused ``themeCreate`` with user errors."""
    codes = {user_error.code for user_error in error.user_errors}
    if "THEME_CREATION_NOT_ALLOWED_FOR_THEME_LIMITED_PLAN" in codes:
        return ThemeInstall.Error.PLAN_NOT_ALLOWED
    if "ZIP_TOO_LARGE" in codes:
        return ThemeInstall.Error.ARCHIVE_TOO_LARGE
    # Shopify documents no code for a full theme library; its message names the limit.
    if any(LIMIT_MESSAGE_RE.search(user_error.message) for user_error in error.user_errors):
        return ThemeInstall.Error.THEME_LIMIT
    return ThemeInstall.Error.SHOPIFY_REJECTED


# The error an install records for each kind of Shopify failure (user errors have theirs above).
INSTALL_ERRORS = {
    ShopifyFailure.AUTH: ThemeInstall.Error.SHOPIFY_AUTH,
    ShopifyFailure.FORBIDDEN: ThemeInstall.Error.MISSING_PERMISSION,
    ShopifyFailure.THROTTLED: ThemeInstall.Error.SHOPIFY_UNAVAILABLE,
    ShopifyFailure.UNAVAILABLE: ThemeInstall.Error.SHOPIFY_UNAVAILABLE,
}


def install_error_of_shopify(error: ShopifyError) -> str:
    """The error an install records for any other Shopify failure."""
    return INSTALL_ERRORS.get(shopify_failure(error), ThemeInstall.Error.SHOPIFY_REJECTED)
