import factory

from connector.models import ShopifySession


class ShopifySessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShopifySession

    shop = factory.Sequence(lambda number: f"shop-{number}.myshopify.com")
    id = factory.LazyAttribute(lambda session: f"offline_{session.shop}")
    state = ""
    is_online = False
    scope = "read_products,write_products,read_orders,write_orders"
    access_token = factory.Sequence(lambda number: f"shpat_access_token_value_{number:06d}")
