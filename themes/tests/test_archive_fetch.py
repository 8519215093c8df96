"""Downloading the theme from its configured source and caching it by version."""

import zipfile

import pytest
from django.core.files.storage import default_storage

from connector.theme_source.errors import ThemeArchiveTooLarge, ThemeSourceAuthError, ThemeSourceNotFound
from simulators.git_host import build_zip, demo_theme_files
from themes.archives import ThemeArchiveInvalid
from themes.models import ThemeArchive
from themes.sources import theme_archive_fetch, theme_source_get
from themes.tests.conftest import GIT_TOKEN, REPO

pytestmark = pytest.mark.django_db


def stored_names(archive):
    with default_storage.open(archive.file) as handle, zipfile.ZipFile(handle) as package:
        return package.namelist()


def test_nothing_configured_means_no_source(settings):
    settings.THEME_ARCHIVE_URL = ""
    settings.THEME_GIT_REPO = ""

    assert theme_source_get() is None


def test_the_source_label_and_repr_never_show_the_token_or_the_url(settings, github_theme):
    source = theme_source_get()

    assert source.label == f"GitHub {REPO} @ main"
    assert GIT_TOKEN not in repr(source)
    assert GIT_TOKEN not in source.key
    settings.THEME_GIT_REPO = ""
    settings.THEME_ARCHIVE_URL = "https://bucket.example.com/theme.zip?X-Amz-Signature=secret"
    url_source = theme_source_get()
    assert url_source.label == "https://bucket.example.com"
    assert "secret" not in repr(url_source)
    assert "secret" not in url_source.key


def test_github_archive_is_downloaded_repackaged_and_stored_by_commit(github_theme, theme_storage):
    archive = theme_archive_fetch(source=theme_source_get())

    assert archive.version == github_theme.repositories[REPO].refs["main"]
    assert archive.file == f"themes/{archive.sha256}.zip"
    assert (theme_storage / archive.file).is_file()
    names = stored_names(archive)
    assert "layout/theme.liquid" in names
    assert "README.md" not in names
    assert archive.files_count == len(names)
    assert archive.source_label == f"GitHub {REPO} @ main"


def test_the_same_commit_is_not_downloaded_twice(github_theme):
    first = theme_archive_fetch(source=theme_source_get())
    second = theme_archive_fetch(source=theme_source_get())

    assert first.pk == second.pk
    assert github_theme.count("github:zipball") == 1
    assert github_theme.count("github:commit") == 2


def test_a_new_commit_is_a_new_version(github_theme):
    first = theme_archive_fetch(source=theme_source_get())
    github_theme.push(REPO, files={**demo_theme_files(), "assets/new.css": "a{}"})

    second = theme_archive_fetch(source=theme_source_get())

    assert second.version != first.version
    assert "assets/new.css" in stored_names(second)
    assert ThemeArchive.objects.count() == 2


def test_a_cached_version_whose_file_vanished_is_downloaded_again(github_theme):
    first = theme_archive_fetch(source=theme_source_get())
    default_storage.delete(first.file)

    second = theme_archive_fetch(source=theme_source_get())

    assert default_storage.exists(second.file)
    assert github_theme.count("github:zipball") == 2


def test_gitlab_source(settings, git_host, theme_storage):
    git_host.add_repository("ecomdrop/themes/premium", files=demo_theme_files(), tokens=(GIT_TOKEN,))
    settings.THEME_GIT_PROVIDER = "gitlab"
    settings.THEME_GIT_REPO = "ecomdrop/themes/premium"
    settings.THEME_GIT_TOKEN = GIT_TOKEN
    settings.THEME_GIT_API_URL = git_host.gitlab_api_url()

    archive = theme_archive_fetch(source=theme_source_get())

    assert "templates/index.json" in stored_names(archive)
    assert git_host.requests_of("gitlab:archive")[0].headers["private-token"] == GIT_TOKEN


def test_an_invalid_git_token_fails_before_any_download(settings, github_theme):
    settings.THEME_GIT_TOKEN = "ghp_revoked_token"

    with pytest.raises(ThemeSourceAuthError):
        theme_archive_fetch(source=theme_source_get())

    assert github_theme.count("github:zipball") == 0
    assert not ThemeArchive.objects.exists()


def test_an_unknown_ref_is_not_found(settings, github_theme):
    settings.THEME_GIT_REF = "release-9"

    with pytest.raises(ThemeSourceNotFound):
        theme_archive_fetch(source=theme_source_get())


def test_a_repository_that_is_not_a_theme_is_refused_and_nothing_is_stored(github_theme, theme_storage):
    github_theme.push(REPO, files={"README.md": "# not a theme", "index.html": "<html>"})

    with pytest.raises(ThemeArchiveInvalid):
        theme_archive_fetch(source=theme_source_get())

    assert not ThemeArchive.objects.exists()
    assert not (theme_storage / "themes").exists() or not any((theme_storage / "themes").iterdir())


def test_an_archive_over_the_size_cap_is_refused(settings, github_theme):
    settings.THEME_MAX_ARCHIVE_BYTES = 1024

    with pytest.raises(ThemeArchiveTooLarge):
        theme_archive_fetch(source=theme_source_get())

    assert not ThemeArchive.objects.exists()


def test_archive_url_is_cached_by_etag_and_revalidated(settings, git_host, theme_storage):
    url = git_host.add_file("ecomdrop-theme.zip", build_zip(demo_theme_files(), prefix="theme/"))
    settings.THEME_GIT_REPO = ""
    settings.THEME_ARCHIVE_URL = url

    first = theme_archive_fetch(source=theme_source_get())
    second = theme_archive_fetch(source=theme_source_get())

    assert first.pk == second.pk
    assert first.version == git_host.files["ecomdrop-theme.zip"].etag
    assert git_host.requests_of("file")[1].headers["if-none-match"] == first.etag
    assert "layout/theme.liquid" in stored_names(first)

    git_host.add_file("ecomdrop-theme.zip", build_zip({**demo_theme_files(), "assets/v2.css": "b{}"}))
    third = theme_archive_fetch(source=theme_source_get())
    assert third.pk != first.pk
    assert "assets/v2.css" in stored_names(third)


def test_archive_url_that_is_not_a_zip_is_refused(settings, git_host, theme_storage):
    settings.THEME_GIT_REPO = ""
    settings.THEME_ARCHIVE_URL = git_host.add_file("page.html", b"<html>login</html>", content_type="text/html")

    with pytest.raises(ThemeArchiveInvalid, match="not a zip"):
        theme_archive_fetch(source=theme_source_get())
