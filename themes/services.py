"""Use cases of the Ecomdrop storefront theme.

Owns: the theme's source (read from settings only: a browser never chooses a URL), downloading,
validating and caching the archive by version in the default file storage, the signed download
URL handed to Shopify, and the install lifecycle (one running install per shop, ``themeCreate``,
bounded polling of Shopify's processing, errors a merchant can act on, recovery of installs
whose worker vanished).
Must not hold a transaction open across an HTTP call, log the Git token or the archive URL
(it may carry a signature), or accept a source from a request.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import BinaryIO

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connector.errors import ApplicationError
from connector.secrets import Secret
from connector.selectors import shopify_session_has_scope
from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError, ShopifyThrottled, ShopifyUserErrors
from connector.shopify.failures import (
    MerchantAnswer,
    ShopifyFailure,
    shopify_error_as_application_error,
    shopify_failure,
)
from connector.shopify.themes import ShopifyTheme, theme_create, theme_get, themes_list
from connector.theme_source.client import ArchiveUrlClient, GitHubClient, GitLabClient, describe_url
from connector.theme_source.errors import (
    ThemeArchiveTooLarge,
    ThemeSourceAuthError,
    ThemeSourceError,
    ThemeSourceNotFound,
    ThemeSourceUnavailable,
)
from themes.archives import ThemeArchiveInvalid, theme_package
from themes.models import ThemeArchive, ThemeInstall

logger = logging.getLogger(__name__)

DEFAULT_API_URLS = {"github": "https://api.github.com", "gitlab": "https://gitlab.com/api/v4"}
PROVIDER_LABELS = {"github": "GitHub", "gitlab": "GitLab"}
ARCHIVE_FOLDER = "themes"
MAX_VERSION_LENGTH = 200


@dataclass(frozen=True)
class ThemeSource:
    """Where the theme comes from. ``label`` is safe to show staff; url and token are not."""

    kind: str
    key: str
    label: str
    url: str = field(default="", repr=False)
    repo: str = ""
    ref: str = ""
    api_url: str = ""
    token: Secret | None = field(default=None, repr=False)


def theme_source_get() -> ThemeSource | None:
    """The source operators configured (THEME_ARCHIVE_URL or THEME_GIT_*), or None."""
    if settings.THEME_ARCHIVE_URL:
        url = settings.THEME_ARCHIVE_URL
        url_hash = hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
        return ThemeSource(kind="url", key=f"url:{url_hash}", label=describe_url(url), url=url)
    if settings.THEME_GIT_REPO:
        provider = settings.THEME_GIT_PROVIDER
        api_url = settings.THEME_GIT_API_URL or DEFAULT_API_URLS[provider]
        return ThemeSource(
            kind=provider,
            key=f"{provider}:{describe_url(api_url)}/{settings.THEME_GIT_REPO}"[:255],
            label=f"{PROVIDER_LABELS[provider]} {settings.THEME_GIT_REPO} @ {settings.THEME_GIT_REF}"[:255],
            repo=settings.THEME_GIT_REPO,
            ref=settings.THEME_GIT_REF,
            api_url=api_url,
            token=Secret(settings.THEME_GIT_TOKEN) if settings.THEME_GIT_TOKEN else None,
        )
    return None


def theme_archive_fetch(*, source: ThemeSource) -> ThemeArchive:
    """Return the archive of the source's current version, downloading it only when that version
    is not cached yet.

    Git: checks the repository (so a bad token fails first and clearly), resolves the ref to a
    commit (the version) and downloads that commit. URL: a conditional GET against the newest
    cached copy (ETag / Last-Modified); the version is the ETag, or the content hash.
    Raises ThemeSourceError subclasses and ThemeArchiveInvalid.
    """
    if source.kind == "url":
        return _fetch_from_url(source)
    return _fetch_from_git(source)


def _git_client(source: ThemeSource) -> GitHubClient | GitLabClient:
    token = source.token.reveal() if source.token else None
    if source.kind == "gitlab":
        return GitLabClient(api_url=source.api_url, token=token)
    return GitHubClient(api_url=source.api_url, token=token)


def _fetch_from_git(source: ThemeSource) -> ThemeArchive:
    client = _git_client(source)
    client.repository(repo=source.repo)
    sha = client.commit_sha(repo=source.repo, ref=source.ref)
    cached = _cached_archive(source.key, sha)
    if cached is not None:
        return cached
    with tempfile.TemporaryFile() as raw:
        client.download_archive(repo=source.repo, sha=sha, destination=raw, max_bytes=settings.THEME_MAX_ARCHIVE_BYTES)
        raw.seek(0)
        return _store_archive(source, version=sha, raw=raw)


def _fetch_from_url(source: ThemeSource) -> ThemeArchive:
    newest = ThemeArchive.objects.filter(source_key=source.key).order_by("-id").first()
    if newest is not None and not default_storage.exists(newest.file):
        newest = None
    with tempfile.TemporaryFile() as raw:
        download = ArchiveUrlClient().download(
            url=source.url,
            destination=raw,
            max_bytes=settings.THEME_MAX_ARCHIVE_BYTES,
            etag=newest.etag if newest else "",
            last_modified=newest.last_modified if newest else "",
        )
        if download.not_modified:
            if newest is None:
                raise ThemeSourceUnavailable("the archive host answered 304 to an unconditional request")
            return newest
        version = download.etag
        if not version or len(version) > MAX_VERSION_LENGTH:
            raw.seek(0)
            version = "sha256:" + _sha256_of(raw)
        cached = _cached_archive(source.key, version)
        if cached is not None:
            return cached
        raw.seek(0)
        return _store_archive(
            source, version=version, raw=raw, etag=download.etag, last_modified=download.last_modified
        )


def _sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(256 * 1024):
        digest.update(chunk)
    return digest.hexdigest()


def _cached_archive(source_key: str, version: str) -> ThemeArchive | None:
    archive = ThemeArchive.objects.filter(source_key=source_key, version=version).first()
    if archive is None:
        return None
    if default_storage.exists(archive.file):
        return archive
    # The stored file is gone (storage wiped or moved): forget the row and download again.
    logger.warning("Cached theme archive file is missing; downloading again", extra={"archive_id": archive.pk})
    archive.delete()
    return None


def _store_archive(
    source: ThemeSource, *, version: str, raw: BinaryIO, etag: str = "", last_modified: str = ""
) -> ThemeArchive:
    """Validate and repackage ``raw``, save it under its content hash and record the version."""
    with tempfile.TemporaryFile() as packed:
        package = theme_package(raw, packed, max_bytes=settings.THEME_MAX_ARCHIVE_BYTES)
        name = f"{ARCHIVE_FOLDER}/{package.sha256}.zip"
        if not default_storage.exists(name):
            name = default_storage.save(name, File(packed, name=f"{package.sha256}.zip"))
    try:
        with transaction.atomic():
            archive = ThemeArchive.objects.create(
                source_key=source.key,
                source_label=source.label,
                version=version,
                file=name,
                size=package.size,
                sha256=package.sha256,
                files_count=package.files,
                etag=etag[:255],
                last_modified=last_modified[:64],
            )
    except IntegrityError:
        # Another worker stored the same version meanwhile: use theirs.
        return ThemeArchive.objects.get(source_key=source.key, version=version)
    logger.info(
        "Stored theme archive %s (%d files, %d dropped, %d bytes)",
        archive.short_version,
        package.files,
        package.dropped,
        package.size,
        extra={"archive_id": archive.pk},
    )
    return archive


# --------------------------------------------------------------------------- signed download URL
DOWNLOAD_SALT = "themes.download"
# Shopify fetches the archive only while it creates or processes the theme.
DOWNLOADABLE_STATES = (ThemeInstall.State.CREATING, ThemeInstall.State.PROCESSING)


class ThemeDownloadRefused(ApplicationError):
    """The download token is tampered with, unknown, expired or no longer needed."""


def theme_download_token(*, install: ThemeInstall) -> str:
    """A signed, timestamped token naming ``install`` and its archive (nothing else can be fetched)."""
    if install.archive is None:
        raise ValueError("the install has no archive yet")
    return signing.dumps({"install": install.pk, "archive": install.archive.sha256[:16]}, salt=DOWNLOAD_SALT)


def theme_download_url(*, install: ThemeInstall) -> str:
    """The absolute URL Shopify downloads the install's archive from (SHOPIFY_APP_URL based)."""
    path = reverse("theme_download", args=[theme_download_token(install=install)])
    return f"{settings.SHOPIFY_APP_URL}{path}"


