"""Seed the Ecomdrop bot fields that receive the AI assistant profile, one per part.

The ids stay empty: each merchant's Ecomdrop account gets its own fields, found by name or
created by the sync. Staff can rename a field or pin an id in the admin without a release.
The names are a copy of assistant.services.DEFAULT_BOT_FIELDS as written (a migration does not
import application code).
"""

from django.db import migrations

AI_BOT_FIELDS = {
    "ai:agent_name": ("ia_nombre_agente", "Asistente IA: nombre del agente"),
    "ai:company_name": ("ia_nombre_empresa", "Asistente IA: nombre de la empresa"),
    "ai:company_description": ("ia_descripcion_empresa", "Asistente IA: descripción de la empresa"),
    "ai:payment_methods": ("ia_metodos_pago", "Asistente IA: métodos de pago"),
    "ai:company_policies": ("ia_politicas_empresa", "Asistente IA: políticas de la empresa"),
    "ai:faq": ("ia_preguntas_frecuentes", "Asistente IA: preguntas frecuentes"),
    "ai:post_sale_faq": ("ia_preguntas_post_venta", "Asistente IA: preguntas frecuentes post venta"),
    "ai:rules": ("ia_reglas", "Asistente IA: reglas"),
    "ai:notifications": ("ia_notificaciones", "Asistente IA: a quién notificar, por tipo"),
    "ai:profile": ("ia_perfil", "Asistente IA: el perfil completo, como texto para el prompt del agente"),
}


def seed(apps, schema_editor):
    bot_field = apps.get_model("shops", "EcomdropBotField")
    for key, (name, description) in AI_BOT_FIELDS.items():
        bot_field.objects.get_or_create(key=key, defaults={"field_id": "", "name": name, "description": description})


def unseed(apps, schema_editor):
    apps.get_model("shops", "EcomdropBotField").objects.filter(key__in=AI_BOT_FIELDS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assistant", "0002_ai_profile_sync_state"),
        ("shops", "0004_ecomdrop_bot_field_id_optional"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
