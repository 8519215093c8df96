from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from connector.admin_tools import ConsoleModelAdmin, shop_links
from connector.models import ShopifySession
from connector.secrets import secret_display
from connector.validators import parse_ascii_int

admin.site.site_header = "Ecomdrop IA Connector"
admin.site.site_title = "Ecomdrop IA Connector"
admin.site.index_title = _("Console")


@admin.register(ShopifySession)
class ShopifySessionAdmin(ConsoleModelAdmin):
    list_display = (
        "id",
        "shop_link",
        "is_online",
        "token_status",
        "expires",
        "refresh_token_expires",
        "reauthorization_required_at",
        "user_id",
        "updated_at",
    )
    list_filter = (
        "is_online",
        "account_owner",
        "collaborator",
        "expires",
        "refresh_token_expires",
        "reauthorization_required_at",
        "created_at",
    )
    # Indexed columns only (a number also matches the user id); names by their beginning, word by
    # word: "Ana Pér" finds Ana Pérez.
    search_fields = ("^shop", "^id", "=email", "^first_name", "^last_name")
    search_help_text = _(
        "Beginning of the shop domain or session id; exact staff e-mail or user id; or the beginning "
        "of a staff member's first or last name (“Ana Pér” finds Ana Pérez, “érez” does not)."
    )
    date_hierarchy = "created_at"
    ordering = ("shop", "id")
    # Set and cleared by the token services (refused refresh token / new token exchange).
    readonly_fields = ("related", "reauthorization_required_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("id", "shop", "related", "is_online", "state", "scope")}),
        (
            _("Tokens"),
            {
                "fields": (
                    "access_token",
                    "expires",
                    "refresh_token",
                    "refresh_token_expires",
                    "reauthorization_required_at",
                )
            },
        ),
        (
            _("Staff user (online sessions)"),
            {
                "classes": ("collapse",),
                "fields": (
                    "user_id",
                    "first_name",
                    "last_name",
                    "email",
                    "account_owner",
                    "locale",
                    "collaborator",
                    "email_verified",
                ),
            },
        ),
        (_("Timestamps"), {"fields": ("created_at", "updated_at")}),
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        user_id = parse_ascii_int(term, maximum=2**63 - 1)
        if user_id is not None:
            # An equality on the indexed integer column (a LIKE on it would read every row).
            results |= queryset.filter(user_id=user_id)
        return results, may_have_duplicates

    @admin.display(description=_("access token"))
    def token_status(self, obj: ShopifySession) -> str:
        return secret_display(obj.access_token)

    @admin.display(description=_("related"))
    def related(self, obj: ShopifySession) -> str:
        return shop_links(obj.shop) if obj.shop else "—"


# django-tasks and django-tasks-db mark these texts (the task table's names, columns and states)
# for translation but ship no catalogue: naming them here puts them in this project's, which
# makemessages builds from this project's code only.
TASK_TABLE_TEXTS = (
    _("Task Result"),
    _("Task Results"),
    _("status"),
    _("enqueued at"),
    _("started at"),
    _("finished at"),
    _("args kwargs"),
    _("priority"),
    _("task path"),
    _("worker id"),
    _("queue name"),
    _("backend name"),
    _("run after"),
    _("return value"),
    _("exception class path"),
    _("traceback"),
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
)

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    """django-tasks-db's read-only pages of the task queue, with every column name translated
    (the library's own columns are plain English strings)."""

    list_display = (
        "id",
        "task_function",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    @admin.display(description=_("task"), ordering="task_path")
    def task_function(self, obj: DBTaskResult[Any, Any]) -> str:
        # From the stored path: loading the task (the library's task_name) fails for a task that
        # was renamed since, and binds it to the current backend.
        return str(obj.task_path).rsplit(".", 1)[-1]

    @admin.display(description=_("traceback"))
    def formatted_traceback(self, obj: DBTaskResult[Any, Any]) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description=_("run after"))
    def display_run_after(self, obj: DBTaskResult[Any, Any]) -> datetime.datetime | str:
        return super().display_run_after(obj)
