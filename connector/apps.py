from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "connector"
    verbose_name = _("Shopify connection")

    def ready(self) -> None:
        from connector import checks, privacy, signals, webhook_registry  # noqa: F401  (registers checks and receivers)

        # Every app's webhook_handlers.py and personal_data.py register themselves.
        webhook_registry.autodiscover()
        privacy.autodiscover()
