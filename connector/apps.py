from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "connector"
    verbose_name = _("Shopify connection")

    def ready(self) -> None:
        from connector import checks, signals  # noqa: F401
