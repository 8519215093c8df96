"""``connector.signals.shop_authorized``: how the platform announces a grant of Shopify without
knowing which apps listen (the shops app installs the shop)."""

import datetime

import pytest
from django.utils import timezone

from connector import sessions
from connector.models import ShopifySession
from connector.shopify.session_tokens import decode_session_token
from connector.signals import shop_authorized

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"


@pytest.fixture
def announcements():
    """What every shop_authorized carried, and whether a token was stored when it was sent."""
    received = []

    def record(*, shop, requested_at, **kwargs):
        received.append(
            {
                "shop": shop,
                "requested_at": requested_at,
                "token_stored": ShopifySession.objects.filter(shop=shop).exists(),
            }
        )

    shop_authorized.connect(record, dispatch_uid="test.record")
    yield received
    shop_authorized.disconnect(dispatch_uid="test.record")


def exchange(settings, session_token):
    token = decode_session_token(
        session_token(SHOP), api_key=settings.SHOPIFY_API_KEY, secret=settings.SHOPIFY_API_SECRET
    )
    return sessions.shopify_session_exchange(session_token=token)


def test_token_exchange_announces_the_grant_before_storing_the_token(
    settings, shopify_simulator, session_token, announcements
):
    before = timezone.now()

    exchange(settings, session_token)

    (announced,) = announcements
    assert announced["shop"] == SHOP
    assert before <= announced["requested_at"] <= timezone.now()
    assert announced["token_stored"] is False
    assert ShopifySession.objects.filter(id=f"offline_{SHOP}").exists()


def test_the_oauth_code_exchange_announces_the_grant_before_storing_the_token(shopify_simulator, announcements):
    sessions.shopify_session_from_code(shop=SHOP, code=shopify_simulator.issue_code(SHOP))

    (announced,) = announcements
    assert announced["shop"] == SHOP
    assert announced["requested_at"] > timezone.now() - datetime.timedelta(minutes=1)
    assert announced["token_stored"] is False


def test_a_failing_receiver_stops_the_exchange_and_no_token_is_stored(settings, shopify_simulator, session_token):
    def refuse(**kwargs):
        raise RuntimeError("the installation could not be recorded")

    shop_authorized.connect(refuse, dispatch_uid="test.refuse")
    try:
        with pytest.raises(RuntimeError, match="could not be recorded"):
            exchange(settings, session_token)
    finally:
        shop_authorized.disconnect(dispatch_uid="test.refuse")

    assert not ShopifySession.objects.exists()
