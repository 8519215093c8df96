"""Embedded requests: session tokens, token exchange, bounce, frame policy, tenant isolation."""

import base64
import datetime
import json

import pytest
from django.db import connection

from connector.models import ShopifySession
from connector.shopify.session_tokens import encode_session_token
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


# --------------------------------------------------------------------------- non-expiring tokens


def legacy_session(shopify_simulator):
    """An offline session as the old app (and import_prisma) left it: no expiry, no refresh token."""
    return ShopifySessionFactory(
        shop=SHOP, access_token=shopify_simulator.issue_token(SHOP), expires=None, refresh_token=None
    )


def test_a_stored_non_expiring_token_is_exchanged_for_an_expiring_one_on_the_next_load(
    client, shopify_simulator, session_token
):
    old_token = legacy_session(shopify_simulator).access_token.reveal()

    response = page(client, "/app/", session_token(SHOP))

    assert response.status_code == 200
    assert shopify_simulator.count("token_exchange") == 1
    assert shopify_simulator.requests_of("token_exchange")[0].form()["expiring"] == "1"
    session = ShopifySession.objects.get(id=f"offline_{SHOP}")
    assert session.access_token.reveal() != old_token
    assert session.refresh_token.reveal().startswith("shprt_")
    assert session.expires is not None
    assert ShopConfiguration.objects.get(shop=SHOP).is_installed

    fetch(client, "/app/api/session", session_token(SHOP))
    assert shopify_simulator.count("token_exchange") == 1


def test_background_work_keeps_using_a_non_expiring_token_until_it_is_replaced(shopify_simulator):
    from connector import sessions

    old_token = legacy_session(shopify_simulator).access_token.reveal()

    assert sessions.shopify_access_token_get(shop=SHOP) == old_token
    assert shopify_simulator.count("token_exchange") == 0


@pytest.mark.parametrize(("status", "body"), [(400, {"error": "invalid_subject_token"}), (503, None)])
def test_a_failed_exchange_keeps_the_non_expiring_token_and_says_so_in_the_log(
    client, shopify_simulator, session_token, caplog, status, body
):
    from connector import sessions

    old_token = legacy_session(shopify_simulator).access_token.reveal()
    shopify_simulator.fail_next("token_exchange", status=status, body=body)
    raw = session_token(SHOP)

    with caplog.at_level("INFO"):
        response = fetch(client, "/app/api/session", raw)

    assert response.status_code == 200
    assert response.json()["shop"] == SHOP
    assert shopify_simulator.count("token_exchange") == 1
    session = ShopifySession.objects.get(id=f"offline_{SHOP}")
    assert session.access_token.reveal() == old_token
    assert session.refresh_token is None
    assert sessions.shopify_access_token_get(shop=SHOP) == old_token
    warnings = [record for record in caplog.records if record.levelname == "WARNING"]
    assert any("non-expiring" in record.getMessage() for record in warnings)
    assert old_token not in caplog.text
    assert raw not in caplog.text


# --------------------------------------------------------------------------- fetch without a token


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/app/orders", {"HTTP_SEC_FETCH_DEST": "empty", "HTTP_SEC_FETCH_MODE": "cors"}),
        ("/app/orders", {"HTTP_ACCEPT": "application/json"}),
        ("/app/orders", {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}),
        ("/app/api/session", {}),
        ("/app/api/session", {"HTTP_ACCEPT": "*/*"}),
    ],
    ids=["sec-fetch-dest-empty", "accept-json", "x-requested-with", "api-path", "api-path-any-accept"],
)
def test_a_fetch_without_authorization_is_401_with_the_retry_header(client, path, headers):
    response = client.get(path, {"shop": SHOP}, **headers)

    assert response.status_code == 401
    assert response["X-Shopify-Retry-Invalid-Session-Request"] == "1"
    assert response["Content-Type"].startswith("application/json")
    assert "data-bounce" not in response.content.decode()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_SEC_FETCH_DEST": "iframe", "HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"},
        {"HTTP_SEC_FETCH_DEST": "document", "HTTP_ACCEPT": "text/html,application/json;q=0.9"},
    ],
    ids=["no-hints", "iframe", "document"],
)
def test_a_document_load_without_token_still_bounces(client, headers):
    response = client.get("/app/orders", {"shop": SHOP}, **headers)

    assert response.status_code == 200
    assert "data-bounce" in response.content.decode()


def test_a_fetch_with_an_expired_id_token_in_the_query_is_401_not_the_bounce_page(
    client, shopify_simulator, session_token
):
    response = client.get(
        "/app/api/session", {"shop": SHOP, "id_token": session_token(SHOP, now=PAST)}, HTTP_SEC_FETCH_DEST="empty"
    )

    assert response.status_code == 401
    assert response["X-Shopify-Retry-Invalid-Session-Request"] == "1"


# --------------------------------------------------------------------------- refused session tokens


def unsigned_token(header, claims):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


def now_seconds():
    return int(datetime.datetime.now(tz=datetime.UTC).timestamp())


