"""HTTP clients of the theme's source: GitHub, GitLab (archive APIs) and a plain archive URL.

Owns: resolving a Git ref to a commit, checking that the token can read the repository,
streaming an archive to a file with a size cap and an overall deadline, conditional downloads
(ETag / Last-Modified) and typed errors. Takes primitives, returns small dataclasses; never
imports models, never logs tokens or the archive URL (it may carry a signature).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from connector.theme_source.errors import (
    ThemeArchiveTooLarge,
    ThemeSourceAuthError,
    ThemeSourceError,
    ThemeSourceNotFound,
    ThemeSourceUnavailable,
)

logger = logging.getLogger(__name__)

USER_AGENT = "Ecomdrop-IA-Connector"
CHUNK_BYTES = 64 * 1024
GITHUB_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
GITLAB_PROJECT_RE = re.compile(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+$")
SHA_RE = re.compile(r"^[0-9a-f]{7,64}$")
CREDENTIAL_HEADERS = ("PRIVATE-TOKEN",)


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


def describe_url(url: str) -> str:
    """``scheme://host`` of ``url``: what may be shown or logged of an archive URL."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"


class _CredentialSafeSession(requests.Session):
    """A session that drops every credential header, not only ``Authorization``, when a
    redirect leaves the origin (requests strips only ``Authorization`` by itself)."""

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        if self.should_strip_auth(response.request.url, prepared_request.url):
            for header in CREDENTIAL_HEADERS:
                prepared_request.headers.pop(header, None)
        super().rebuild_auth(prepared_request, response)


class _SourceClient:
    """Shared HTTP plumbing: timeouts, status mapping, capped streaming."""

    host_name = "theme source"

    def __init__(self, *, session: requests.Session | None = None) -> None:
        self.http = session or _CredentialSafeSession()
        self.timeout = settings.HTTP_TIMEOUT_SECONDS
        self.download_seconds = settings.THEME_DOWNLOAD_TIMEOUT_SECONDS

    def _headers(self) -> dict[str, str]:
        return {"User-Agent": USER_AGENT}

    def _get(
        self, url: str, *, what: str, headers: dict[str, str] | None = None, stream: bool = False
    ) -> requests.Response:
        try:
            response = self.http.get(
                url, headers={**self._headers(), **(headers or {})}, timeout=self.timeout, stream=stream
            )
        except requests.RequestException as error:
            logger.warning("%s: %s failed: %s", self.host_name, what, type(error).__name__)
            raise ThemeSourceUnavailable(f"{self.host_name} did not answer ({type(error).__name__})") from error
        self._raise_for_status(response, what)
        return response

    def _raise_for_status(self, response: requests.Response, what: str) -> None:
        status = response.status_code
        if status < 400 or status == 304:
            return
        logger.warning("%s: %s answered HTTP %s", self.host_name, what, status)
        response.close()
        wait = _rate_limit_wait(response)
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

    def _json(self, response: requests.Response, what: str) -> dict:
        try:
            body = response.json()
        except ValueError as error:
            raise ThemeSourceUnavailable(f"{self.host_name} answered a body that is not JSON for {what}") from error
        if not isinstance(body, dict):
            raise ThemeSourceUnavailable(f"{self.host_name} answered an unexpected body for {what}")
        return body

    def _stream(self, response: requests.Response, destination: BinaryIO, *, max_bytes: int) -> int:
        """Copy the body to ``destination``; stop at ``max_bytes`` or after the download deadline."""
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) > max_bytes:
            response.close()
            raise ThemeArchiveTooLarge(f"the archive announces {announced} bytes", limit=max_bytes)
        deadline = time.monotonic() + self.download_seconds
        written = 0
        try:
            for chunk in response.iter_content(CHUNK_BYTES):
                written += len(chunk)
                if written > max_bytes:
                    raise ThemeArchiveTooLarge(f"the archive is bigger than {max_bytes} bytes", limit=max_bytes)
                if time.monotonic() > deadline:
                    raise ThemeSourceUnavailable(
                        f"{self.host_name} did not finish the download within {self.download_seconds:.0f} s"
                    )
                destination.write(chunk)
        except requests.RequestException as error:
            raise ThemeSourceUnavailable(f"{self.host_name} broke off the download ({type(error).__name__})") from error
        finally:
            response.close()
        return written


class GitHubClient(_SourceClient):
    """GitHub's REST API (github.com or GitHub Enterprise): repository, commit, zipball."""

    host_name = "GitHub"

    def __init__(self, *, api_url: str, token: str | None, session: requests.Session | None = None) -> None:
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

    def __init__(self, *, api_url: str, token: str | None, session: requests.Session | None = None) -> None:
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


def _rate_limit_wait(response: requests.Response) -> float | None:
    """Seconds to wait when the answer is a rate limit (GitHub: 403/429 with remaining 0)."""
    retry_after = response.headers.get("Retry-After", "")
    if response.status_code == 429 or (response.status_code == 403 and retry_after):
        try:
            return max(float(retry_after), 1.0)
        except ValueError:
            return 60.0
    if response.headers.get("X-RateLimit-Remaining") == "0":
        reset = response.headers.get("X-RateLimit-Reset", "")
        try:
            return max(float(reset) - time.time(), 1.0)
        except ValueError:
            return 60.0
    return None
