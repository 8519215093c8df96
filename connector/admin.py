from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from connector.admin_tools import ConsoleModelAdmin, shop_links
from connector.models import ShopifySession
from connector.secrets import secret_display

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
        "user_id",
        "updated_at",
    )
    list_filter = ("is_online", "account_owner", "collaborator", "expires", "refresh_token_expires", "created_at")
    search_fields = ("^shop", "^id", "=email", "=user_id")
    date_hierarchy = "created_at"
    ordering = ("shop", "id")
    readonly_fields = ("related", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("id", "shop", "related", "is_online", "state", "scope")}),
        (_("Tokens"), {"fields": ("access_token", "expires", "refresh_token", "refresh_token_expires")}),
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

    @admin.display(description=_("access token"))
    def token_status(self, obj: ShopifySession) -> str:
        return secret_display(obj.access_token)

    @admin.display(description=_("related"))
    def related(self, obj: ShopifySession) -> str:
        return shop_links(obj.shop) if obj.shop else "—"
