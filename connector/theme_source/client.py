"""HTTP clients of the theme's source: GitHub, GitLab (archive APIs) and a plain archive URL.

Owns: resolving a Git ref to a commit, checking that the token can read the repository,
streaming an archive to a file with a size cap and an overall deadline, conditional downloads
(ETag / Last-Modified) and typed errors; the HTTP part (credential-safe redirects, the capped
stream) is connector/http.py. Takes primitives, returns small dataclasses; never
imports models, never logs tokens or the archive URL (it may carry a signature).
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit

from django.conf import settings

from connector import http
from connector.redaction import describe_url as describe_url
from connector.theme_source.errors import (
    ThemeArchiveTooLarge,
    ThemeSourceAuthError,
    ThemeSourceError,
    ThemeSourceNotFound,
    ThemeSourceUnavailable,
)

logger = logging.getLogger(__name__)

USER_AGENT = "Ecomdrop-IA-Connector"
GITHUB_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
GITLAB_PROJECT_RE = re.compile(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+$")
SHA_RE = re.compile(r"^[0-9a-f]{7,64}$")


@dataclass(frozen=True)
class Repository:
    full_name: str
    default_branch: str
    private: bool


@dataclass(frozen=True)
class Download:
    """What a download wrote (nothing when ``not_modified``)."""

    size: int
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False


class _SourceClient:
    """Shared plumbing: headers, status mapping, capped streaming (the HTTP part is connector/http.py)."""

    host_name = "theme source"

    def __init__(self, *, session: http.Session | None = None) -> None:
        self.session = session  # None: the process's shared pools (connector/http.py)
        self.timeout = settings.HTTP_TIMEOUT_SECONDS
        self.download_seconds = settings.THEME_DOWNLOAD_TIMEOUT_SECONDS

    def _headers(self) -> dict[str, str]:
        return {"User-Agent": USER_AGENT}

    def _get(
        self, url: str, *, what: str, headers: dict[str, str] | None = None, stream: bool = False
    ) -> http.Response:
        """GET ``url``, following redirects (credentials are dropped when one leaves the host)."""
        try:
            response = http.request(
                "GET",
                url,
                headers={**self._headers(), **(headers or {})},
                timeout=self.timeout,
                allow_redirects=True,
                stream=stream,
                session=self.session,
            )
        except http.HttpError as failure:
            logger.warning("%s: %s failed: %s", self.host_name, what, failure.reason.value)
            error_class = ThemeSourceError if failure.kind is http.Kind.FINAL else ThemeSourceUnavailable
            raise error_class(f"{self.host_name} did not answer ({failure.reason.value})") from failure
        self._raise_for_status(response, what)
        return response

    def _raise_for_status(self, response: http.Response, what: str) -> None:
        status = response.status_code
        failure = None if status == 304 else http.status_error(response)
        if failure is None:
            return
        logger.warning("%s: %s answered HTTP %s", self.host_name, what, status)
        response.close()
        wait = _rate_limit_wait(response, failure)
        if status == 429 or wait is not None:
            raise ThemeSourceUnavailable(
                f"{self.host_name} is rate limiting the app (HTTP {status})", status=status, wait_seconds=wait
            )
        if status in (401, 403):
            raise ThemeSourceAuthError(f"{self.host_name} refused the token for {what} (HTTP {status})", status=status)
        # GitHub answers 422 for a ref that names no commit.
        if status in (404, 410, 422):
            raise ThemeSourceNotFound(f"{self.host_name} found nothing for {what} (HTTP {status})", status=status)
        if status >= 500:
            raise ThemeSourceUnavailable(f"{self.host_name} answered HTTP {status} for {what}", status=status)
        raise ThemeSourceError(f"{self.host_name} answered HTTP {status} for {what}", status=status)

    def _json(self, response: http.Response, what: str) -> dict[str, Any]:
        try:
            body = http.read_json(response)
        except http.HttpError as failure:
            raise ThemeSourceError(f"{self.host_name} answered a body that is not JSON for {what}") from failure
        if not isinstance(body, dict):
            raise ThemeSourceUnavailable(f"{self.host_name} answered an unexpected body for {what}")
        return body

    def _stream(self, response: http.Response, destination: BinaryIO, *, max_bytes: int) -> int:
        """Copy the body to ``destination``; stop at ``max_bytes`` or after the download deadline."""
        try:
            return http.download(response, destination, max_bytes=max_bytes, deadline_seconds=self.download_seconds)
        except http.HttpError as failure:
            if failure.reason is http.Reason.TOO_LARGE:
                raise ThemeArchiveTooLarge(f"the archive is too large: {failure}", limit=max_bytes) from failure
            if failure.reason is http.Reason.DEADLINE:
                message = f"{self.host_name} did not finish the download within {self.download_seconds:.0f} s"
            else:
                message = f"{self.host_name} broke off the download ({failure.reason.value})"
            raise ThemeSourceUnavailable(message) from failure


class GitHubClient(_SourceClient):
    """GitHub's REST API (github.com or GitHub Enterprise): repository, commit, zipball."""

    host_name = "GitHub"

    def __init__(self, *, api_url: str, token: str | None, session: http.Session | None = None) -> None:
        super().__init__(session=session)
        self.api_url = api_url.rstrip("/")
        self._token = token or None

    def _headers(self) -> dict[str, str]:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _repo_path(self, repo: str) -> str:
        if not GITHUB_REPO_RE.match(repo):
            raise ThemeSourceNotFound(f"'{repo}' is not an owner/repository name")
        return f"{self.api_url}/repos/{repo}"

    def repository(self, *, repo: str) -> Repository:
        """The repository's metadata; proves that the token (if any) can read it."""
        body = self._json(self._get(self._repo_path(repo), what="the repository"), "the repository")
        return Repository(
            full_name=str(body.get("full_name") or repo),
            default_branch=str(body.get("default_branch") or ""),
            private=bool(body.get("private")),
        )

    def commit_sha(self, *, repo: str, ref: str) -> str:
        """The commit ``ref`` (branch, tag or sha) points at."""
        # Branch names may hold slashes (feature/x); GitHub takes them as they are.
        url = f"{self._repo_path(repo)}/commits/{quote(ref, safe='/')}"
        sha = str(self._json(self._get(url, what=f"the ref '{ref}'"), "the commit").get("sha") or "")
        if not SHA_RE.match(sha):
            raise ThemeSourceUnavailable("GitHub answered a commit without a sha")
        return sha

    def download_archive(self, *, repo: str, sha: str, destination: BinaryIO, max_bytes: int) -> Download:
        """Stream the zipball of ``sha`` (GitHub redirects to codeload; the redirect is followed)."""
        url = f"{self._repo_path(repo)}/zipball/{quote(sha, safe='')}"
        response = self._get(url, what="the archive", stream=True)
        size = self._stream(response, destination, max_bytes=max_bytes)
        return Download(size=size)


