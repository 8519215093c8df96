from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from connector.admin_tools import ConsoleModelAdmin
from themes import services
from themes.models import ThemeArchive, ThemeInstall


@admin.register(ThemeInstall)
class ThemeInstallAdmin(ConsoleModelAdmin):
    """Every install request of every shop: read-only history written by the install task."""

    list_display = ("id", "shop_link", "state", "short_version", "theme_id", "error_code", "created_at", "finished_at")
    list_filter = ("state", "error_code", "created_at")
    search_fields = ("shop", "=theme_id")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    list_select_related = ("archive",)
    actions = [*ConsoleModelAdmin.actions, "abandon"]
    fieldsets = (
        (None, {"fields": ("shop", "state", "theme_name", "archive", "version")}),
        (_("Shopify"), {"fields": ("theme_id", "theme_role", "submitted_at", "polls")}),
        (_("Outcome"), {"fields": ("error_code", "error_detail", "attempts", "finished_at")}),
        (
            _("Worker"),
            {"classes": ("collapse",), "fields": ("next_attempt_at", "lease_until", "lease_owner", "last_error")},
        ),
        (_("Audit"), {"fields": ("requested_by_user_id", "created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.concrete_fields if field.editable] + [
            "lease_until",
            "lease_owner",
            "created_at",
            "updated_at",
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("version"), ordering="version")
    def short_version(self, obj: ThemeInstall) -> str:
        return obj.version.strip('"')[:12] or "—"

    @admin.action(description=_("Stop selected running installs (mark them failed)"), permissions=["change"])
    def abandon(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = sum(services.theme_install_abandon(install=install) for install in queryset)
        self.message_user(
            request,
            ngettext("Stopped %(count)d install.", "Stopped %(count)d installs.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ThemeArchive)
class ThemeArchiveAdmin(ConsoleModelAdmin):
    """The cached theme versions (one file per version, shared by every shop)."""

    list_display = ("id", "source_label", "short_version", "human_size", "files_count", "created_at")
    list_filter = ("source_key", "created_at")
    search_fields = ("=version", "=sha256")
    ordering = ("-id",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.concrete_fields if field.editable] + [
            "created_at",
            "updated_at",
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("version"), ordering="version")
    def short_version(self, obj: ThemeArchive) -> str:
        return obj.short_version

    @admin.display(description=_("size"), ordering="size")
    def human_size(self, obj: ThemeArchive) -> str:
        return filesizeformat(obj.size)