REFUSED_TOKENS = {
    "alg-none": (
        lambda build: unsigned_token(
            {"alg": "none", "typ": "JWT"},
            {
                "iss": f"https://{SHOP}/admin",
                "dest": f"https://{SHOP}",
                "aud": "test-api-key",
                "exp": now_seconds() + 60,
                "nbf": now_seconds(),
            },
        ),
        "algorithm 'none' is not accepted",
    ),
    "wrong-aud": (lambda build: build(SHOP, aud="another-app"), "InvalidAudienceError"),
    "iss-dest-mismatch": (lambda build: build(SHOP, iss=f"https://{OTHER}/admin"), "iss and dest hosts differ"),
    "dest-not-myshopify": (
        lambda build: build(
            SHOP, iss="https://x.myshopify.com.evil.com/admin", dest="https://x.myshopify.com.evil.com"
        ),
        "issuer is not a shop",
    ),
    "nbf-in-the-future": (lambda build: build(SHOP, nbf=now_seconds() + 60), "token not yet valid"),
    "expired": (lambda build: build(SHOP, now=PAST), "token expired"),
    "bad-signature": (
        lambda build: encode_session_token(
            shop=SHOP, api_key="test-api-key", secret="another-secret-0123456789abcdefghijklmnopq"
        ),
        "InvalidSignatureError",
    ),
    "malformed-base64": (lambda build: "eyJhbGciOiJIUzI1NiJ9.%%%%.c2ln", "malformed token"),
}


@pytest.mark.parametrize("kind", ["document", "fetch"])
@pytest.mark.parametrize("case", list(REFUSED_TOKENS))
def test_a_refused_session_token_is_logged_with_its_reason_and_changes_nothing(
    client, settings, shopify_simulator, session_token, caplog, case, kind
):
    build, reason = REFUSED_TOKENS[case]
    raw = build(session_token)

    with caplog.at_level("INFO", logger="connector"):
        response = page(client, "/app/orders", raw) if kind == "document" else fetch(client, "/app/api/session", raw)

    if kind == "document":
        assert response.status_code == 200
        assert "data-bounce" in response.content.decode()
    else:
        assert response.status_code == 401
        assert response["X-Shopify-Retry-Invalid-Session-Request"] == "1"
    refusals = [record for record in caplog.records if record.getMessage().startswith("Rejected a session token")]
    assert len(refusals) == 1
    assert reason in refusals[0].getMessage()
    assert refusals[0].levelname == ("INFO" if case == "expired" else "WARNING")
    for secret in (raw, raw.split(".")[1], settings.SHOPIFY_API_SECRET):
        assert secret not in caplog.text
    assert shopify_simulator.requests == []
    assert not ShopifySession.objects.exists()
    assert not ShopConfiguration.objects.exists()


# --------------------------------------------------------------------------- odd but signed claims


@pytest.mark.parametrize(
    ("claims", "status"),
    [({"sub": "\u00b2"}, 200), ({"sub": "9" * 30}, 200), ({"exp": 1e13}, 401)],
    ids=["superscript-subject", "huge-subject", "exp-1e13"],
)
def test_validly_signed_tokens_with_odd_claims_never_cause_a_server_error(
    client, shopify_simulator, session_token, claims, status
):
    response = client.get("/app/api/session", HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP, **claims)}")

    assert response.status_code == status


# --------------------------------------------------------------------------- the token's place


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_SEC_FETCH_DEST": "document", "HTTP_ACCEPT": "text/html"}, {"HTTP_SEC_FETCH_DEST": "empty"}],
    ids=["no-hints", "form-navigation", "fetch"],
)
def test_a_post_with_the_session_token_in_the_query_string_is_refused_and_changes_nothing(
    client, shopify_simulator, session_token, headers
):
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key="ecomdrop-key-123456")

    response = client.post(
        f"/app/api/ecomdrop/disconnect?shop={SHOP}&id_token={session_token(SHOP)}",
        "{}",
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert ShopConfiguration.objects.get(shop=SHOP).ecomdrop_api_key is not None
    assert shopify_simulator.count("token_exchange") == 0


def test_a_fetch_with_the_session_token_only_in_the_query_string_is_refused(client, shopify_simulator, session_token):
    response = client.get(
        "/app/api/session", {"shop": SHOP, "id_token": session_token(SHOP)}, HTTP_SEC_FETCH_DEST="empty"
    )

    assert response.status_code == 401
    assert response["X-Shopify-Retry-Invalid-Session-Request"] == "1"
    assert shopify_simulator.count("token_exchange") == 0


def test_a_post_with_the_token_in_the_header_and_the_query_uses_the_header(client, shopify_simulator, session_token):
    response = client.post(
        f"/app/api/ecomdrop/disconnect?id_token={session_token(OTHER)}",
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}",
    )

    assert response.status_code == 200
    assert ShopConfiguration.objects.filter(shop=SHOP).exists()
    assert not ShopConfiguration.objects.filter(shop=OTHER).exists()
