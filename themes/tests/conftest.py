"""Fixtures of the theme tests: the Git archive host simulator and a private file storage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulators.git_host import GitHostSimulator, demo_theme_files

GIT_TOKEN = "ghp_theme_repo_token_0123456789abcdef"
REPO = "ecomdrop/theme-2-5"


@pytest.fixture
def theme_storage(settings: Any, tmp_path: Any) -> Any:
    """Local file storage in a temporary folder (the default storage backend)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT


@pytest.fixture
def git_host(settings: Any) -> Iterator[GitHostSimulator]:
    settings.HTTP_TIMEOUT_SECONDS = 5
    simulator = GitHostSimulator()
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def github_theme(settings: Any, git_host: GitHostSimulator, theme_storage: Any) -> GitHostSimulator:
    """THEME_GIT_* pointing at a private GitHub-like repository holding the demo theme."""
    git_host.add_repository(REPO, files=demo_theme_files(), tokens=(GIT_TOKEN,))
    settings.THEME_ARCHIVE_URL = ""
    settings.THEME_GIT_PROVIDER = "github"
    settings.THEME_GIT_REPO = REPO
    settings.THEME_GIT_REF = "main"
    settings.THEME_GIT_TOKEN = GIT_TOKEN
    settings.THEME_GIT_API_URL = git_host.github_api_url()
    return git_host


SHOP = "tienda.myshopify.com"
THEME_SCOPES = "read_orders,read_products,read_themes,write_orders,write_products,write_themes"


@pytest.fixture
def shopify_themes(settings: Any, shopify_simulator: Any) -> Any:
    """The Shopify simulator with its theme operations; the app asks for theme scopes; no waits."""
    from simulators.shopify_themes import ShopifyThemes

    shopify_simulator.scope = THEME_SCOPES
    settings.THEME_POLL_INTERVAL_SECONDS = 0
    settings.THEME_RETRY_DELAY_SECONDS = 0
    return ShopifyThemes.install(shopify_simulator)


@pytest.fixture
def offline_session(shopify_themes: Any, shopify_simulator: Any) -> Any:
    """The shop's stored offline token (issued by the simulator, with the theme scopes)."""
    from connector.tests.factories import ShopifySessionFactory

    return ShopifySessionFactory(
        shop=SHOP, access_token=shopify_simulator.issue_token(SHOP), scope=shopify_simulator.scope
    )