def theme_download_resolve(*, token: str) -> tuple[ThemeInstall, ThemeArchive]:
    """The install and archive a download token grants, if it still does.

    Raises ThemeDownloadRefused with status 410 when the token expired
    (THEME_DOWNLOAD_URL_LIFETIME_SECONDS) or its install has finished, 404 when it is not ours
    (bad signature, other salt, unknown install, archive changed or missing).
    """
    not_found = ThemeDownloadRefused(_("Not found."), code="not_found", status=404)
    try:
        payload = signing.loads(token, salt=DOWNLOAD_SALT, max_age=settings.THEME_DOWNLOAD_URL_LIFETIME_SECONDS)
    except signing.SignatureExpired as error:
        raise ThemeDownloadRefused(_("This download link has expired."), code="expired", status=410) from error
    except signing.BadSignature as error:
        raise not_found from error
    if not isinstance(payload, dict) or not isinstance(payload.get("install"), int):
        raise not_found
    install = ThemeInstall.objects.select_related("archive").filter(pk=payload["install"]).first()
    if install is None or install.archive is None or install.archive.sha256[:16] != payload.get("archive"):
        raise not_found
    if install.state not in DOWNLOADABLE_STATES:
        raise ThemeDownloadRefused(_("This download link has expired."), code="finished", status=410)
    if not default_storage.exists(install.archive.file):
        logger.error("Theme archive file is missing from storage", extra={"archive_id": install.archive.pk})
        raise not_found
    return install, install.archive


