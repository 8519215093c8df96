"""Expiring offline tokens: refresh before expiry and on 401, once across processes."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from connector import sessions
from connector.models import ShopifySession
from connector.shopify.errors import ShopifyReauthorizationRequired, ShopifyUnavailable

SHOP = "tienda.myshopify.com"


def stored_session(simulator, *, expires_in_minutes=60, **overrides):
    access = simulator.issue_token(SHOP, expires_in=expires_in_minutes * 60)
    refresh = simulator.issue_refresh_token(SHOP)
    defaults = {
        "id": f"offline_{SHOP}",
        "shop": SHOP,
        "access_token": access,
        "refresh_token": refresh,
        "expires": timezone.now() + datetime.timedelta(minutes=expires_in_minutes),
        "refresh_token_expires": timezone.now() + datetime.timedelta(days=90),
        "scope": "read_orders",
    }
    defaults.update(overrides)
    return ShopifySession.objects.create(**defaults)


@pytest.mark.django_db
def test_a_token_far_from_expiry_is_used_as_it_is(shopify_simulator):
    session = stored_session(shopify_simulator)

    assert sessions.shopify_access_token_get(shop=SHOP) == session.access_token.reveal()
    assert shopify_simulator.count("refresh") == 0


@pytest.mark.django_db
def test_a_token_about_to_expire_is_refreshed_and_the_rotated_pair_stored(shopify_simulator):
    session = stored_session(shopify_simulator, expires_in_minutes=2)
    old_access, old_refresh = session.access_token.reveal(), session.refresh_token.reveal()

    token = sessions.shopify_access_token_get(shop=SHOP)

    session.refresh_from_db()
    assert shopify_simulator.count("refresh") == 1
    assert token == session.access_token.reveal() != old_access
    assert session.refresh_token.reveal() != old_refresh
    assert session.expires > timezone.now() + datetime.timedelta(minutes=50)
    assert session.refresh_lock_until is None
    sent = shopify_simulator.requests_of("refresh")[0].form()
    assert sent["refresh_token"] == old_refresh
    assert sent["grant_type"] == "refresh_token"


@pytest.mark.django_db
def test_a_401_from_the_admin_api_refreshes_and_retries_once(shopify_simulator):
    session = stored_session(shopify_simulator)
    shopify_simulator.expire_access_token(session.access_token.reveal())

    result = sessions.shopify_admin_client(shop=SHOP).execute("shop_info")

    assert result.data["shop"]["myshopifyDomain"] == SHOP
    assert shopify_simulator.count("refresh") == 1
    assert shopify_simulator.count("graphql:ShopInfo") == 2


@pytest.mark.django_db
def test_a_revoked_refresh_token_marks_the_shop_for_reauthorization_without_looping(shopify_simulator):
    session = stored_session(shopify_simulator, expires_in_minutes=1)
    shopify_simulator.revoke_refresh_token(session.refresh_token.reveal())

    with pytest.raises(ShopifyReauthorizationRequired):
        sessions.shopify_access_token_get(shop=SHOP)
    with pytest.raises(ShopifyReauthorizationRequired):
        sessions.shopify_access_token_get(shop=SHOP)

    session.refresh_from_db()
    assert session.reauthorization_required_at is not None
    assert session.refresh_lock_until is None
    assert shopify_simulator.count("refresh") == 1


@pytest.mark.django_db
def test_opening_the_app_after_a_revoked_refresh_token_recovers(client, shopify_simulator, session_token):
    session = stored_session(shopify_simulator, expires_in_minutes=1)
    shopify_simulator.revoke_refresh_token(session.refresh_token.reveal())

    response = client.get("/app/", {"shop": SHOP, "id_token": session_token(SHOP)})

    session.refresh_from_db()
    assert response.status_code == 200
    assert session.reauthorization_required_at is None
    assert shopify_simulator.count("token_exchange") == 1
    assert sessions.shopify_access_token_get(shop=SHOP) == session.access_token.reveal()


@pytest.mark.django_db
def test_shopify_down_during_refresh_releases_the_lease_and_is_retryable(shopify_simulator):
    stored_session(shopify_simulator, expires_in_minutes=1)
    shopify_simulator.fail_next("refresh", status=503)

    with pytest.raises(ShopifyUnavailable) as error:
        sessions.shopify_access_token_get(shop=SHOP)

    assert error.value.retryable
    session = ShopifySession.objects.get(id=f"offline_{SHOP}")
    assert session.refresh_lock_until is None
    assert session.reauthorization_required_at is None
    assert sessions.shopify_access_token_get(shop=SHOP)  # next attempt succeeds
    assert shopify_simulator.count("refresh") == 2


@pytest.mark.django_db
def test_a_shop_without_token_needs_reauthorization():
    with pytest.raises(ShopifyReauthorizationRequired) as error:
        sessions.shopify_access_token_get(shop=SHOP)
    assert not error.value.retryable


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_spend_the_refresh_token_exactly_once(shopify_simulator):
    stored_session(shopify_simulator, expires_in_minutes=1)
    shopify_simulator.refresh_delay = 0.4  # both workers arrive while the first call is in flight
    workers = 4
    barrier = threading.Barrier(workers)
    tokens, errors = [], []

    def worker():
        try:
            barrier.wait()
            tokens.append(sessions.shopify_access_token_get(shop=SHOP))
        except Exception as error:  # noqa: BLE001 (collected and asserted below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert shopify_simulator.count("refresh") == 1
    assert len(set(tokens)) == 1
    assert tokens[0] == ShopifySession.objects.get(id=f"offline_{SHOP}").access_token.reveal()


@pytest.mark.django_db
def test_the_refresh_lease_outlasts_the_http_timeout(shopify_simulator, settings, monkeypatch):
    stored_session(shopify_simulator, expires_in_minutes=1)
    settings.HTTP_TIMEOUT_SECONDS = 45
    leases = []
    original = sessions.ShopifyOAuthClient.refresh

    def refresh_noting_the_lease(self, **kwargs):
        leases.append(ShopifySession.objects.get(id=f"offline_{SHOP}").refresh_lock_until - timezone.now())
        return original(self, **kwargs)

    monkeypatch.setattr(sessions.ShopifyOAuthClient, "refresh", refresh_noting_the_lease)

    sessions.shopify_access_token_get(shop=SHOP)

    # Connecting and reading may each take the whole timeout.
    assert leases[0] >= datetime.timedelta(seconds=2 * 45)


@pytest.mark.django_db
def test_a_refresh_that_outlived_its_lease_does_not_overwrite_the_next_owners_tokens(shopify_simulator, monkeypatch):
    from connector.secrets import Secret

    stored_session(shopify_simulator, expires_in_minutes=1)
    original = sessions.ShopifyOAuthClient.refresh

    def slow_refresh(self, **kwargs):
        # Meanwhile the lease expired, and another process claimed it and stored its tokens.
        ShopifySession.objects.filter(id=f"offline_{SHOP}").update(
            refresh_lock_owner="other-process",
            refresh_lock_until=timezone.now() + datetime.timedelta(seconds=60),
            access_token=Secret("shpat_of_the_other_process"),
            refresh_token=Secret("shprt_of_the_other_process"),
        )
        return original(self, **kwargs)

    monkeypatch.setattr(sessions.ShopifyOAuthClient, "refresh", slow_refresh)

    token = sessions.shopify_access_token_get(shop=SHOP)

    session = ShopifySession.objects.get(id=f"offline_{SHOP}")
    assert token.startswith("shpat_")
    assert session.access_token.reveal() == "shpat_of_the_other_process"
    assert session.refresh_token.reveal() == "shprt_of_the_other_process"
    assert session.refresh_lock_owner == "other-process"
