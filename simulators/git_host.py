"""A local Git archive host for tests and demos: a GitHub-like and a GitLab-like archive API and
plain archive files, with token checks.

- GitHub (``THEME_GIT_API_URL={base}``): ``GET /repos/{owner}/{repo}``, ``GET
  /repos/{owner}/{repo}/commits/{ref}``, ``GET /repos/{owner}/{repo}/zipball/{ref}`` (302 to a
  one-time ``/codeload/…`` URL, as GitHub redirects to codeload.github.com). Token in
  ``Authorization: Bearer|token …``. Archives wrap the files in ``{owner}-{repo}-{sha7}/``.
- GitLab (``THEME_GIT_API_URL={base}/api/v4``): ``GET /api/v4/projects/{url-encoded path}``,
  ``…/repository/commits/{ref}``, ``…/repository/archive.zip?sha=…``. Token in ``PRIVATE-TOKEN``
  (or ``Authorization: Bearer``). Archives wrap the files in ``{project}-{sha}-{sha}/``.
- Files (``THEME_ARCHIVE_URL={base}/files/{name}``): served with an ``ETag``; a matching
  ``If-None-Match`` answers 304.

Answers follow the hosts: an unknown token is 401 (``Bad credentials``), a token in
``forbidden_tokens`` is 403, a private repository the token cannot see is 404.

Run it by hand: ``python -m simulators.git_host --port 9400`` (serves a demo theme).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from simulators.base import Request, Response, SimulatorServer, serve_until_interrupted

# The repository of the demo theme and the token that reads it (``main`` and ``make demo``).
DEMO_REPOSITORY = "ecomdrop/theme"
DEMO_TOKEN = "ghp_demo_token_for_local_use_only"  # noqa: S105 (the simulator's demo token, not a secret)


def build_zip(files: dict[str, bytes | str], *, prefix: str = "") -> bytes:
    """A zip of ``files`` (path → content), every path under ``prefix`` when given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if prefix:
            archive.writestr(zipfile.ZipInfo(prefix.rstrip("/") + "/"), b"")
        for path, content in sorted(files.items()):
            data = content.encode("utf-8") if isinstance(content, str) else content
            archive.writestr(f"{prefix}{path}", data)
    return buffer.getvalue()


def demo_theme_files(*, title: str = "Ecomdrop Theme 2.5") -> dict[str, bytes | str]:
    """A small but complete Shopify theme (layout, templates, config, …) plus repository files."""
    return {
        "layout/theme.liquid": f"<!doctype html><html><head><title>{title}</title>{{{{ content_for_header }}}}</head>"
        "<body>{{ content_for_layout }}</body></html>",
        "templates/index.json": '{"sections": {}, "order": []}',
        "templates/product.json": '{"sections": {}, "order": []}',
        "templates/customers/account.liquid": "{{ customer.name }}",
        "config/settings_schema.json": '[{"name": "theme_info", "theme_name": "Ecomdrop"}]',
        "config/settings_data.json": '{"current": {}}',
        "sections/header.liquid": "<header>{{ shop.name }}</header>",
        "snippets/price.liquid": "{{ product.price | money }}",
        "assets/base.css": "body { margin: 0; }",
        "locales/es.default.json": '{"general": {"title": "Tienda"}}',
        "locales/en.json": '{"general": {"title": "Shop"}}',
        "README.md": "# Ecomdrop Theme\n",
        ".github/workflows/ci.yml": "on: push\n",
    }


@dataclass
class SimulatedRepository:
    full_name: str
    private: bool
    tokens: set[str]
    default_branch: str = "main"
    refs: dict[str, str] = field(default_factory=dict)
    commits: dict[str, dict[str, bytes | str]] = field(default_factory=dict)


@dataclass
class SimulatedFile:
    content: bytes
    etag: str
    content_type: str = "application/zip"


