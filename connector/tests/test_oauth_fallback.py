"""Fallback OAuth for entry outside Shopify Admin: /auth/login and /auth/callback."""

import datetime
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from connector.models import OAuthState, ShopifySession
from connector.shopify.oauth import query_hmac
from shops.models import ShopConfiguration

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"


def start_login(client, shop=SHOP):
    response = client.post("/auth/login", {"shop": shop})
    assert response.status_code == 302
    return parse_qs(urlsplit(response["Location"]).query)["state"][0]


def callback_params(settings, shopify_simulator, state, *, shop=SHOP, timestamp=None, **overrides):
    params = {
        "code": shopify_simulator.issue_code(shop),
        "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvdGllbmRh",
        "shop": shop,
        "state": state,
        "timestamp": str(timestamp or int(time.time())),
    }
    params.update(overrides)
    params["hmac"] = query_hmac(params, secret=settings.SHOPIFY_API_SECRET)
    return params


def test_login_page_asks_for_the_shop_domain_in_spanish(client):
    html = client.get("/auth/login").content.decode()

    assert "Dominio de la tienda" in html
    assert 'name="shop"' in html


@pytest.mark.parametrize(
    ("shop", "message", "language"),
    [
        ("", "Ingresa el dominio de tu tienda para iniciar sesión", "es"),
        ("evil.com", "Ingresa un dominio de tienda válido para iniciar sesión", "es"),
        ("x.myshopify.com.evil.com", "Ingresa un dominio de tienda válido para iniciar sesión", "es"),
        ("", "Please enter your shop domain to log in", "en"),
        ("bad domain!", "Please enter a valid shop domain to log in", "en"),
    ],
)
def test_login_refuses_missing_or_invalid_shops(client, shop, message, language):
    response = client.post("/auth/login", {"shop": shop}, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OAuthState.objects.exists()


def test_login_redirects_to_shopify_with_scopes_redirect_uri_and_a_state(client, settings):
    response = client.post("/auth/login", {"shop": "https://Tienda.myshopify.com/"})

    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert (location.scheme, location.netloc, location.path) == ("https", SHOP, "/admin/oauth/authorize")
    assert query["client_id"] == [settings.SHOPIFY_API_KEY]
    assert query["scope"] == [settings.SHOPIFY_SCOPES]
    assert query["redirect_uri"] == [f"{settings.SHOPIFY_APP_URL}/auth/callback"]
    assert OAuthState.objects.get(shop=SHOP).state == query["state"][0]
    assert response.cookies["connector_oauth_state"].value == query["state"][0]


def test_a_bare_shop_name_is_completed(client):
    response = client.post("/auth/login", {"shop": "tienda"})

    assert urlsplit(response["Location"]).netloc == SHOP


def test_a_valid_callback_stores_the_token_installs_and_opens_the_embedded_app(client, settings, shopify_simulator):
    state = start_login(client)

    response = client.get("/auth/callback", callback_params(settings, shopify_simulator, state))

    assert response.status_code == 302
    assert response["Location"] == f"https://{SHOP}/admin/apps/{settings.SHOPIFY_API_KEY}"
    session = ShopifySession.objects.get(id=f"offline_{SHOP}")
    assert session.access_token.reveal().startswith("shpat_")
    assert session.refresh_token is not None
    assert ShopConfiguration.objects.get(shop=SHOP).is_installed
    assert shopify_simulator.requests_of("code_exchange")[0].form()["expiring"] == "1"
    assert not OAuthState.objects.exists()


def test_a_bad_hmac_is_refused_and_changes_nothing(client, settings, shopify_simulator):
    state = start_login(client)
    params = callback_params(settings, shopify_simulator, state)
    params["hmac"] = "0" * 64

    response = client.get("/auth/callback", params)

    assert response.status_code == 400
    assert shopify_simulator.count("code_exchange") == 0
    assert not ShopifySession.objects.exists()
    assert OAuthState.objects.exists()


def test_a_stale_timestamp_is_refused(client, settings, shopify_simulator):
    state = start_login(client)

    response = client.get(
        "/auth/callback", callback_params(settings, shopify_simulator, state, timestamp=int(time.time()) - 90000)
    )

    assert response.status_code == 400
    assert not ShopifySession.objects.exists()


def test_a_reused_state_is_refused(client, settings, shopify_simulator):
    state = start_login(client)
    assert client.get("/auth/callback", callback_params(settings, shopify_simulator, state)).status_code == 302
    client.cookies["connector_oauth_state"] = state

    again = client.get("/auth/callback", callback_params(settings, shopify_simulator, state))

    assert again.status_code == 403
    assert shopify_simulator.count("code_exchange") == 1


def test_a_missing_or_foreign_state_is_refused(client, settings, shopify_simulator):
    start_login(client)

    missing = client.get("/auth/callback", callback_params(settings, shopify_simulator, ""))
    foreign = client.get("/auth/callback", callback_params(settings, shopify_simulator, "f" * 64))

    assert missing.status_code == 403
    assert foreign.status_code == 403
    assert shopify_simulator.count("code_exchange") == 0


def test_a_state_issued_for_another_shop_is_refused(client, settings, shopify_simulator):
    state = start_login(client, shop="otra.myshopify.com")

    response = client.get("/auth/callback", callback_params(settings, shopify_simulator, state))

    assert response.status_code == 403
    assert not ShopifySession.objects.exists()


@pytest.mark.parametrize("shop", ["evil.com", "x.myshopify.com.evil.com"])
def test_evil_shop_domains_in_the_callback_are_refused(client, settings, shopify_simulator, shop):
    state = start_login(client)

    response = client.get("/auth/callback", callback_params(settings, shopify_simulator, state, shop=shop))

    assert response.status_code == 400
    assert shopify_simulator.requests == []


def test_shopify_refusing_the_code_is_a_clear_error(client, settings, shopify_simulator):
    state = start_login(client)
    shopify_simulator.fail_next("code_exchange", status=400, body={"error": "invalid_request"})

    response = client.get("/auth/callback", callback_params(settings, shopify_simulator, state))

    assert response.status_code == 502
    assert not ShopifySession.objects.exists()


def test_the_landing_page_sends_shopify_requests_into_the_app(client):
    response = client.get("/", {"shop": SHOP, "host": "abc"})

    assert response.status_code == 302
    assert response["Location"].startswith("/app/?shop=")


def without(params, *names):
    return {key: value for key, value in params.items() if key not in names}


def resigned(settings, params):
    unsigned = without(params, "hmac")
    return {**unsigned, "hmac": query_hmac(unsigned, secret=settings.SHOPIFY_API_SECRET)}


CALLBACK_REFUSALS = {
    "bad-hmac": (lambda settings, params: {**params, "hmac": "0" * 64}, 400, "hmac"),
    "evil-shop": (lambda settings, params: resigned(settings, {**params, "shop": "evil.com"}), 400, "shop"),
    "shop-suffix-trick": (
        lambda settings, params: resigned(settings, {**params, "shop": "x.myshopify.com.evil.com"}),
        400,
        "shop",
    ),
    "stale-timestamp": (
        lambda settings, params: resigned(settings, {**params, "timestamp": str(int(time.time()) - 90000)}),
        400,
        "timestamp",
    ),
    "missing-code": (lambda settings, params: resigned(settings, without(params, "code")), 400, "code"),
    "missing-state": (lambda settings, params: resigned(settings, without(params, "state")), 403, "state"),
    "foreign-state": (lambda settings, params: resigned(settings, {**params, "state": "f" * 64}), 403, "state"),
}


@pytest.mark.parametrize("case", list(CALLBACK_REFUSALS))
def test_a_refused_callback_is_logged_with_its_reason_and_changes_nothing(
    client, settings, shopify_simulator, caplog, case
):
    change, status, reason = CALLBACK_REFUSALS[case]
    state = start_login(client)
    params = change(settings, callback_params(settings, shopify_simulator, state))

    with caplog.at_level("INFO", logger="connector"):
        response = client.get("/auth/callback", params)

    assert response.status_code == status
    refusals = [record for record in caplog.records if record.getMessage().startswith("Refused an OAuth callback")]
    assert len(refusals) == 1
    assert refusals[0].levelname == "WARNING"
    assert reason in refusals[0].getMessage()
    for secret in (state, params.get("code"), params.get("hmac"), settings.SHOPIFY_API_SECRET):
        if secret:
            assert secret not in caplog.text
    assert shopify_simulator.requests == []
    assert not ShopifySession.objects.exists()
    assert not ShopConfiguration.objects.exists()
    assert OAuthState.objects.filter(state=state).exists()  # the login can still finish


@pytest.mark.parametrize(
    "bad_hmac",
    ["é", "é" * 64, "\u00b2" * 64, "０" * 64, "\x00"],
    ids=["e-acute", "64-e-acute", "superscript", "fullwidth", "nul"],
)
def test_a_non_ascii_hmac_is_refused_not_a_server_error(client, settings, shopify_simulator, bad_hmac):
    state = start_login(client)
    params = {**callback_params(settings, shopify_simulator, state), "hmac": bad_hmac}

    response = client.get("/auth/callback", params)

    assert response.status_code == 400
    assert not ShopifySession.objects.exists()
    assert OAuthState.objects.filter(state=state).exists()


@pytest.mark.parametrize(
    "timestamp",
    ["\u00b2", "1" * 30, "99999999999999", "-1", " 1"],
    ids=["superscript", "30-digits", "year-3170843", "negative", "space"],
)
def test_a_validly_signed_callback_with_an_impossible_timestamp_is_refused(
    client, settings, shopify_simulator, timestamp
):
    state = start_login(client)
    params = resigned(settings, {**callback_params(settings, shopify_simulator, state), "timestamp": timestamp})

    response = client.get("/auth/callback", params)

    assert response.status_code == 400
    assert not ShopifySession.objects.exists()


def test_log_ins_are_limited_per_client_address(client, settings):
    settings.AUTH_LOGIN_RATE_PER_MINUTE = 3

    started = [client.get("/auth/login", {"shop": f"tienda-{index}.myshopify.com"}) for index in range(3)]
    refused = client.get("/auth/login", {"shop": "otra.myshopify.com"})
    posted = client.post("/auth/login", {"shop": "otra.myshopify.com"})
    elsewhere = client.get("/auth/login", {"shop": "otra.myshopify.com"}, REMOTE_ADDR="198.51.100.7")

    assert [response.status_code for response in started] == [302, 302, 302]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Demasiados intentos" in refused.content.decode()
    assert posted.status_code == 429
    assert elsewhere.status_code == 302
    assert OAuthState.objects.count() == 4  # none for the refused ones


def test_the_login_page_without_a_shop_is_not_counted(client, settings):
    settings.AUTH_LOGIN_RATE_PER_MINUTE = 1

    pages = [client.get("/auth/login").status_code for _ in range(3)]

    assert pages == [200, 200, 200]
    assert client.get("/auth/login", {"shop": SHOP}).status_code == 302


def test_a_shop_keeps_only_its_newest_login_states(client, settings):
    settings.OAUTH_STATES_PER_SHOP = 2
    addresses = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]

    states = [
        parse_qs(urlsplit(client.get("/auth/login", {"shop": SHOP}, REMOTE_ADDR=address)["Location"]).query)["state"][0]
        for address in addresses
    ]

    assert sorted(OAuthState.objects.values_list("state", flat=True)) == sorted(states[-2:])


def test_an_address_keeps_only_its_newest_login_states(client, settings):
    settings.OAUTH_STATES_PER_ADDRESS = 2

    for index in range(5):
        start_login(client, shop=f"tienda-{index}.myshopify.com")

    assert sorted(OAuthState.objects.values_list("shop", flat=True)) == [
        "tienda-3.myshopify.com",
        "tienda-4.myshopify.com",
    ]
    assert set(OAuthState.objects.values_list("client_address", flat=True)) == {"127.0.0.1"}


def test_expired_login_states_are_deleted_when_a_login_starts(client):
    start_login(client, shop="vieja.myshopify.com")
    OAuthState.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=16))

    start_login(client)

    assert list(OAuthState.objects.values_list("shop", flat=True)) == [SHOP]