# --------------------------------------------------------------------------- install lifecycle
MAX_ATTEMPTS = 3
MAX_RETRY_WAIT_SECONDS = 300.0
LIMIT_MESSAGE_RE = re.compile(r"theme limit|maximum number of themes|library is full|\blimit\b", re.IGNORECASE)


@dataclass(frozen=True)
class InstallStep:
    """What the task does next: ``run`` again (retry), ``poll`` Shopify, or nothing (``done``).

    ``polls`` is the install's count of status checks when the next poll was decided: that poll
    runs only if the count has not moved meanwhile (see ``theme_install_poll``).
    """

    next: str
    wait_seconds: float = 0.0
    polls: int | None = None


DONE = InstallStep("done")
StepFunction = Callable[..., InstallStep]


def _stale_seconds() -> float:
    # Longer than any step can stay silent: a download, the retry waits, then some slack.
    silent = settings.THEME_DOWNLOAD_TIMEOUT_SECONDS + MAX_RETRY_WAIT_SECONDS + 600
    return max(silent, settings.THEME_POLL_INTERVAL_SECONDS * 10)


def theme_install_stale_before() -> datetime.datetime:
    """A running install not updated since this moment has lost its worker (no step stays silent so long)."""
    return timezone.now() - datetime.timedelta(seconds=_stale_seconds())


def theme_install_is_stale(*, install: ThemeInstall) -> bool:
    """True when ``install`` still counts as running but has not moved for longer than any step takes."""
    return install.is_active and install.updated_at < theme_install_stale_before()


def _give_up_before() -> datetime.datetime:
    # Every attempt may stall once, then Shopify's processing has its own bound: an install
    # older than that is ended, whatever its state, instead of being queued again forever.
    lifetime = _stale_seconds() * (MAX_ATTEMPTS + 1) + settings.THEME_POLL_TIMEOUT_SECONDS
    return timezone.now() - datetime.timedelta(seconds=lifetime)


