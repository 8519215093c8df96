from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from assistant.models import AIConfiguration
from connector.admin_tools import ConsoleModelAdmin, shop_links


class PrettyJSONField(forms.JSONField):
    """JSON shown indented, with accents and emoji as they are."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)


@admin.register(AIConfiguration)
class AIConfigurationAdmin(ConsoleModelAdmin):
    list_display = ("shop_link", "agent_name", "company_name", "sync_status", "synced_at", "updated_at")
    list_filter = ("sync_status", "synced_at", "updated_at", "created_at")
    search_fields = ("shop", "agent_name", "company_name")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    readonly_fields = ("related", "sync_status", "synced_at", "last_sync_error", "created_at", "updated_at")
    formfield_overrides = {
        models.JSONField: {"form_class": PrettyJSONField, "widget": forms.Textarea(attrs={"rows": 8, "cols": 80})}
    }
    fieldsets = (
        (None, {"fields": ("shop", "related")}),
        (_("Basic information"), {"fields": ("agent_name", "company_name", "company_description")}),
        (_("Payment methods and policies"), {"fields": ("payment_methods", "company_policies")}),
        (_("Questions and rules"), {"fields": ("faq", "post_sale_faq", "rules")}),
        (_("Notifications"), {"fields": ("notifications",)}),
        (_("Sync to Ecomdrop"), {"fields": ("sync_status", "synced_at", "last_sync_error")}),
        (_("Timestamps"), {"fields": ("created_at", "updated_at")}),
    )

    def get_urls(self) -> list[Any]:
        urls = [
            path(
                "by-shop/<str:shop>/",
                self.admin_site.admin_view(self.by_shop_view),
                name="assistant_aiconfiguration_by_shop",
            )
        ]
        return urls + super().get_urls()

    def by_shop_view(self, request: HttpRequest, shop: str) -> HttpResponseRedirect:
        """Open the AI configuration of ``shop`` (or the add form, pre-filled)."""
        configuration = AIConfiguration.objects.filter(shop=shop).only("pk").first()
        if configuration is not None:
            return HttpResponseRedirect(reverse("admin:assistant_aiconfiguration_change", args=[configuration.pk]))
        return HttpResponseRedirect(reverse("admin:assistant_aiconfiguration_add") + "?" + urlencode({"shop": shop}))

    @admin.display(description=_("related"))
    def related(self, obj: AIConfiguration) -> str:
        return shop_links(obj.shop) if obj.shop else "—"
