"""The profile as the agent reads it: Spanish headings, empty parts left out, text kept intact."""

from assistant import rendering, validators
from assistant.tests.profiles import profile


def cleaned(**overrides):
    data, errors = validators.clean_profile(profile(**overrides))
    assert errors == []
    return data


def test_the_whole_profile_reads_as_one_text_with_spanish_headings():
    text = rendering.render_profile(cleaned())

    assert text == (
        "Nombre del agente: Andrés 🤖\n"
        "Empresa: ClickShop®\n"
        "\n"
        "## Descripción de la empresa\n"
        "Tienda de tecnología en Bogotá 🇨🇴.\nEnvíos a todo el país.\n"
        "\n"
        "## Métodos de pago\n"
        "- Contra entrega\n"
        "- Nequi 💸 (no disponible por ahora)\n"
        "\n"
        "## Políticas de la empresa\n"
        "Cambios y devoluciones hasta 30 días después de la entrega. Garantía de 1 año.\n"
        "\n"
        "## Preguntas frecuentes\n"
        "P: ¿Envían gratis?\n"
        "R: Sí, desde $100.000 🚚\n"
        "\n"
        "## Preguntas frecuentes post venta\n"
        "P: ¿Dónde está mi pedido?\n"
        "R: Te enviamos la guía por WhatsApp.\n"
        "\n"
        "## Reglas\n"
        "1. Responder siempre en español\n"
        "2. Nunca prometer fechas exactas\n"
        "\n"
        "## Notificaciones (a quién avisar, por tipo)\n"
        "- Cancelación: Laura Gómez, +573001234567 (Colombia)\n"
        "- Garantía: Ñoño Pérez, +51987654321 (Perú)"
    )


def test_empty_parts_are_left_out_and_an_empty_profile_is_empty():
    text = rendering.render_profile(cleaned(company_name=None, faq=[], rules=[], company_policies=""))

    assert "Empresa:" not in text
    assert "## Preguntas frecuentes\n" not in text
    assert "## Reglas" not in text
    empty = {part: ([] if part in validators.LIST_PARTS else None) for part in validators.PROFILE_PARTS}
    assert rendering.render_profile(empty) == ""
    assert set(rendering.bot_field_values(empty).values()) == {""}


def test_each_part_has_its_own_bot_field_value_plus_the_whole_profile():
    values = rendering.bot_field_values(cleaned())

    assert set(values) == {f"ai:{part}" for part in validators.PROFILE_PARTS} | {"ai:profile"}
    assert values["ai:company_name"] == "ClickShop®"
    assert values["ai:post_sale_faq"] == "P: ¿Dónde está mi pedido?\nR: Te enviamos la guía por WhatsApp."