def theme_install_start(*, shop: str, user_id: int | None = None) -> ThemeInstall:
    """Record a queued install for ``shop`` and enqueue its task (after the commit).

    An install that has not moved for longer than any step can take is ended first (abandoned,
    or unconfirmed once it reached Shopify), so a lost worker does not block the shop forever.
    Raises ApplicationError: source not configured (409), ``write_themes`` missing (403),
    another install of the shop still running (409).
    """
    from themes.tasks import run_theme_install

    if theme_source_get() is None:
        raise ApplicationError(
            _("The theme is not available yet: its source has not been configured."),
            code=ThemeInstall.Error.SOURCE_NOT_CONFIGURED,
            status=409,
        )
    if not shopify_session_has_scope(shop=shop, scope="write_themes"):
        raise ApplicationError(_missing_permission_message(), code=ThemeInstall.Error.MISSING_PERMISSION, status=403)
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
    transaction.on_commit(lambda: run_theme_install.enqueue(install.pk))
    return install


def _abandon_stale(*, shop: str) -> None:
    """End the shop's running install when it stopped moving (locked and checked again, as the
    sweep does, so an install the sweep has just recovered is left alone)."""
    stale_before = theme_install_stale_before()
    with transaction.atomic():
        install = (
            ThemeInstall.objects.select_for_update().filter(running_shop=shop, updated_at__lt=stale_before).first()
        )
        if install is not None:
            _finish_stalled(install)


