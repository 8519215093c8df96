"""The Admin GraphQL client against the Shopify simulator: costs, throttling, typed errors."""

import time

import pytest

from connector.shopify import graphql
from connector.shopify.errors import (
    ShopifyForbidden,
    ShopifyGraphQLError,
    ShopifyThrottled,
    ShopifyUnavailable,
    ShopifyUserErrors,
)
from connector.shopify.graphql import ShopifyAdminClient
from simulators.shopify import GraphQLErrors

SHOP = "tienda.myshopify.com"


class StaticTokens:
    def __init__(self, token):
        self.token = token
        self.refreshes = 0

    def access_token(self):
        return self.token

    def refreshed_access_token(self, stale_token):
        self.refreshes += 1
        return self.token


@pytest.fixture
def client(shopify_simulator):
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        time.sleep(seconds)

    tokens = StaticTokens(shopify_simulator.issue_token(SHOP))
    admin = ShopifyAdminClient(shop=SHOP, tokens=tokens, sleep=sleep)
    admin.waits = waits
    return admin


def test_sends_the_document_to_the_pinned_version_and_reads_the_cost(client, shopify_simulator, settings):
    result = client.execute("shop_info")

    request = shopify_simulator.requests_of("graphql:ShopInfo")[0]
    assert request.path == f"/{SHOP}/admin/api/{settings.SHOPIFY_API_VERSION}/graphql.json"
    assert request.json()["operationName"] == "ShopInfo"
    assert request.json()["query"] == graphql.load_document("shop_info").text
    assert result.data["shop"]["currencyCode"] == "COP"
    assert result.requested_cost == 10
    assert result.throttle_status.maximum_available == 1000


def test_a_throttled_call_waits_the_computed_time_then_succeeds(client, shopify_simulator):
    bucket = shopify_simulator.bucket(SHOP)
    bucket.restore_rate = 100.0
    bucket.empty()
    shopify_simulator.costs["ShopInfo"] = 50

    result = client.execute("shop_info")

    assert result.data["shop"]
    assert shopify_simulator.count("graphql:ShopInfo") >= 2
    # (50 requested - what was restored since the bucket emptied) / 100 per second
    assert 0 < client.waits[0] <= 0.5


def test_it_gives_up_after_bounded_retries_with_the_wait_to_respect(shopify_simulator):
    waits = []
    client = ShopifyAdminClient(
        shop=SHOP, tokens=StaticTokens(shopify_simulator.issue_token(SHOP)), sleep=waits.append, max_throttle_retries=2
    )
    bucket = shopify_simulator.bucket(SHOP)
    bucket.restore_rate = 0.001
    bucket.empty()

    with pytest.raises(ShopifyThrottled) as error:
        client.execute("shop_info")

    assert error.value.retryable
    assert error.value.wait_seconds > 0
    assert len(waits) == 2
    assert shopify_simulator.count("graphql:ShopInfo") == 3


def test_http_429_respects_retry_after(client, shopify_simulator):
    shopify_simulator.fail_next("graphql:ShopInfo", status=429)

    client.execute("shop_info")

    assert client.waits == [1.0]


def test_a_nearly_empty_bucket_slows_the_next_call_down(client, shopify_simulator):
    shopify_simulator.costs["ShopInfo"] = 100
    bucket = shopify_simulator.bucket(SHOP)
    bucket.restore_rate = 100.0
    bucket.maximum = bucket.available = 150

    client.execute("shop_info")
    client.execute("shop_info")

    assert client.waits, "the second call should have waited for the bucket"


def test_5xx_and_timeouts_are_retryable_unavailable(client, shopify_simulator, settings):
    shopify_simulator.fail_next("graphql:ShopInfo", status=502)
    with pytest.raises(ShopifyUnavailable) as error:
        client.execute("shop_info")
    assert error.value.retryable

    client.timeout = 0.2
    shopify_simulator.fail_next("graphql:ShopInfo", status=200, delay=0.6)
    with pytest.raises(ShopifyUnavailable):
        client.execute("shop_info")


def test_top_level_errors_and_access_denied_are_typed(client, shopify_simulator):
    def broken(simulator, shop, variables):
        raise GraphQLErrors([{"message": "Field 'x' doesn't exist"}])

    def protected(simulator, shop, variables):
        raise GraphQLErrors(
            [
                {
                    "message": "This app is not approved to access the Customer object.",
                    "extensions": {"code": "ACCESS_DENIED"},
                }
            ]
        )

    shopify_simulator.graphql_handlers["ShopInfo"] = broken
    with pytest.raises(ShopifyGraphQLError) as error:
        client.execute("shop_info")
    assert not error.value.retryable
    shopify_simulator.graphql_handlers["ShopInfo"] = protected
    with pytest.raises(ShopifyForbidden):
        client.execute("shop_info")


def test_user_errors_fail_the_call_with_their_field_paths(client, shopify_simulator):
    shopify_simulator.graphql_handlers["ShopInfo"] = lambda simulator, shop, variables: {
        "tagsAdd": {"node": None, "userErrors": [{"field": ["id"], "message": "Order does not exist", "code": None}]}
    }

    with pytest.raises(ShopifyUserErrors) as error:
        client.execute("shop_info", user_errors_at="tagsAdd")

    assert error.value.user_errors[0].field == ("id",)
    assert "id: Order does not exist" in str(error.value)


def test_a_second_401_after_refresh_is_an_auth_error(shopify_simulator):
    from connector.shopify.errors import ShopifyAuthError

    tokens = StaticTokens("shpat_not_known_by_shopify")
    client = ShopifyAdminClient(shop=SHOP, tokens=tokens, sleep=lambda seconds: None)

    with pytest.raises(ShopifyAuthError):
        client.execute("shop_info")
    assert tokens.refreshes == 1
