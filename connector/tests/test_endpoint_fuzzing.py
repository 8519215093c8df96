"""Fuzzing: no input to any endpoint is a server error.

Hypothesis sends every JSON endpoint bodies of any shape (the keys its view reads, with values
of any JSON type, odd digits such as "²", deep nesting, raw bytes), every query parameter and
path argument odd text, and the webhook intake signed bodies under every topic. A 500 or an
exception out of a view fails the test, with the smallest input that causes it.

The "connector" profile (conftest.py) makes the run repeatable in CI: derandomized, a fixed
number of examples per endpoint, no example database. ``HYPOTHESIS_PROFILE=deep`` explores
further on a developer's machine.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from connector.shopify.oauth import query_hmac
from connector.shopify.webhooks import signed_delivery_headers
from connector.tests.factories import ShopifySessionFactory
from products.tests.factories import ProductAssociationFactory
from shops.models import FlowDelivery
from shops.tests.factories import ShopConfigurationFactory
from simulators.dropi import dropi_product
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_process

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
ECOMDROP_KEY = "ecomdrop-key-ABCDEFGH-123456"
DROPI_TOKEN = "dropi-token-ABCDEFGHIJ-0123456789"

# Strings that broke or nearly broke a parser once, and values the views branch on.
ODD_TEXT = [
    "",
    " ",
    "0",
    "1",
    "-1",
    "²",
    "٣",
    "１",
    "1e13",
    "1e400",
    "NaN",
    "9" * 40,
    "é" * 64,
    "\x00",
    "\u202e",
    "😀",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "gid://shopify/Product/1",
    "gid://shopify/Product/²",
    SHOP,
    "otra.myshopify.com",
    "CO",
    "create",
    "link",
    "keep",
    "percent",
    "fixed",
    "multiplier",
    "rotate",
    "reveal",
    "DRAFT",
    "ACTIVE",
    "#1001",
    "success",
    "pending",
    "sent",
]
texts = st.one_of(st.sampled_from(ODD_TEXT), st.text(st.characters(codec="utf-8"), max_size=40))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=10,
)
RAW_BODIES = [
    b"",
    b"[" * 60_000,
    b"{" * 30_000,
    b'{"a": NaN}',
    b'{"a": 1e400}',
    b'{"a": "\\ud800"}',
    b'{"a": "\xed\xa0\x80"}',
    b"\xff\xfe",
    b"null",
    b"[]",
    b'"text"',
    b'{"a": ' + b"1" * 5000 + b"}",
]


def bodies(keys: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    """Bodies for a view that reads ``keys``: objects with those keys (any values), any JSON, raw bytes."""
    shaped = st.fixed_dictionaries({}, optional=dict.fromkeys(keys, json_values))
    as_json = st.one_of(shaped, shaped, json_values).map(lambda value: json.dumps(value).encode())
    return st.one_of(as_json, st.sampled_from(RAW_BODIES), st.binary(max_size=64))


def queries(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, texts))


def path_part() -> st.SearchStrategy[str]:
    """Text for a ``<str:…>`` path argument (never empty, never a slash once quoted)."""
    return texts.filter(bool).map(lambda text: quote(text, safe=""))


@dataclass(frozen=True)
class Endpoint:
    path: str  # "{}" where a drawn path argument goes
    method: str = "GET"
    params: tuple[str, ...] = ()  # query parameters the view reads
    keys: tuple[str, ...] = ()  # body keys the view reads

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


PRICE_RULE = "price_rule"
EMBEDDED_ENDPOINTS = [
    Endpoint("/app/api/session"),
    Endpoint("/app/api/ecomdrop/connect", "POST", keys=("api_key",)),
    Endpoint("/app/api/ecomdrop/disconnect", "POST"),
    Endpoint("/app/api/ecomdrop/flows", params=("refresh",)),
    Endpoint(
        "/app/api/ecomdrop/flows",
        "POST",
        keys=("nuevo_pedido_flow_id", "carrito_abandonado_flow_id", "abandoned_cart_delay_minutes"),
    ),
    Endpoint("/app/api/ecomdrop/contact-fields", params=("refresh",)),
    Endpoint("/app/api/dropi", "POST", keys=("store_name", "country", "token")),
    Endpoint("/app/api/callback-secret/{}", "POST"),
    Endpoint("/app/api/orders", params=("after", "before")),
    Endpoint("/app/api/deliveries", params=("status", "limit")),
    Endpoint("/app/api/deliveries/{}/resend", "POST"),
    Endpoint("/app/api/test-event", "POST", keys=("phone",)),
    Endpoint("/app/api/dropi/products", params=("q", "private", "page")),
    Endpoint("/app/api/dropi/products/{}/preview", "POST", keys=("mode", PRICE_RULE)),
    Endpoint("/app/api/shopify/products", params=("q", "after", "before")),
    Endpoint("/app/api/shopify/products/{}"),
    Endpoint(
        "/app/api/products/import",
        "POST",
        keys=("mode", "options", "status", PRICE_RULE, "dropi_product_id", "shopify_product_id", "variant_mappings"),
    ),
    Endpoint("/app/api/associations", params=("q", "page")),
    Endpoint("/app/api/associations/{}/delete", "POST"),
    Endpoint("/app/api/assistant"),
    Endpoint("/app/api/assistant", "POST", keys=("profile", "revision")),
    Endpoint("/app/api/assistant/sync", "POST"),
    Endpoint("/app/theme/status"),
    Endpoint("/app/theme/themes"),
    Endpoint("/app/theme/install", "POST"),
]
PAGES = [
    Endpoint("/app/", params=("tab", "locale", "host", "embedded", "shop")),
    Endpoint("/app/orders", params=("locale", "host", "shop")),
    Endpoint("/app/configuration", params=("tab", "locale", "host", "shop")),
    Endpoint("/app/theme", params=("locale", "host", "shop")),
]
# Numeric path arguments (``<int:…>``) only take digits; these reach the view.
NUMERIC_IDS = st.one_of(st.integers(min_value=0, max_value=2**70), st.sampled_from([0, 1, 2**63 - 1, 2**63, 2**64]))


@pytest.fixture
def shop(shopify_simulator, ecomdrop_simulator, dropi_simulator, settings):
    """A shop with everything connected, some data to act on, and tasks that never run."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    shopify_simulator.default_cost = 0  # hundreds of calls must not wait for Shopify's cost bucket
    ecomdrop_simulator.add_account(ECOMDROP_KEY)
    dropi_simulator.add_account(DROPI_TOKEN, country="CO")
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=5001))
    configuration = ShopConfigurationFactory(
        shop=SHOP,
        ecomdrop_api_key=ECOMDROP_KEY,
        nuevo_pedido_flow_id="9001",
        dropi_country="CO",
        dropi_token=DROPI_TOKEN,
        installed_at=timezone.now(),
    )
    ShopifySessionFactory(
        shop=SHOP, access_token=shopify_simulator.issue_token(SHOP), scope="read_products,write_products,write_themes"
    )
    ProductAssociationFactory(shop=SHOP, dropi_product_id="5001")
    FlowDelivery.objects.create(
        shop=SHOP, kind=FlowDelivery.Kind.ORDER_CREATED, shopify_object_id="1001", state=FlowDelivery.Status.FAILED
    )
    return configuration


