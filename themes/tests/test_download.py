"""The signed download URL Shopify fetches the theme from: lifetime, binding, tampering, CORS."""

import time
from unittest import mock

import pytest
from django.core import signing
from django.core.files.storage import default_storage

from themes import downloads, sources
from themes.models import ThemeInstall
from themes.tests.conftest import SHOP
from themes.tests.factories import ThemeInstallFactory

pytestmark = pytest.mark.django_db

State = ThemeInstall.State


@pytest.fixture
def archive(github_theme):
    return sources.theme_archive_fetch(source=sources.theme_source_get())


@pytest.fixture
def install(archive):
    return ThemeInstallFactory(shop=SHOP, state=State.PROCESSING, running_shop=SHOP, archive=archive)


def path_for(token):
    return f"/themes/download/{token}"


def test_the_url_is_absolute_on_the_app_and_serves_the_installs_archive(client, install, archive, settings):
    url = downloads.theme_download_url(install=install)

    assert url.startswith(f"{settings.SHOPIFY_APP_URL}/themes/download/")
    response = client.get(url.removeprefix(settings.SHOPIFY_APP_URL))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Length"] == str(archive.size)
    assert response["Content-Disposition"].startswith('attachment; filename="ecomdrop-theme-')
    with default_storage.open(archive.file) as handle:
        assert b"".join(response.streaming_content) == handle.read()


def test_no_cors_and_no_caching(client, install):
    response = client.get(path_for(downloads.theme_download_token(install=install)), HTTP_ORIGIN="https://evil.example")

    assert "Access-Control-Allow-Origin" not in response
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    preflight = client.options(
        path_for(downloads.theme_download_token(install=install)),
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 405
    assert "Access-Control-Allow-Origin" not in preflight


def test_head_answers_the_size_without_the_body(client, install, archive):
    response = client.head(path_for(downloads.theme_download_token(install=install)))

    assert response.status_code == 200
    assert response["Content-Length"] == str(archive.size)
    assert response.content == b""


def test_get_and_head_name_the_file_alike_even_for_an_etag_version(client, install, archive):
    archive.version = 'W/"5f3a/b;c\\d"'
    archive.save()
    path = path_for(downloads.theme_download_token(install=install))

    got = client.get(path)
    head = client.head(path)

    assert got["Content-Disposition"] == 'attachment; filename="ecomdrop-theme-5f3abcd.zip"'
    assert head["Content-Disposition"] == got["Content-Disposition"]


def test_the_token_works_within_its_lifetime_and_is_gone_after(client, install, settings):
    settings.THEME_DOWNLOAD_URL_LIFETIME_SECONDS = 600
    token = downloads.theme_download_token(install=install)
    now = time.time()

    with mock.patch("django.core.signing.time.time", return_value=now + 590):
        assert client.get(path_for(token)).status_code == 200
    with mock.patch("django.core.signing.time.time", return_value=now + 610):
        expired = client.get(path_for(token))

    assert expired.status_code == 410
    assert "expired" in expired.content.decode() or "caducado" in expired.content.decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature
        lambda token: "x" + token[1:],  # payload
        lambda token: token.split(":")[0],  # no signature
        lambda token: "not-a-token",
        lambda token: "",
    ],
)
def test_a_tampered_token_is_not_found(client, install, tamper):
    token = tamper(downloads.theme_download_token(install=install))

    response = client.get(path_for(token)) if token else client.get("/themes/download/")

    assert response.status_code == 404


def test_a_token_signed_for_another_purpose_is_not_found(client, install, archive):
    payload = {"install": install.pk, "archive": archive.sha256[:16]}
    for token in (signing.dumps(payload), signing.dumps(payload, salt="connector.other")):
        assert client.get(path_for(token)).status_code == 404


def test_the_token_is_bound_to_its_install(client, install, archive):
    other = ThemeInstallFactory(shop="otra.myshopify.com", state=State.PROCESSING, archive=None)
    token = downloads.theme_download_token(install=install)

    # Another install (without this archive) cannot be reached by rewriting the id: the signature breaks.
    forged = signing.dumps({"install": other.pk, "archive": archive.sha256[:16]}, salt="themes.download.other")
    assert client.get(path_for(forged)).status_code == 404
    # The install's archive changing invalidates the token it was given.
    install.archive.sha256 = "f" * 64
    install.archive.save()
    assert client.get(path_for(token)).status_code == 404


def test_after_the_install_finished_the_token_is_gone(client, install):
    token = downloads.theme_download_token(install=install)
    ThemeInstall.objects.filter(pk=install.pk).update(state=State.READY, running_shop=None)

    assert client.get(path_for(token)).status_code == 410


def test_a_token_for_a_deleted_install_or_missing_file_is_not_found(client, install, archive):
    token = downloads.theme_download_token(install=install)
    default_storage.delete(archive.file)
    assert client.get(path_for(token)).status_code == 404
    install.delete()
    assert client.get(path_for(token)).status_code == 404


def test_a_usable_token_never_appears_in_the_apps_logs(client, install, caplog):
    token = downloads.theme_download_token(install=install)
    caplog.set_level("DEBUG")

    assert client.get(path_for(token)).status_code == 200
    assert client.head(path_for(token)).status_code == 200

    assert "Served the theme archive" in caplog.text
    assert token not in caplog.text
