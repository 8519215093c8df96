import datetime

import factory
from django.utils import timezone

from connector.models import ShopifySession


class ShopifySessionFactory(factory.django.DjangoModelFactory):
    """An offline session as this app stores it: an expiring access token and its refresh token
    (pass ``expires=None, refresh_token=None`` for the old app's non-expiring kind)."""

    class Meta:
        model = ShopifySession

    shop = factory.Sequence(lambda number: f"shop-{number}.myshopify.com")
    id = factory.LazyAttribute(lambda session: f"offline_{session.shop}")
    state = ""
    is_online = False
    scope = "read_products,write_products,read_orders,write_orders"
    access_token = factory.Sequence(lambda number: f"shpat_access_token_value_{number:06d}")
    expires = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=1))
    refresh_token = factory.Sequence(lambda number: f"shprt_refresh_token_value_{number:06d}")
    refresh_token_expires = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=90))