class GitHostSimulator(SimulatorServer):
    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.repositories: dict[str, SimulatedRepository] = {}
        self.files: dict[str, SimulatedFile] = {}
        self.valid_tokens: set[str] = set()
        self.forbidden_tokens: set[str] = set()
        self._codeload: dict[str, tuple[str, str, float]] = {}

    # -- helpers for tests
    def add_repository(
        self,
        full_name: str,
        *,
        files: dict[str, bytes | str],
        ref: str = "main",
        private: bool = True,
        tokens: tuple[str, ...] = (),
    ) -> str:
        """Create a repository whose ``ref`` holds ``files``; return the commit sha."""
        with self.lock:
            self.repositories[full_name] = SimulatedRepository(
                full_name=full_name, private=private, tokens=set(tokens), default_branch=ref
            )
            self.valid_tokens.update(tokens)
        return self.push(full_name, files=files, ref=ref)

    def push(self, full_name: str, *, files: dict[str, bytes | str], ref: str = "main") -> str:
        """Commit ``files`` on ``ref``; return the new sha."""
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(f"{full_name}@{ref}@{len(self.repositories[full_name].commits)}".encode())
        for path, content in sorted(files.items()):
            digest.update(path.encode())
            digest.update(content.encode() if isinstance(content, str) else content)
        sha = digest.hexdigest()
        with self.lock:
            repository = self.repositories[full_name]
            repository.commits[sha] = dict(files)
            repository.refs[ref] = sha
        return sha

    def add_file(self, name: str, content: bytes, *, content_type: str = "application/zip") -> str:
        """Serve ``content`` at ``/files/{name}``; return its URL."""
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        with self.lock:
            self.files[name] = SimulatedFile(content=content, etag=etag, content_type=content_type)
        return f"{self.base_url}/files/{name}"

    def github_api_url(self) -> str:
        return self.base_url

    def gitlab_api_url(self) -> str:
        return f"{self.base_url}/api/v4"

    # -- routing
    def handle(self, request: Request) -> Response:
        segments = [unquote(part) for part in request.path.strip("/").split("/")]
        if request.method not in ("GET", "HEAD"):
            request.kind = "unknown"
            return Response(405, {"message": "Method Not Allowed"})
        if segments[:1] == ["repos"] and len(segments) >= 3:
            return self._github(request, segments[1:])
        if segments[:1] == ["codeload"]:
            return self._codeload_archive(request, segments[1:])
        if segments[:3] == ["api", "v4", "projects"] and len(segments) >= 4:
            return self._gitlab(request, segments[3:])
        if segments[:1] == ["files"] and len(segments) == 2:
            return self._file(request, segments[1])
        request.kind = "unknown"
        return Response(404, {"message": "Not Found"})

    # -- GitHub
    def _github_token(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        for scheme in ("Bearer ", "token "):
            if header.startswith(scheme):
                return header[len(scheme) :].strip()
        return None

    def _github(self, request: Request, segments: list[str]) -> Response:
        full_name = "/".join(segments[:2])
        rest = segments[2:]
        if not rest:
            request.kind = "github:repo"
        elif rest[0] == "commits" and len(rest) >= 2:
            request.kind = "github:commit"
        elif rest[0] == "zipball" and len(rest) >= 2:
            request.kind = "github:zipball"
        else:
            request.kind = "unknown"
            return Response(404, {"message": "Not Found"})
        failure = self.injected_failure(request)
        if failure:
            return failure
        token = self._github_token(request)
        refused = self._refuse(token, bad={"message": "Bad credentials"}, forbidden={"message": "Forbidden"})
        if refused:
            return refused
        repository = self._visible(full_name, token)
        if repository is None:
            return Response(404, {"message": "Not Found"})
        if request.kind == "github:repo":
            return Response(
                200,
                {
                    "full_name": repository.full_name,
                    "private": repository.private,
                    "default_branch": repository.default_branch,
                },
            )
        ref = "/".join(rest[1:])
        sha = self._resolve(repository, ref)
        if sha is None:
            return Response(422, {"message": f"No commit found for SHA: {ref}"})
        if request.kind == "github:commit":
            return Response(200, {"sha": sha})
        one_time = secrets.token_urlsafe(12)
        with self.lock:
            self._codeload[one_time] = (repository.full_name, sha, time.monotonic() + 300)
        owner, name = repository.full_name.split("/")
        location = f"{self.base_url}/codeload/{owner}/{name}/legacy.zip/{sha}?token={one_time}"
        return Response(302, headers={"Location": location})

    def _codeload_archive(self, request: Request, segments: list[str]) -> Response:
        request.kind = "github:codeload"
        failure = self.injected_failure(request)
        if failure:
            return failure
        one_time = (request.query.get("token") or [""])[-1]
        with self.lock:
            grant = self._codeload.pop(one_time, None)
        if grant is None or grant[2] < time.monotonic():
            return Response(404, {"message": "Not Found"})
        full_name, sha, _ = grant
        owner, name = full_name.split("/")
        files = self.repositories[full_name].commits[sha]
        archive = build_zip(files, prefix=f"{owner}-{name}-{sha[:7]}/")
        return Response(200, raw=archive, headers={"Content-Type": "application/zip"})

    # -- GitLab
    def _gitlab(self, request: Request, segments: list[str]) -> Response:
        full_name = segments[0]
        rest = segments[1:]
        if not rest:
            request.kind = "gitlab:project"
        elif rest[:2] == ["repository", "commits"] and len(rest) >= 3:
            request.kind = "gitlab:commit"
        elif rest == ["repository", "archive.zip"]:
            request.kind = "gitlab:archive"
        else:
            request.kind = "unknown"
            return Response(404, {"message": "404 Not Found"})
        failure = self.injected_failure(request)
        if failure:
            return failure
        token = request.headers.get("private-token") or self._github_token(request)
        refused = self._refuse(token, bad={"message": "401 Unauthorized"}, forbidden={"message": "403 Forbidden"})
        if refused:
            return refused
        repository = self._visible(full_name, token)
        if repository is None:
            return Response(404, {"message": "404 Project Not Found"})
        if request.kind == "gitlab:project":
            return Response(
                200,
                {
                    "id": int(hashlib.sha256(repository.full_name.encode()).hexdigest()[:5], 16),
                    "path_with_namespace": repository.full_name,
                    "default_branch": repository.default_branch,
                    "visibility": "private" if repository.private else "public",
                },
            )
        if request.kind == "gitlab:commit":
            sha = self._resolve(repository, "/".join(rest[2:]))
            if sha is None:
                return Response(404, {"message": "404 Commit Not Found"})
            return Response(200, {"id": sha, "short_id": sha[:8]})
        sha = self._resolve(repository, (request.query.get("sha") or [repository.default_branch])[-1])
        if sha is None:
            return Response(404, {"message": "404 Not Found"})
        name = repository.full_name.rsplit("/", 1)[-1]
        archive = build_zip(repository.commits[sha], prefix=f"{name}-{sha}-{sha}/")
        return Response(200, raw=archive, headers={"Content-Type": "application/zip"})

    # -- plain files
    def _file(self, request: Request, name: str) -> Response:
        request.kind = "file"
        failure = self.injected_failure(request)
        if failure:
            return failure
        with self.lock:
            served = self.files.get(name)
        if served is None:
            return Response(404, {"message": "Not Found"})
        if request.headers.get("if-none-match") == served.etag:
            return Response(304, raw=b"", headers={"ETag": served.etag})
        return Response(200, raw=served.content, headers={"Content-Type": served.content_type, "ETag": served.etag})

    # -- shared rules
    def _refuse(self, token: str | None, *, bad: dict[str, Any], forbidden: dict[str, Any]) -> Response | None:
        if token is None:
            return None
        with self.lock:
            if token in self.forbidden_tokens:
                return Response(403, forbidden)
            if token not in self.valid_tokens:
                return Response(401, bad)
        return None

    def _visible(self, full_name: str, token: str | None) -> SimulatedRepository | None:
        with self.lock:
            repository = self.repositories.get(full_name)
        if repository is None:
            return None
        if repository.private and (token is None or token not in repository.tokens):
            return None
        return repository

    def _resolve(self, repository: SimulatedRepository, ref: str) -> str | None:
        with self.lock:
            if ref in repository.refs:
                return repository.refs[ref]
            if ref in repository.commits:
                return ref
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Git archive host simulator with a demo theme")
    parser.add_argument("--port", type=int, default=9400)
    parser.add_argument("--token", default=DEMO_TOKEN)
    options = parser.parse_args()
    simulator = GitHostSimulator()
    simulator.start(options.port)
    simulator.add_repository(DEMO_REPOSITORY, files=demo_theme_files(), tokens=(options.token,))
    print(f"Git host simulator on {simulator.base_url}")  # noqa: T201
    print(f"THEME_GIT_API_URL={simulator.github_api_url()} THEME_GIT_REPO={DEMO_REPOSITORY}")  # noqa: T201
    print(f"THEME_GIT_TOKEN={options.token}")  # noqa: T201
    serve_until_interrupted(simulator)


if __name__ == "__main__":
    main()
