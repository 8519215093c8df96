from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assistant"
    verbose_name = _("AI assistant")

    def ready(self) -> None:
        from assistant import signals  # noqa: F401
