"""A complete AI assistant profile as the Asistente IA tab sends it (accents and emoji included)."""

import copy

PROFILE = {
    "agent_name": "Andrés 🤖",
    "company_name": "ClickShop®",
    "company_description": "Tienda de tecnología en Bogotá 🇨🇴.\nEnvíos a todo el país.",
    "payment_methods": [
        {"name": "Contra entrega", "enabled": True},
        {"name": "Nequi 💸", "enabled": False},
    ],
    "company_policies": "Cambios y devoluciones hasta 30 días después de la entrega. Garantía de 1 año.",
    "faq": [{"question": "¿Envían gratis?", "answer": "Sí, desde $100.000 🚚"}],
    "post_sale_faq": [{"question": "¿Dónde está mi pedido?", "answer": "Te enviamos la guía por WhatsApp."}],
    "rules": [{"text": "Responder siempre en español"}, {"text": "Nunca prometer fechas exactas"}],
    "notifications": [
        {"type": "Cancelación", "phone": "+57 300 123 4567", "name": "Laura Gómez"},
        {"type": "Garantía", "phone": "+51987654321", "name": "Ñoño Pérez", "country": "PE"},
    ],
}


def profile(**overrides):
    """A fresh copy of PROFILE with some parts replaced."""
    data = copy.deepcopy(PROFILE)
    data.update(overrides)
    return data
