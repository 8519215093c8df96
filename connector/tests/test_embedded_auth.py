"""Embedded requests: session tokens, token exchange, bounce, frame policy, tenant isolation."""

import datetime

import pytest
from django.db import connection

from connector.models import ShopifySession
from connector.tests.factories import ShopifySessionFactory
from shops.models import ShopConfiguration
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
OTHER = "otra.myshopify.com"
PAST = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(minutes=5)


def page(client, path, token, **params):
    return client.get(path, {"shop": SHOP, "host": "aG9zdA", "embedded": "1", "id_token": token, **params})


def fetch(client, path, token, **headers):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}", **headers)


def test_first_load_exchanges_the_token_stores_it_encrypted_and_installs_the_shop(
    client, shopify_simulator, session_token
):
    response = page(client, "/app/", session_token(SHOP))

    assert response.status_code == 200
    assert shopify_simulator.count("token_exchange") == 1
    exchange = shopify_simulator.requests_of("token_exchange")[0].form()
    assert exchange["expiring"] == "1"
    assert exchange["requested_token_type"].endswith("offline-access-token")
    session = ShopifySession.objects.get(id=f"offline_{SHOP}")
    assert session.access_token.reveal().startswith("shpat_")
    assert session.refresh_token.reveal().startswith("shprt_")
    assert session.expires > datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=50)
    assert session.refresh_token_expires is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM connector_shopify_session")
        raw_access, raw_refresh = cursor.fetchone()
    assert "shpat_" not in raw_access
    assert "shprt_" not in raw_refresh
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    assert configuration.installed_at is not None
    assert configuration.uninstalled_at is None


def test_later_loads_reuse_the_stored_token(client, shopify_simulator, session_token):
    page(client, "/app/", session_token(SHOP))
    page(client, "/app/orders", session_token(SHOP))
    fetch(client, "/app/api/session", session_token(SHOP))

    assert shopify_simulator.count("token_exchange") == 1


def test_every_page_renders_in_the_shell_with_navigation(client, shopify_simulator, session_token):
    for path, heading in (
        ("/app/", "Productos"),
        ("/app/orders", "Pedidos"),
        ("/app/configuration", "Configuración"),
        ("/app/theme", "Tema"),
    ):
        response = page(client, path, session_token(SHOP))
        html = response.content.decode()
        assert response.status_code == 200, path
        assert f'<h1 class="page__title">{heading}</h1>' in html
        assert '<meta name="shopify-api-key" content="test-api-key">' in html
        assert "https://cdn.shopify.com/shopifycloud/app-bridge.js" in html
        assert "<ui-nav-menu>" in html
        for label in ("Productos", "Pedidos", "Configuración", "Tema"):
            assert label in html


def test_english_when_shopify_says_so(client, shopify_simulator, session_token):
    html = page(client, "/app/orders", session_token(SHOP), locale="en-US").content.decode()

    assert '<html lang="en">' in html
    assert '<h1 class="page__title">Orders</h1>' in html
    assert "Settings" in html or "Configuration" in html


def test_pages_answer_a_fetch_with_a_bearer_token(client, shopify_simulator, session_token):
    for path in ("/app/", "/app/orders", "/app/configuration", "/app/theme"):
        assert fetch(client, path, session_token(SHOP)).status_code == 200
    body = fetch(client, "/app/api/session", session_token(SHOP)).json()
    assert body == {"shop": SHOP, "language": "es", "installed": True}


def test_embedded_pages_can_be_framed_only_by_their_shop_and_the_admin(client, shopify_simulator, session_token):
    response = page(client, "/app/", session_token(SHOP))

    assert response["Content-Security-Policy"] == f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    assert "X-Frame-Options" not in response
    assert "*" not in response["Content-Security-Policy"]


def test_non_embedded_pages_cannot_be_framed(client):
    for path in ("/admin/login/", "/auth/login", "/"):
        response = client.get(path)
        assert response["Content-Security-Policy"] == "frame-ancestors 'none';", path


def test_no_cookie_and_no_django_session_on_the_embedded_path(client, shopify_simulator, session_token):
    response = page(client, "/app/", session_token(SHOP))

    assert not response.cookies
    assert "sessionid" not in client.cookies


def test_an_expired_token_on_a_document_load_gets_the_bounce_page(client, shopify_simulator, session_token):
    response = page(client, "/app/orders", session_token(SHOP, now=PAST))

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-bounce" in html
    assert "shopify.idToken()" in html
    assert response["Content-Security-Policy"] == f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    assert shopify_simulator.count("token_exchange") == 0
    assert not ShopifySession.objects.exists()


def test_a_second_failure_after_bouncing_explains_instead_of_looping(client, shopify_simulator, session_token):
    response = page(client, "/app/orders", session_token(SHOP, now=PAST), bounced="1")

    assert response.status_code == 401
    assert "shopify.idToken()" not in response.content.decode()


