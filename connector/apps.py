from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class ConnectorConfig(AppConfig):
    # The app's configuration among the two of this module (and the imported TasksAppConfig).
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "connector"
    verbose_name = _("Shopify connection")

    def ready(self) -> None:
        from connector import checks, signals  # noqa: F401


class TasksDatabaseConfig(TasksAppConfig):
    """django-tasks-db (the task queue's table) with a name the admin console translates: the
    library's own, "Tasks Database Backend", is English only."""

    # The library's class sets a plain str, so mypy takes that as the type; Django's
    # AppConfig.verbose_name is any string, lazy ones included.
    verbose_name = _("Background tasks")  # type: ignore[assignment]
