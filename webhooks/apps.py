from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from webhooks import privacy, registry

        # Every app's webhook_handlers.py and personal_data.py register themselves.
        registry.autodiscover()
        privacy.autodiscover()