def test_a_document_load_without_token_bounces(client):
    response = client.get("/app/", {"shop": SHOP})

    assert response.status_code == 200
    assert "data-bounce" in response.content.decode()


def test_an_expired_or_missing_token_on_a_fetch_is_401_with_the_retry_header(client, shopify_simulator, session_token):
    expired = fetch(client, "/app/api/session", session_token(SHOP, now=PAST))
    missing = client.get("/app/api/session", HTTP_AUTHORIZATION="Bearer ")
    forged = fetch(client, "/app/api/session", session_token(SHOP) + "x")

    for response in (expired, missing, forged):
        assert response.status_code == 401
        assert response["X-Shopify-Retry-Invalid-Session-Request"] == "1"
    assert not ShopifySession.objects.exists()


def test_token_exchange_refused_shows_a_clear_error_and_changes_nothing(client, shopify_simulator, session_token):
    shopify_simulator.fail_next("token_exchange", status=400, body={"error": "invalid_subject_token"})

    response = page(client, "/app/", session_token(SHOP))

    assert response.status_code == 401
    assert "Shopify" in response.content.decode()
    assert not ShopifySession.objects.exists()
    assert not ShopConfiguration.objects.exists()


def test_shopify_down_during_exchange_is_503_and_changes_nothing(client, shopify_simulator, session_token):
    shopify_simulator.fail_next("token_exchange", status=502)

    document = page(client, "/app/", session_token(SHOP))
    shopify_simulator.fail_next("token_exchange", status=503)
    api = fetch(client, "/app/api/session", session_token(SHOP))

    assert document.status_code == 503
    assert api.status_code == 503
    assert not ShopifySession.objects.exists()


def test_a_token_for_one_shop_never_reads_another(client, shopify_simulator, session_token):
    ShopConfigurationFactory(shop=OTHER)
    ShopifySessionFactory(shop=OTHER, id=f"offline_{OTHER}")

    as_shop = fetch(client, "/app/api/session", session_token(SHOP))
    claiming_other = client.get("/app/api/session", {"shop": OTHER}, HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}")
    document_claiming_other = client.get("/app/", {"shop": OTHER, "id_token": session_token(SHOP)})

    assert as_shop.json()["shop"] == SHOP
    assert claiming_other.status_code == 403
    assert document_claiming_other.status_code == 403
    assert OTHER not in claiming_other.content.decode().replace(f"https://{OTHER}", "")


def test_the_page_never_contains_the_access_token(client, shopify_simulator, session_token):
    html = page(client, "/app/configuration", session_token(SHOP)).content.decode()

    session = ShopifySession.objects.get(id=f"offline_{SHOP}")
    assert session.access_token.reveal() not in html
    assert session.refresh_token.reveal() not in html
    assert "test-api-secret" not in html


def test_an_uninstalled_shop_that_opens_the_app_again_works_again(client, shopify_simulator, session_token):
    page(client, "/app/", session_token(SHOP))
    ShopifySession.objects.filter(shop=SHOP).delete()
    ShopConfiguration.objects.filter(shop=SHOP).update(uninstalled_at=datetime.datetime.now(tz=datetime.UTC))

    response = page(client, "/app/", session_token(SHOP))

    assert response.status_code == 200
    assert ShopConfiguration.objects.get(shop=SHOP).is_installed
    assert shopify_simulator.count("token_exchange") == 2


def test_a_shop_seen_usable_is_trusted_for_a_while_without_a_query(
    client, settings, shopify_simulator, session_token, django_assert_num_queries
):
    settings.EMBEDDED_SESSION_CACHE_SECONDS = 30
    token = session_token(SHOP)
    fetch(client, "/app/api/session", token)  # exchange, then remembered

    with django_assert_num_queries(1):  # only the view's own query
        assert fetch(client, "/app/api/session", token).status_code == 200


def test_a_cached_token_is_refused_once_it_expires(monkeypatch, settings):
    import datetime as datetime_module

    from connector.shopify import session_tokens

    token = session_tokens.encode_session_token(
        shop=SHOP, api_key=settings.SHOPIFY_API_KEY, secret=settings.SHOPIFY_API_SECRET
    )
    decoded = session_tokens.decode_session_token(
        token, api_key=settings.SHOPIFY_API_KEY, secret=settings.SHOPIFY_API_SECRET
    )
    later = decoded.expires_at + datetime_module.timedelta(seconds=11)

    class Later(datetime_module.datetime):
        @classmethod
        def now(cls, tz=None):
            return later

    monkeypatch.setattr(session_tokens.datetime, "datetime", Later)
    with pytest.raises(session_tokens.InvalidSessionToken) as error:
        session_tokens.decode_session_token(token, api_key=settings.SHOPIFY_API_KEY, secret=settings.SHOPIFY_API_SECRET)
    assert error.value.expired
