import factory

from shops import services
from shops.models import ShopConfiguration


class ShopConfigurationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShopConfiguration
        skip_postgeneration_save = True

    shop = factory.Sequence(lambda number: f"shop-{number}.myshopify.com")
    dropi_country = "CO"
    dropi_store_name = factory.Sequence(lambda number: f"Tienda {number}")

    @factory.post_generation
    def callback_secret(obj, create, extracted, **kwargs):
        services.shop_configuration_ensure_callback_secret(configuration=obj)
        if create:
            obj.save(update_fields=["callback_secret", "callback_secret_hash"])
