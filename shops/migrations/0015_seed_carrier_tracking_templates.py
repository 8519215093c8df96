"""Seed the carriers' tracking pages (shops.CarrierTrackingTemplate). Every address is
unverified (from the carriers' public sites, not checked against a real guía); staff correct
them in the admin and tick "checked with the carrier"."""

from django.db import migrations

# (name, normalised key, URL template with {guia})
CARRIERS = [
    ("Servientrega", "SERVIENTREGA", "https://www.servientrega.com/wps/portal/rastreo-envio/detalle?id={guia}"),
    ("Coordinadora", "COORDINADORA", "https://coordinadora.com/rastreo/rastreo-de-guia/detalle-de-rastreo-de-guia/?guia={guia}"),
    ("Interrapidísimo", "INTERRAPIDISIMO", "https://www.interrapidisimo.com/sigue-tu-envio/?guia={guia}"),
    ("Envía", "ENVIA", "https://envia.co/rastreo?guia={guia}"),
    ("TCC", "TCC", "https://tcc.com.co/courier/mensajeria/rastrear-envio/?guia={guia}"),
    ("Domina", "DOMINA", "https://www.domina.com.co/rastreo?guia={guia}"),
    ("99 Minutos", "99MINUTOS", "https://tracking.99minutos.com/search/{guia}"),
    ("Deprisa", "DEPRISA", "https://www.deprisa.com/rastreo?guia={guia}"),
]


def seed(apps, schema_editor):
    template = apps.get_model("shops", "CarrierTrackingTemplate")
    for name, key, url in CARRIERS:
        template.objects.get_or_create(
            key=key, defaults={"name": name, "url_template": url, "verified": False, "note": "unverified"}
        )


def unseed(apps, schema_editor):
    apps.get_model("shops", "CarrierTrackingTemplate").objects.filter(key__in=[key for _n, key, _u in CARRIERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("shops", "0014_shipping_writeback")]

    operations = [migrations.RunPython(seed, unseed)]