class GitLabClient(_SourceClient):
    """GitLab's REST API v4 (gitlab.com or self-managed): project, commit, archive.zip."""

    host_name = "GitLab"

    def __init__(self, *, api_url: str, token: str | None, session: http.Session | None = None) -> None:
        super().__init__(session=session)
        self.api_url = api_url.rstrip("/")
        self._token = token or None

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self._token:
            headers["PRIVATE-TOKEN"] = self._token
        return headers

    def _project_path(self, project: str) -> str:
        if not GITLAB_PROJECT_RE.match(project):
            raise ThemeSourceNotFound(f"'{project}' is not a group/project path")
        # GitLab takes the URL-encoded full path as the project id.
        return f"{self.api_url}/projects/{quote(project, safe='')}"

    def repository(self, *, repo: str) -> Repository:
        """The project's metadata; proves that the token (if any) can read it."""
        body = self._json(self._get(self._project_path(repo), what="the project"), "the project")
        return Repository(
            full_name=str(body.get("path_with_namespace") or repo),
            default_branch=str(body.get("default_branch") or ""),
            private=body.get("visibility") not in (None, "public"),
        )

    def commit_sha(self, *, repo: str, ref: str) -> str:
        """The commit ``ref`` (branch, tag or sha) points at."""
        url = f"{self._project_path(repo)}/repository/commits/{quote(ref, safe='')}"
        sha = str(self._json(self._get(url, what=f"the ref '{ref}'"), "the commit").get("id") or "")
        if not SHA_RE.match(sha):
            raise ThemeSourceUnavailable("GitLab answered a commit without an id")
        return sha

    def download_archive(self, *, repo: str, sha: str, destination: BinaryIO, max_bytes: int) -> Download:
        """Stream ``archive.zip`` of ``sha``."""
        url = f"{self._project_path(repo)}/repository/archive.zip?sha={quote(sha, safe='')}"
        response = self._get(url, what="the archive", stream=True)
        size = self._stream(response, destination, max_bytes=max_bytes)
        return Download(size=size)


class ArchiveUrlClient(_SourceClient):
    """A zip at a fixed URL (a release asset, a bucket object), fetched conditionally."""

    host_name = "Theme archive host"

    def download(
        self, *, url: str, destination: BinaryIO, max_bytes: int, etag: str = "", last_modified: str = ""
    ) -> Download:
        """Stream the archive unless the host says it did not change since ``etag``/``last_modified``."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise ThemeSourceNotFound("the theme archive URL must start with https://")
        headers = {"Accept": "application/zip, application/octet-stream;q=0.9, */*;q=0.1"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = self._get(url, what="the archive", headers=headers, stream=True)
        if response.status_code == 304:
            response.close()
            return Download(size=0, etag=etag, last_modified=last_modified, not_modified=True)
        new_etag = response.headers.get("ETag", "")
        new_last_modified = response.headers.get("Last-Modified", "")
        size = self._stream(response, destination, max_bytes=max_bytes)
        return Download(size=size, etag=new_etag, last_modified=new_last_modified)


def _rate_limit_wait(response: http.Response, failure: http.HttpError) -> float | None:
    """Seconds to wait when the answer is a rate limit (GitHub: 403/429 with remaining 0)."""
    if response.status_code == 429 or (response.status_code == 403 and "Retry-After" in response.headers):
        return failure.wait_seconds(default=60.0, minimum=1.0)
    if response.headers.get("X-RateLimit-Remaining") == "0":
        try:
            seconds = float(response.headers.get("X-RateLimit-Reset", "")) - time.time()
        except ValueError:
            seconds = math.nan
        return http.clamp_delay(seconds, default=60.0, minimum=1.0)
    return None
