"""Seed the Ecomdrop bot fields that receive the Dropi token, one per country.

The ids come from the old app (reference/platforms.md, "Known data"); staff can change them in
the admin without a release.
"""

from django.db import migrations

DROPI_TOKEN_FIELDS = {
    "CO": "640597",
    "EC": "805359",
    "CL": "665134",
    "GT": "747995",
    "MX": "641097",
    "PA": "742965",
    "PE": "142979",
    "PY": "240677",
}


def seed(apps, schema_editor):
    bot_field = apps.get_model("shops", "EcomdropBotField")
    for country, field_id in DROPI_TOKEN_FIELDS.items():
        bot_field.objects.get_or_create(
            key=f"dropi_token:{country}",
            defaults={"field_id": field_id, "name": f"Dropi token {country}", "description": "Dropi integration token"},
        )


def unseed(apps, schema_editor):
    apps.get_model("shops", "EcomdropBotField").objects.filter(key__startswith="dropi_token:").delete()


class Migration(migrations.Migration):
    dependencies = [("shops", "0002_ecomdrop_automation")]

    operations = [migrations.RunPython(seed, unseed)]
