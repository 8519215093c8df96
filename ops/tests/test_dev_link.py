"""`manage.py dev_link`: a local URL of the embedded app with a signed session token."""

from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from connector.shopify.session_tokens import decode_session_token


def test_dev_link_prints_a_url_with_a_valid_token(settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("dev_link", shop="demo.myshopify.com", locale="en", stdout=out)

    url = urlsplit(out.getvalue().strip())
    query = parse_qs(url.query)
    assert url.path == "/app/"
    assert query["shop"] == ["demo.myshopify.com"]
    assert query["locale"] == ["en"]
    token = decode_session_token(
        query["id_token"][0], api_key=settings.SHOPIFY_API_KEY, secret=settings.SHOPIFY_API_SECRET
    )
    assert token.shop == "demo.myshopify.com"


def test_dev_link_refuses_without_debug_and_for_invalid_shops(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("dev_link")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="valid shop domain"):
        call_command("dev_link", shop="evil.com")


def test_dev_link_merges_the_query_of_the_path_with_its_own(settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("dev_link", path="/app/configuration?tab=ecomdrop&shop=other.myshopify.com", stdout=out)

    link = out.getvalue().strip()
    assert link.count("?") == 1
    url = urlsplit(link)
    query = parse_qs(url.query)
    assert url.path == "/app/configuration"
    assert query["tab"] == ["ecomdrop"]
    assert query["shop"] == ["demo.myshopify.com"]  # the shop the token is signed for
    assert query["embedded"] == ["1"]
    assert "id_token" in query
