from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

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