@pytest.fixture
def bearer(session_token):
    # Long enough for the whole test: an expired token would only test the 401 path.
    return {"HTTP_AUTHORIZATION": f"Bearer {session_token(SHOP, lifetime=datetime.timedelta(minutes=30))}"}


def assert_not_a_server_error(response: Any, sent: object) -> None:
    assert response.status_code != 500, f"500 for {sent!r}"


def _fill(endpoint: Endpoint, data: st.DataObject) -> str:
    if "{}" not in endpoint.path:
        return endpoint.path
    numeric = endpoint.path.startswith(("/app/api/deliveries/", "/app/api/associations/", "/app/api/shopify/products/"))
    argument = str(data.draw(NUMERIC_IDS)) if numeric else data.draw(path_part())
    return endpoint.path.format(argument)


@pytest.mark.parametrize("endpoint", EMBEDDED_ENDPOINTS, ids=str)
@given(data=st.data())
def test_no_body_query_or_path_argument_makes_an_embedded_endpoint_fail(client, shop, bearer, endpoint, data):
    path = _fill(endpoint, data)
    params = data.draw(queries(endpoint.params))
    if endpoint.method == "GET":
        response = client.get(path, params, **bearer)
        assert_not_a_server_error(response, (path, params))
        return
    body = data.draw(bodies(endpoint.keys))
    query = "&".join(f"{quote(name)}={quote(value)}" for name, value in params.items())
    response = client.post(f"{path}?{query}", body, content_type="application/json", **bearer)
    assert_not_a_server_error(response, (path, body[:200]))


