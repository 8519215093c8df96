from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from assistant import rendering, selectors, services, validators
from assistant.models import AIConfiguration
from connector.admin_tools import ConsoleModelAdmin, shop_links
from connector.errors import ApplicationError


class PrettyJSONField(forms.JSONField):
    """JSON shown indented, with accents and emoji as they are."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)


class AIConfigurationForm(forms.ModelForm):
    """The model's validators check each part; this adds the rules about the whole profile."""

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.errors or cleaned is None:
            return cleaned
        profile = {part: cleaned.get(part) for part in validators.PROFILE_PARTS}
        try:
            services.ai_profile_clean(data=profile)
        except services.ProfileInvalid as error:
            for problem in error.errors:
                if problem.field not in validators.PROFILE_PARTS:  # each part is checked by its own validators
                    self.add_error(None, problem.validation_error())
        return cleaned


@admin.register(AIConfiguration)
class AIConfigurationAdmin(ConsoleModelAdmin):
    form = AIConfigurationForm
    list_display = (
        "shop_link",
        "agent_name",
        "company_name",
        "state",
        "synced_at",
        "revision",
        "synced_revision",
        "updated_at",
    )
    list_filter = ("state", "synced_at", "updated_at", "created_at")
    search_fields = ("shop", "agent_name", "company_name")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    renamed_filters = {"sync_status": "state"}
    readonly_fields = (
        "related",
        "state",
        "sync_problem",
        "synced_at",
        "revision",
        "synced_revision",
        "attempts",
        "next_attempt_at",
        "last_error",
        "ecomdrop_field_ids",
        "profile_text",
        "created_at",
        "updated_at",
    )
    actions = [*ConsoleModelAdmin.actions, "resync"]
    formfield_overrides = {
        models.JSONField: {"form_class": PrettyJSONField, "widget": forms.Textarea(attrs={"rows": 8, "cols": 80})}
    }
    fieldsets = (
        (None, {"fields": ("shop", "related")}),
        (_("Basic information"), {"fields": ("agent_name", "company_name", "company_description")}),
        (_("Payment methods and policies"), {"fields": ("payment_methods", "company_policies")}),
        (_("Questions and rules"), {"fields": ("faq", "post_sale_faq", "rules")}),
        (_("Notifications"), {"fields": ("notifications",)}),
        (
            _("Sync to Ecomdrop"),
            {
                "fields": (
                    "state",
                    "sync_problem",
                    "synced_at",
                    "revision",
                    "synced_revision",
                    "attempts",
                    "next_attempt_at",
                    "last_error",
                    "ecomdrop_field_ids",
                )
            },
        ),
        (_("What the agent reads"), {"fields": ("profile_text",), "classes": ("collapse",)}),
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

    @admin.display(description=_("problem"))
    def sync_problem(self, obj: AIConfiguration) -> str:
        if obj.pk is None:
            return "—"
        return selectors.ai_profile_sync_problem(configuration=obj) or "—"

    @admin.display(description=_("profile as text (field ia_perfil)"))
    def profile_text(self, obj: AIConfiguration) -> str:
        if obj.pk is None:
            return "—"
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', rendering.render_profile(obj.profile()))

    def save_model(self, request: HttpRequest, obj: AIConfiguration, form: Any, change: bool) -> None:
        """Save through the service: a new revision, normalised lists and a sync to Ecomdrop."""
        services.ai_configuration_save(configuration=obj)

    @admin.action(description=_("Sync to Ecomdrop again"), permissions=["change"])
    def resync(self, request: HttpRequest, queryset: QuerySet) -> None:
        queued = refused = 0
        for configuration in queryset:
            try:
                services.ai_profile_sync_request(configuration=configuration)
                queued += 1
            except ApplicationError:
                refused += 1
        self.message_user(
            request,
            _("Sync queued for %(queued)d profile(s); %(refused)d skipped (the shop has no Ecomdrop key).")
            % {"queued": queued, "refused": refused},
            messages.SUCCESS if queued else messages.WARNING,
        )
