"""The Dropi status sync's tables (the status map and each shop's sync), and the status map
seeded with the words public Dropi integrations show (reference/platforms.md › Dropi orders;
unverified: staff correct or add words in the admin, Dropi status words, without a release).
Words are stored normalised: upper case, no accents, ``_`` as a space."""

import connector.validators
import django.core.validators
from django.db import migrations, models

# word: (stage, note)
STATUS_WORDS = {
    "PENDIENTE CONFIRMACION": ("pending", "Created, waiting for confirmation."),
    "PENDIENTE": ("pending", ""),
    "GUIA GENERADA": ("guide_generated", "Seen as GUIA_GENERADA."),
    "EN PROCESAMIENTO": ("guide_generated", "Being prepared after the guide (unverified)."),
    "EN BODEGA": ("in_transit", "At the carrier's warehouse (unverified)."),
    "EN TRANSPORTE": ("in_transit", ""),
    "EN REPARTO": ("out_for_delivery", ""),
    "NOVEDAD": ("incident", "The carrier reports a problem: the merchant should act."),
    "ENTREGADO": ("delivered", "Terminal."),
    "CANCELADO": ("cancelled", "Terminal."),
    "DEVOLUCION": ("returned", "Terminal."),
    "DEVUELTO": ("returned", "Terminal."),
}


def seed_status_words(apps, schema_editor):
    word_model = apps.get_model("shops", "DropiStatusWord")
    for word, (stage, note) in STATUS_WORDS.items():
        word_model.objects.update_or_create(word=word, defaults={"stage": stage, "note": note})


def remove_status_words(apps, schema_editor):
    apps.get_model("shops", "DropiStatusWord").objects.filter(word__in=list(STATUS_WORDS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shops", "0015_seed_carrier_tracking_templates"),
    ]

    operations = [
        migrations.CreateModel(
            name="DropiStatusWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=64, unique=True, verbose_name="Dropi status")),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("guide_generated", "Guide generated"),
                            ("in_transit", "In transit"),
                            ("out_for_delivery", "Out for delivery"),
                            ("incident", "Incident (novedad)"),
                            ("delivered", "Delivered"),
                            ("returned", "Returned"),
                            ("cancelled", "Cancelled"),
                            ("other", "Other"),
                        ],
                        max_length=20,
                        verbose_name="shipping stage",
                    ),
                ),
                ("note", models.CharField(blank=True, default="", max_length=255, verbose_name="note")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "Dropi status word",
                "verbose_name_plural": "Dropi status words",
                "db_table": "shops_dropi_status_word",
                "ordering": ("word",),
            },
        ),
        migrations.CreateModel(
            name="DropiTrackingSync",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="next attempt at")),
                (
                    "lease_owner",
                    models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="lease owner"),
                ),
                (
                    "lease_until",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="lease until"),
                ),
                ("task_id", models.UUIDField(blank=True, editable=False, null=True, verbose_name="task id")),
                ("last_error", models.TextField(blank=True, default="", verbose_name="last error")),
                (
                    "shop",
                    models.CharField(
                        help_text="Shop domain, e.g. example.myshopify.com",
                        max_length=255,
                        unique=True,
                        validators=[connector.validators.validate_shop_domain],
                        verbose_name="shop",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("waiting", "Scheduled"), ("running", "Running"), ("off", "Off")],
                        default="waiting",
                        max_length=20,
                        verbose_name="state",
                    ),
                ),
                (
                    "interval_minutes",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Empty: DROPI_TRACKING_INTERVAL_MINUTES.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(1440),
                        ],
                        verbose_name="interval (minutes)",
                    ),
                ),
                ("synced_until", models.DateTimeField(blank=True, null=True, verbose_name="synced until")),
                ("requested_at", models.DateTimeField(blank=True, null=True, verbose_name="sync requested at")),
                ("last_started_at", models.DateTimeField(blank=True, null=True, verbose_name="last run started at")),
                ("last_finished_at", models.DateTimeField(blank=True, null=True, verbose_name="last run finished at")),
                ("last_result", models.CharField(blank=True, default="", max_length=32, verbose_name="last result")),
                ("last_window_from", models.DateField(blank=True, null=True, verbose_name="last window from")),
                ("last_window_until", models.DateField(blank=True, null=True, verbose_name="last window until")),
                ("last_calls", models.PositiveIntegerField(default=0, verbose_name="Dropi calls in the last run")),
                (
                    "last_orders_read",
                    models.PositiveIntegerField(default=0, verbose_name="orders read in the last run"),
                ),
                (
                    "last_orders_changed",
                    models.PositiveIntegerField(default=0, verbose_name="orders changed in the last run"),
                ),
                (
                    "last_orders_unmatched",
                    models.PositiveIntegerField(default=0, verbose_name="orders without a Shopify order"),
                ),
            ],
            options={
                "verbose_name": "Dropi status sync",
                "verbose_name_plural": "Dropi status syncs",
                "db_table": "shops_dropi_tracking_sync",
                "ordering": ("shop",),
                "indexes": [models.Index(fields=["state", "next_attempt_at"], name="tracking_sync_due_idx")],
            },
        ),
        migrations.RunPython(seed_status_words, remove_status_words),
    ]
