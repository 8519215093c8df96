"""A client of the Shopify simulator for the tests of the typed operations (no database)."""

from connector.shopify.graphql import ShopifyAdminClient

SHOP = "tienda.myshopify.com"


class StaticTokens:
    def __init__(self, token):
        self.token = token

    def access_token(self):
        return self.token

    def refreshed_access_token(self, stale_token):
        return self.token


def client_for(simulator, *, scope=None, shop=SHOP):
    """A client of ``shop`` holding a token the simulator issued (with ``scope`` when given)."""
    if scope is not None:
        simulator.scope = scope
    return ShopifyAdminClient(shop=shop, tokens=StaticTokens(simulator.issue_token(shop)))
