import factory

from assistant.models import AIConfiguration


class AIConfigurationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AIConfiguration

    shop = factory.Sequence(lambda number: f"shop-{number}.myshopify.com")
    agent_name = "Andrés"
    company_name = "ClickShop®"
    company_description = "Tienda de tecnología en Bogotá 🇨🇴"
    payment_methods = factory.LazyFunction(lambda: [{"id": "1", "name": "Contra entrega", "enabled": True}])
    faq = factory.LazyFunction(lambda: [{"id": "1", "question": "¿Envían gratis?", "answer": "Sí, desde $100.000"}])
    post_sale_faq = factory.LazyFunction(list)
    rules = factory.LazyFunction(lambda: [{"id": "1", "text": "Responder siempre en español"}])
    notifications = factory.LazyFunction(
        lambda: [{"id": "1", "type": "Cancelación", "phone": "+573001234567", "name": "Laura", "country": "CO"}]
    )
