"""Shop operations of the Admin GraphQL API, on top of ``ShopifyAdminClient``.

Owns: the ``shop`` query (document ``shop_info`` in ``queries/``) and the ``ShopInfo`` value it
returns. Must not import models.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.values import read_object, read_text


@dataclass(frozen=True)
class ShopInfo:
    name: str
    myshopify_domain: str
    currency_code: str  # ISO 4217, the currency the shop sells in; "" when Shopify did not say
    iana_timezone: str


def shop_info(client: ShopifyAdminClient) -> ShopInfo:
    """The shop's name, domain, currency and time zone."""
    shop = read_object(client.execute("shop_info").data, "shop")
    return ShopInfo(
        name=read_text(shop, "name"),
        myshopify_domain=read_text(shop, "myshopifyDomain"),
        currency_code=read_text(shop, "currencyCode"),
        iana_timezone=read_text(shop, "ianaTimezone"),
    )
