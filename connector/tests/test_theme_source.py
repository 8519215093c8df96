"""Theme-source clients against the local Git archive host (GitHub-like, GitLab-like, plain files)."""

import io
import logging
import zipfile

import pytest
import responses

from connector.theme_source.client import ArchiveUrlClient, GitHubClient, GitLabClient, describe_url
from connector.theme_source.errors import (
    ThemeArchiveTooLarge,
    ThemeSourceAuthError,
    ThemeSourceNotFound,
    ThemeSourceUnavailable,
)
from simulators.git_host import GitHostSimulator, build_zip, demo_theme_files

TOKEN = "ghp_valid_token_0123456789abcdef"
MAX = 5 * 1024 * 1024


@pytest.fixture
def git_host(settings):
    settings.HTTP_TIMEOUT_SECONDS = 5
    simulator = GitHostSimulator()
    simulator.start()
    yield simulator
    simulator.stop()


def names_in(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def test_github_reads_the_repository_resolves_the_ref_and_streams_the_zipball(git_host):
    sha = git_host.add_repository("ecomdrop/theme", files=demo_theme_files(), tokens=(TOKEN,))
    client = GitHubClient(api_url=git_host.github_api_url(), token=TOKEN)

    repository = client.repository(repo="ecomdrop/theme")
    resolved = client.commit_sha(repo="ecomdrop/theme", ref="main")
    destination = io.BytesIO()
    download = client.download_archive(repo="ecomdrop/theme", sha=resolved, destination=destination, max_bytes=MAX)

    assert repository.full_name == "ecomdrop/theme"
    assert repository.private is True
    assert resolved == sha
    assert download.size == len(destination.getvalue())
    assert f"ecomdrop-theme-{sha[:7]}/layout/theme.liquid" in names_in(destination.getvalue())
    # The API call carried the token; the redirect to codeload was followed.
    assert git_host.requests_of("github:repo")[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert git_host.count("github:zipball") == 1
    assert git_host.count("github:codeload") == 1


def test_github_invalid_token_is_an_auth_error(git_host):
    git_host.add_repository("ecomdrop/theme", files=demo_theme_files(), tokens=(TOKEN,))
    client = GitHubClient(api_url=git_host.github_api_url(), token="ghp_revoked")

    with pytest.raises(ThemeSourceAuthError) as caught:
        client.repository(repo="ecomdrop/theme")

    assert caught.value.status == 401
    assert caught.value.retryable is False


def test_github_forbidden_token_is_an_auth_error(git_host):
    git_host.add_repository("ecomdrop/theme", files=demo_theme_files(), tokens=(TOKEN,))
    git_host.forbidden_tokens.add(TOKEN)

    with pytest.raises(ThemeSourceAuthError) as caught:
        GitHubClient(api_url=git_host.github_api_url(), token=TOKEN).repository(repo="ecomdrop/theme")

    assert caught.value.status == 403


def test_github_private_repository_without_token_is_not_found(git_host):
    git_host.add_repository("ecomdrop/theme", files=demo_theme_files(), tokens=(TOKEN,))

    with pytest.raises(ThemeSourceNotFound):
        GitHubClient(api_url=git_host.github_api_url(), token=None).repository(repo="ecomdrop/theme")


def test_github_public_repository_needs_no_token(git_host):
    git_host.add_repository("ecomdrop/public-theme", files=demo_theme_files(), private=False)
    client = GitHubClient(api_url=git_host.github_api_url(), token=None)

    assert client.commit_sha(repo="ecomdrop/public-theme", ref="main")
    assert "authorization" not in git_host.requests_of("github:commit")[0].headers


def test_github_unknown_ref_is_not_found(git_host):
    git_host.add_repository("ecomdrop/theme", files=demo_theme_files(), tokens=(TOKEN,))

    with pytest.raises(ThemeSourceNotFound):
        GitHubClient(api_url=git_host.github_api_url(), token=TOKEN).commit_sha(repo="ecomdrop/theme", ref="nope")


def test_github_rate_limit_and_server_errors_are_retryable(git_host):
    git_host.add_repository("ecomdrop/theme", files=demo_theme_files(), tokens=(TOKEN,))
    client = GitHubClient(api_url=git_host.github_api_url(), token=TOKEN)
    git_host.fail_next("github:repo", status=503)
    git_host.fail_next("github:commit", status=429, body={"message": "API rate limit exceeded"})

    with pytest.raises(ThemeSourceUnavailable) as server_error:
        client.repository(repo="ecomdrop/theme")
    with pytest.raises(ThemeSourceUnavailable) as rate_limited:
        client.commit_sha(repo="ecomdrop/theme", ref="main")

    assert server_error.value.retryable
    assert rate_limited.value.retryable
    assert rate_limited.value.wait_seconds is not None


def test_an_unreachable_host_is_retryable(settings):
    settings.HTTP_TIMEOUT_SECONDS = 1
    with pytest.raises(ThemeSourceUnavailable):
        GitHubClient(api_url="http://127.0.0.1:9", token=TOKEN).repository(repo="ecomdrop/theme")


def test_a_malformed_repository_name_is_refused_without_a_request(git_host):
    with pytest.raises(ThemeSourceNotFound):
        GitHubClient(api_url=git_host.github_api_url(), token=TOKEN).repository(repo="../../etc")
    assert git_host.requests == []


def test_gitlab_checks_the_private_token_and_streams_the_archive(git_host):
    sha = git_host.add_repository("ecomdrop/themes/premium", files=demo_theme_files(), tokens=(TOKEN,))
    client = GitLabClient(api_url=git_host.gitlab_api_url(), token=TOKEN)

    repository = client.repository(repo="ecomdrop/themes/premium")
    resolved = client.commit_sha(repo="ecomdrop/themes/premium", ref="main")
    destination = io.BytesIO()
    client.download_archive(repo="ecomdrop/themes/premium", sha=resolved, destination=destination, max_bytes=MAX)

    assert repository.full_name == "ecomdrop/themes/premium"
    assert resolved == sha
    assert f"premium-{sha}-{sha}/layout/theme.liquid" in names_in(destination.getvalue())
    assert git_host.requests_of("gitlab:project")[0].headers["private-token"] == TOKEN
    assert git_host.requests_of("gitlab:project")[0].path == "/api/v4/projects/ecomdrop%2Fthemes%2Fpremium"


def test_gitlab_invalid_token_is_an_auth_error(git_host):
    git_host.add_repository("ecomdrop/theme", files=demo_theme_files(), tokens=(TOKEN,))

    with pytest.raises(ThemeSourceAuthError):
        GitLabClient(api_url=git_host.gitlab_api_url(), token="glpat-wrong").repository(repo="ecomdrop/theme")


def test_archive_url_is_downloaded_then_revalidated_with_its_etag(git_host):
    content = build_zip(demo_theme_files())
    url = git_host.add_file("theme.zip", content)
    client = ArchiveUrlClient()

    first_copy = io.BytesIO()
    first = client.download(url=url, destination=first_copy, max_bytes=MAX)
    second_copy = io.BytesIO()
    second = client.download(url=url, destination=second_copy, max_bytes=MAX, etag=first.etag)

    assert first_copy.getvalue() == content
    assert first.etag.startswith('"')
    assert second.not_modified is True
    assert second_copy.getvalue() == b""
    assert git_host.requests_of("file")[1].headers["if-none-match"] == first.etag


def test_an_announced_size_over_the_cap_stops_before_reading(git_host):
    url = git_host.add_file("big.zip", b"0" * 4096)

    with pytest.raises(ThemeArchiveTooLarge) as caught:
        ArchiveUrlClient().download(url=url, destination=io.BytesIO(), max_bytes=1024)

    assert caught.value.limit == 1024


@responses.activate
def test_a_body_over_the_cap_without_content_length_stops_while_streaming(settings):
    settings.HTTP_TIMEOUT_SECONDS = 5
    responses.add(responses.GET, "https://files.example.com/theme.zip", body=b"x" * 200_000)
    destination = io.BytesIO()

    with pytest.raises(ThemeArchiveTooLarge):
        ArchiveUrlClient().download(
            url="https://files.example.com/theme.zip", destination=destination, max_bytes=100_000
        )

    assert len(destination.getvalue()) <= 100_000


def test_only_http_urls_are_fetched():
    with pytest.raises(ThemeSourceNotFound):
        ArchiveUrlClient().download(url="file:///etc/passwd", destination=io.BytesIO(), max_bytes=MAX)


def test_describe_url_keeps_only_scheme_and_host():
    assert describe_url("https://user:pw@bucket.example.com:8443/theme.zip?X-Amz-Signature=abc") == (
        "https://bucket.example.com:8443"
    )


def test_tokens_never_reach_the_logs(git_host, caplog):
    git_host.add_repository("ecomdrop/theme", files=demo_theme_files(), tokens=(TOKEN,))
    caplog.set_level(logging.DEBUG)

    wrong = GitHubClient(api_url=git_host.github_api_url(), token="ghp_wrong_secret_value")
    with pytest.raises(ThemeSourceAuthError):
        wrong.repository(repo="ecomdrop/theme")
    GitHubClient(api_url=git_host.github_api_url(), token=TOKEN).repository(repo="ecomdrop/theme")

    assert "ghp_wrong_secret_value" not in caplog.text
    assert TOKEN not in caplog.text


@responses.activate
def test_a_redirect_to_another_host_does_not_carry_the_gitlab_token(settings):
    settings.HTTP_TIMEOUT_SECONDS = 5
    archive = "https://gitlab.example.com/api/v4/projects/ecomdrop%2Ftheme/repository/archive.zip?sha=abcdef1"
    responses.add(responses.GET, archive, status=302, headers={"Location": "https://cdn.example.net/archive.zip"})
    responses.add(responses.GET, "https://cdn.example.net/archive.zip", body=build_zip(demo_theme_files()))

    GitLabClient(api_url="https://gitlab.example.com/api/v4", token=TOKEN).download_archive(
        repo="ecomdrop/theme", sha="abcdef1", destination=io.BytesIO(), max_bytes=MAX
    )

    assert responses.calls[0].request.headers["PRIVATE-TOKEN"] == TOKEN
    assert "PRIVATE-TOKEN" not in responses.calls[1].request.headers
    assert "Authorization" not in responses.calls[1].request.headers
