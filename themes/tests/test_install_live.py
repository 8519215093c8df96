"""The install with Shopify really downloading the archive through the signed URL.

The Shopify simulator fetches ``source`` over HTTP from the app's live server (as Shopify does
from SHOPIFY_APP_URL) and fails processing unless it receives a theme zip.
"""

import pytest

from themes.models import ThemeInstall
from themes.tests.conftest import SHOP

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_app(settings, live_server, github_theme, shopify_themes, offline_session):
    settings.SHOPIFY_APP_URL = live_server.url
    shopify_themes.fetch_sources = True
    shopify_themes.processing_polls = 2
    return shopify_themes


def test_shopify_fetches_the_archive_from_the_signed_url_and_the_theme_becomes_ready(
    client, session_token, live_server, live_app
):
    response = client.post("/app/theme/install", HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}")

    assert response.status_code == 202
    install = ThemeInstall.objects.get()
    assert install.state == ThemeInstall.State.READY, install.error_detail
    (created,) = live_app.created(SHOP)
    assert created.source.startswith(f"{live_server.url}/themes/download/")
    assert created.fetch_status == 200
    # The URL stops working once the install is finished.
    assert client.get(created.source.removeprefix(live_server.url)).status_code == 410


def test_an_expired_link_means_shopify_cannot_fetch_and_processing_fails(client, session_token, settings, live_app):
    settings.THEME_DOWNLOAD_URL_LIFETIME_SECONDS = 0

    client.post("/app/theme/install", HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}")

    install = ThemeInstall.objects.get()
    assert install.state == ThemeInstall.State.FAILED
    assert install.error_code == ThemeInstall.Error.PROCESSING_FAILED
    assert live_app.created(SHOP)[0].fetch_status == 410
