from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "connector"
    verbose_name = _("Shopify connection")

    def ready(self) -> None:
        from connector import checks, maintenance, privacy, signals, webhook_registry  # noqa: F401

        # Every app's webhook_handlers.py, personal_data.py and maintenance.py register themselves.
        webhook_registry.autodiscover()
        privacy.autodiscover()
        maintenance.autodiscover()