def _finish_stalled(install: ThemeInstall) -> str:
    """Fail an install whose worker vanished, as unconfirmed or abandoned; return the error code."""
    code = install.stalled_error_code
    minutes = int((timezone.now() - install.updated_at).total_seconds() // 60)
    if code == ThemeInstall.Error.UNCONFIRMED:
        detail = _(
            "No progress for %(minutes)d minutes after the theme was sent to Shopify. Not sent again: "
            "Shopify may have created it."
        ) % {"minutes": minutes}
    else:
        detail = _("No progress for %(minutes)d minutes: the worker running the install stopped.") % {
            "minutes": minutes
        }
    _finish(install, ThemeInstall.State.FAILED, code, detail)
    logger.warning("Ended a stalled theme install", extra={"shop": install.shop, "install_id": install.pk})
    return str(code)


def theme_install_recover_stale(*, limit: int = 100) -> dict[str, int]:
    """Continue or end the running installs whose worker vanished (the task workers' sweep).

    Stale means not updated since ``theme_install_stale_before()``. Queued, or interrupted while
    downloading (nothing reached Shopify): queued again while attempts remain. Processing: one
    more status check is queued (a late poll task of the same install then finds the count of
    checks moved and stops). Interrupted while sending to Shopify (``themeCreate`` may have
    worked, so it is not repeated), out of attempts, or older than any recovery: failed as
    unconfirmed or abandoned. Each install is locked and checked again first, so several
    workers may sweep at once; tasks are enqueued after the commit. Returns how many installs
    had each outcome (non-zero only).
    """
    stale_before = theme_install_stale_before()
    give_up_before = _give_up_before()
    stale_ids = list(
        ThemeInstall.objects.filter(running_shop__isnull=False, updated_at__lt=stale_before)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    summary: dict[str, int] = {}
    for install_id in stale_ids:
        with transaction.atomic():
            install = (
                ThemeInstall.objects.select_for_update()
                .filter(pk=install_id, running_shop__isnull=False, updated_at__lt=stale_before)
                .first()
            )
            if install is None:
                continue  # finished, moved, or recovered by another worker meanwhile
            outcome = _recover_stalled(install, give_up_before=give_up_before)
        summary[outcome] = summary.get(outcome, 0) + 1
    if summary:
        logger.warning("Recovered stalled theme installs: %s", summary)
    return summary


def _recover_stalled(install: ThemeInstall, *, give_up_before: datetime.datetime) -> str:
    """One locked stale install: queue its next step again, or end it. Returns the outcome."""
    from themes.tasks import poll_theme_install, run_theme_install

    if install.created_at < give_up_before:
        return _finish_stalled(install)
    if install.state == ThemeInstall.State.PROCESSING and install.theme_id:
        install.save(update_fields=["updated_at"])
        transaction.on_commit(partial(poll_theme_install.enqueue, install.pk, install.polls))
        return "polls_queued"
    resumable = (ThemeInstall.State.QUEUED, ThemeInstall.State.DOWNLOADING)
    if install.state in resumable and install.attempts < MAX_ATTEMPTS:
        if install.state == ThemeInstall.State.DOWNLOADING:
            install.state = ThemeInstall.State.QUEUED
            install.error_detail = _("The worker stopped while preparing the archive; trying again.")
        install.save(update_fields=["state", "error_detail", "updated_at"])
        transaction.on_commit(partial(run_theme_install.enqueue, install.pk))
        return "queued"
    return _finish_stalled(install)


def theme_install_abandon(*, install: ThemeInstall) -> bool:
    """Mark a running install as failed (staff action for a stuck one); False when not running."""
    if not install.is_active:
        return False
    _finish(install, ThemeInstall.State.FAILED, ThemeInstall.Error.ABANDONED, _("Stopped by staff."))
    return True


def _finish(install: ThemeInstall, state: str, error_code: str = "", detail: str = "") -> None:
    install.state = state
    install.error_code = error_code
    install.error_detail = detail[:2000]
    install.finished_at = timezone.now()
    install.running_shop = None
    install.save(update_fields=["state", "error_code", "error_detail", "finished_at", "running_shop", "updated_at"])
    if state == ThemeInstall.State.FAILED:
        logger.warning(
            "Theme install failed: %s",
            error_code,
            extra={"shop": install.shop, "install_id": install.pk, "detail": install.error_detail},
        )
    else:
        logger.info("Theme installed", extra={"shop": install.shop, "install_id": install.pk})


def _retry_or_fail(install: ThemeInstall, error_code: str, detail: str, wait: float | None) -> InstallStep:
    if install.attempts < MAX_ATTEMPTS:
        install.state = ThemeInstall.State.QUEUED
        install.error_detail = f"attempt {install.attempts}: {detail}"[:2000]
        install.save(update_fields=["state", "error_detail", "updated_at"])
        # A host's Retry-After / rate-limit reset is honoured, up to MAX_RETRY_WAIT_SECONDS.
        delay = min(max(settings.THEME_RETRY_DELAY_SECONDS * install.attempts, wait or 0.0), MAX_RETRY_WAIT_SECONDS)
        return InstallStep("run", wait_seconds=delay)
    _finish(install, ThemeInstall.State.FAILED, error_code, detail)
    return DONE


def _source_error_code(error: Exception) -> str:
    if isinstance(error, ThemeSourceAuthError):
        return ThemeInstall.Error.SOURCE_AUTH
    if isinstance(error, ThemeSourceNotFound):
        return ThemeInstall.Error.SOURCE_NOT_FOUND
    if isinstance(error, ThemeArchiveTooLarge):
        return ThemeInstall.Error.ARCHIVE_TOO_LARGE
    if isinstance(error, ThemeArchiveInvalid):
        return ThemeInstall.Error.ARCHIVE_INVALID
    return ThemeInstall.Error.SOURCE_UNAVAILABLE


def _user_errors_code(error: ShopifyUserErrors) -> str:
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


def _shopify_error_code(error: ShopifyError) -> str:
    return INSTALL_ERRORS.get(shopify_failure(error), ThemeInstall.Error.SHOPIFY_REJECTED)


def theme_install_run(*, install_id: int) -> InstallStep:
    """Fetch the archive (cached by version) and ask Shopify to create the theme from it.

    Idempotent: only a queued install is picked up (a duplicate task does nothing). Retryable
    source errors and Shopify throttling are retried up to MAX_ATTEMPTS; ``themeCreate`` is not
    repeated after a timeout or 5xx (it may have worked: repeating could add a second theme).
    Returns the next step: poll Shopify, run again later, or done.
    """
    claimed = ThemeInstall.objects.filter(pk=install_id, state=ThemeInstall.State.QUEUED).update(
        state=ThemeInstall.State.DOWNLOADING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if not claimed:
        return DONE
    install = ThemeInstall.objects.get(pk=install_id)
    source = theme_source_get()
    if source is None:
        _finish(install, ThemeInstall.State.FAILED, ThemeInstall.Error.SOURCE_NOT_CONFIGURED, "no source configured")
        return DONE
    try:
        archive = theme_archive_fetch(source=source)
    except (ThemeSourceError, ThemeArchiveInvalid) as error:
        code, detail = _source_error_code(error), str(error)
        if isinstance(error, ThemeSourceError) and error.retryable:
            return _retry_or_fail(install, code, detail, getattr(error, "wait_seconds", None))
        _finish(install, ThemeInstall.State.FAILED, code, detail)
        return DONE

    install.archive = archive
    install.version = archive.version
    install.state = ThemeInstall.State.CREATING
    install.save(update_fields=["archive", "version", "state", "updated_at"])
    try:
        theme = theme_create(
            shopify_admin_client(shop=install.shop), source=theme_download_url(install=install), name=install.theme_name
        )
    except ShopifyUserErrors as error:
        _finish(install, ThemeInstall.State.FAILED, _user_errors_code(error), str(error))
        return DONE
    except ShopifyThrottled as error:
        return _retry_or_fail(install, ThemeInstall.Error.SHOPIFY_UNAVAILABLE, str(error), error.wait_seconds)
    except ShopifyError as error:
        _finish(install, ThemeInstall.State.FAILED, _shopify_error_code(error), str(error))
        return DONE
    install.theme_id = theme.id
    install.theme_role = theme.role
    install.state = ThemeInstall.State.PROCESSING
    install.submitted_at = timezone.now()
    install.error_detail = ""
    install.save(update_fields=["theme_id", "theme_role", "state", "submitted_at", "error_detail", "updated_at"])
    logger.info("Shopify accepted the theme", extra={"shop": install.shop, "install_id": install.pk})
    return _next_poll(install)


def _next_poll(install: ThemeInstall) -> InstallStep:
    return InstallStep("poll", wait_seconds=settings.THEME_POLL_INTERVAL_SECONDS, polls=install.polls)


def theme_install_poll(*, install_id: int, polls: int | None = None) -> InstallStep:
    """Ask Shopify once whether the theme finished processing; record ready or failed.

    ``polls`` is the install's count of checks when this one was scheduled: when the count has
    moved, another task already made this check (a late task beside the one the maintenance
    sweep queued) and this one does nothing, so an install is never polled by two chains. None
    skips that test. Bounded: a theme still processing THEME_POLL_TIMEOUT_SECONDS after
    ``themeCreate`` fails the install (Shopify is asked first, so a check that comes late still
    sees a finished theme). A retryable Shopify error only costs one poll. Returns the next step.
    """
    claim = ThemeInstall.objects.filter(pk=install_id, state=ThemeInstall.State.PROCESSING)
    if polls is not None:
        claim = claim.filter(polls=polls)
    if not claim.update(polls=F("polls") + 1, updated_at=timezone.now()):
        return DONE
    install = ThemeInstall.objects.get(pk=install_id)
    submitted = install.submitted_at or install.created_at
    timed_out = timezone.now() - submitted > datetime.timedelta(seconds=settings.THEME_POLL_TIMEOUT_SECONDS)
    try:
        theme = theme_get(shopify_admin_client(shop=install.shop), theme_id=install.theme_id)
    except ShopifyError as error:
        if error.retryable and not timed_out:
            return _next_poll(install)
        _finish(install, ThemeInstall.State.FAILED, _shopify_error_code(error), str(error))
        return DONE
    if theme is None:
        _finish(install, ThemeInstall.State.FAILED, ThemeInstall.Error.THEME_DELETED, "theme(id) answered null")
        return DONE
    if theme.processing_failed:
        install.theme_role = theme.role
        _finish(install, ThemeInstall.State.FAILED, ThemeInstall.Error.PROCESSING_FAILED, "processingFailed: true")
        return DONE
    if theme.processing:
        if timed_out:
            _finish(
                install,
                ThemeInstall.State.FAILED,
                ThemeInstall.Error.PROCESSING_TIMEOUT,
                f"still processing after {install.polls} checks",
            )
            return DONE
        return _next_poll(install)
    install.theme_role = theme.role
    install.save(update_fields=["theme_role", "updated_at"])
    _finish(install, ThemeInstall.State.READY)
    return DONE


def theme_install_fail_unexpectedly(*, install_id: int) -> None:
    """Mark a running install as failed after an unexpected error in its task (idempotent)."""
    install = ThemeInstall.objects.filter(pk=install_id, running_shop__isnull=False).first()
    if install is not None:
        _finish(install, ThemeInstall.State.FAILED, ThemeInstall.Error.INTERNAL, "unexpected error; see the logs")


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
