"""The storefront theme's source and its archive cache.

Owns: reading the theme's source from settings only (a browser never chooses a URL),
downloading the archive from a Git host or a fixed URL, validating it (``themes.archives``) and
caching it by version in the default file storage (one ``ThemeArchive`` per version).
Must not hold a transaction open across an HTTP call, log the Git token or the archive URL
(it may carry a signature), or accept a source from a request.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from connector.secrets import Secret
from connector.theme_source.client import ArchiveUrlClient, GitHubClient, GitLabClient, describe_url
from connector.theme_source.errors import (
    ThemeSourceUnavailable,
)
from themes.archives import theme_package
from themes.install_rules import (  # noqa: F401 (MAX_ATTEMPTS: the budget, named here too)
    MAX_ATTEMPTS,
    install_ended,
    install_lease,
    install_log_end,
    install_lost,
    install_retry_policy,
    install_stalled_end,
)
from themes.models import ThemeArchive

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