@pytest.mark.parametrize("endpoint", PAGES, ids=str)
@given(params=st.data())
def test_no_query_parameter_makes_a_page_fail(client, shop, session_token, endpoint, params):
    sent = params.draw(queries(endpoint.params))
    token = session_token(SHOP, lifetime=datetime.timedelta(minutes=30))

    response = client.get(endpoint.path, {**sent, "id_token": token}, HTTP_SEC_FETCH_DEST="iframe")

    assert_not_a_server_error(response, sent)


@given(params=queries(("shop", "code", "state", "timestamp", "host", "hmac")), sign=st.booleans())
def test_no_oauth_callback_query_fails(client, settings, params, sign):
    if sign:
        params = {**params, "hmac": query_hmac(params, secret=settings.SHOPIFY_API_SECRET)}

    assert_not_a_server_error(client.get("/auth/callback", params), params)


@given(shop=texts, method=st.sampled_from(["GET", "POST"]))
def test_no_shop_domain_makes_the_login_or_landing_fail(client, shop, method):
    login = client.get("/auth/login", {"shop": shop}) if method == "GET" else client.post("/auth/login", {"shop": shop})

    assert_not_a_server_error(login, shop)
    assert_not_a_server_error(client.get("/", {"shop": shop}), shop)


@given(token=path_part())
def test_no_theme_download_token_fails(client, token):
    assert_not_a_server_error(client.get(f"/themes/download/{token}"), token)


@given(
    body=bodies(("orderId", "orderName", "tag", "tags", "status", "test")), secret=st.sampled_from(["ok", "wrong", "²"])
)
def test_no_callback_body_or_secret_fails(client, shop, body, secret):
    token = shop.callback_secret.reveal() if secret == "ok" else secret
    response = client.post(
        "/api/ecomdrop/callback", body, content_type="application/json", HTTP_X_CONNECTOR_TOKEN=token
    )

    assert_not_a_server_error(response, body[:200])


WEBHOOK_TOPICS = [
    "app/uninstalled",
    "app/scopes_update",
    "orders/create",
    "checkouts/create",
    "checkouts/update",
    "customers/data_request",
    "customers/redact",
    "shop/redact",
    "products/update",
]
WEBHOOK_KEYS = (
    "id",
    "token",
    "shop_domain",
    "myshopify_domain",
    "customer",
    "orders_requested",
    "orders_to_redact",
    "data_request",
    "current",
    "phone",
    "email",
    "shipping_address",
    "line_items",
    "total_price",
)


@pytest.mark.parametrize("topic", WEBHOOK_TOPICS)
@given(body=bodies(WEBHOOK_KEYS))
def test_no_signed_webhook_body_fails_the_intake_or_crashes_its_handler(client, settings, shop, topic, body):
    headers = signed_delivery_headers(
        body,
        secret=settings.SHOPIFY_API_SECRET,
        topic=topic,
        shop=SHOP,
        webhook_id=f"fuzz-{WebhookEvent.objects.count()}",
    )
    content_type = headers.pop("Content-Type")

    response = client.generic("POST", "/webhooks", body, content_type=content_type, headers=headers)

    assert_not_a_server_error(response, body[:200])
    event = WebhookEvent.objects.filter(webhook_id=headers["X-Shopify-Webhook-Id"]).first()
    if event is not None:
        webhook_event_process(event_id=event.pk)
        event.refresh_from_db()
        # A handler refuses a payload with a typed error; an untyped one keeps its traceback.
        assert "Traceback" not in event.last_error, event.last_error
