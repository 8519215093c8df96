from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from connector.admin_tools import ConsoleModelAdmin, LargeTablePaginator, shop_links
from connector.errors import ApplicationError
from connector.secrets import secret_display
from shops import services
from shops.models import DeliveryRules, EcomdropBotField, FlowDelivery, ShopConfiguration
from shops.services import deliveries
from shops.shared_accounts import (
    shared_ecomdrop_account_ids,
    shops_sharing_ecomdrop_account,
    with_account_shop_count,
)


class InstalledFilter(admin.SimpleListFilter):
    title = _("installation")
    parameter_name = "installed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Installed")), ("no", _("Uninstalled"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(uninstalled_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(uninstalled_at__isnull=False)
        return queryset


class SecretConfiguredFilter(admin.SimpleListFilter):
    """Filter on whether an encrypted column holds a value (without reading it)."""

    field_name = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Configured")), ("no", _("Not configured"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        missing = Q(**{f"{self.field_name}__isnull": True})
        if self.value() == "yes":
            return queryset.exclude(missing)
        if self.value() == "no":
            return queryset.filter(missing)
        return queryset


class EcomdropKeyFilter(SecretConfiguredFilter):
    title = _("Ecomdrop API key")
    parameter_name = "ecomdrop_key"
    field_name = "ecomdrop_api_key"


class DropiTokenFilter(SecretConfiguredFilter):
    title = _("Dropi token")
    parameter_name = "dropi_token"
    field_name = "dropi_token"


class SharedEcomdropAccountFilter(admin.SimpleListFilter):
    """Shops whose Ecomdrop account other installed shops use too (they share its Dropi token and
    AI profile bot fields), or not; sorted by account, the groups sit together."""

    title = _("Ecomdrop account")
    parameter_name = "ecomdrop_account"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("shared", _("Shared with other shops")), ("single", _("Not shared"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        shared = Q(ecomdrop_account_id__in=list(shared_ecomdrop_account_ids()))
        if self.value() == "shared":
            return queryset.filter(shared, uninstalled_at__isnull=True, ecomdrop_api_key__isnull=False).order_by(
                "ecomdrop_account_id", "shop"
            )
        if self.value() == "single":
            return queryset.exclude(shared)
        return queryset


@admin.register(ShopConfiguration)
class ShopConfigurationAdmin(ConsoleModelAdmin):
    # Few enough columns to fit a 1280 px screen beside the navigation and the filters; the
    # links to the shop's other rows are on the change page.
    list_display = ("shop", "ecomdrop_summary", "dropi_summary", "installed_state", "updated")
    list_filter = (
        InstalledFilter,
        EcomdropKeyFilter,
        SharedEcomdropAccountFilter,
        DropiTokenFilter,
        "dropi_country",
        "created_at",
        "updated_at",
    )
    search_fields = (
        "shop",
        "dropi_store_name",
        "=nuevo_pedido_flow_id",
        "=carrito_abandonado_flow_id",
        "=ecomdrop_account_id",
    )
    date_hierarchy = "created_at"
    ordering = ("-id",)
    readonly_fields = (
        "ecomdrop_account_id",
        "shared_with",
        "flows_to_choose_again",
        "callback_secret_status",
        "installed_at",
        "uninstalled_at",
        "created_at",
        "updated_at",
        "related",
    )
    fieldsets = (
        (None, {"fields": ("shop", "related")}),
        (
            _("Ecomdrop"),
            {
                "fields": (
                    "ecomdrop_api_key",
                    "ecomdrop_account_name",
                    "ecomdrop_account_id",
                    "shared_with",
                    "nuevo_pedido_flow_id",
                    "carrito_abandonado_flow_id",
                    "flows_to_choose_again",
                    "abandoned_cart_delay_minutes",
                    "ecomdrop_field_names",
                )
            },
        ),
        (_("Dropi"), {"fields": ("dropi_store_name", "dropi_country", "dropi_token")}),
        (_("Ecomdrop callback"), {"fields": ("callback_secret_status",)}),
        (_("Lifecycle"), {"fields": ("installed_at", "uninstalled_at", "created_at", "updated_at")}),
    )
    actions = [*ConsoleModelAdmin.actions, "rotate_callback_secret"]

    def get_urls(self) -> list[Any]:
        urls = [
            path(
                "by-shop/<str:shop>/",
                self.admin_site.admin_view(self.by_shop_view),
                name="shops_shopconfiguration_by_shop",
            )
        ]
        return urls + super().get_urls()

    def by_shop_view(self, request: HttpRequest, shop: str) -> HttpResponseRedirect:
        """Open the configuration of ``shop`` (or the add form, pre-filled, when it has none)."""
        configuration = ShopConfiguration.objects.filter(shop=shop).only("pk").first()
        if configuration is not None:
            return HttpResponseRedirect(reverse("admin:shops_shopconfiguration_change", args=[configuration.pk]))
        return HttpResponseRedirect(reverse("admin:shops_shopconfiguration_add") + "?" + urlencode({"shop": shop}))

    @admin.display(description=_("Ecomdrop"))
    def ecomdrop_summary(self, obj: ShopConfiguration) -> str:
        chosen = len([flow for flow in (obj.nuevo_pedido_flow_id, obj.carrito_abandonado_flow_id) if flow])
        summary = format_html(
            "{}<br>{}", secret_display(obj.ecomdrop_api_key), _("flows %(chosen)d/2") % {"chosen": chosen}
        )
        if (getattr(obj, "account_shop_count", None) or 0) > 1 and obj.ecomdrop_api_key and obj.is_installed:
            return format_html("{}<br>⚠ {}", summary, self._account_link(obj.ecomdrop_account_id))
        return summary

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The list's "shared" marks come with the rows (a subquery), not one query per row.
        return with_account_shop_count(super().get_queryset(request))

    def _account_link(self, account_id: str) -> str:
        url = reverse("admin:shops_shopconfiguration_changelist") + "?" + urlencode({"q": account_id})
        return format_html('<a href="{}">{}</a>', url, _("shared Ecomdrop account"))

    @admin.display(description=_("shops on the same Ecomdrop account"))
    def shared_with(self, obj: ShopConfiguration) -> str:
        others = shops_sharing_ecomdrop_account(configuration=obj)
        if not others:
            return "—"
        return format_html(
            "{}<br><small>{} · {}</small>",
            ", ".join(others),
            _("They share the account's Dropi token and AI profile bot fields: the last to save wins."),
            self._account_link(obj.ecomdrop_account_id),
        )

    @admin.display(description=_("Dropi"), ordering="dropi_store_name")
    def dropi_summary(self, obj: ShopConfiguration) -> str:
        return format_html("{}<br>{}", obj.dropi_store_name or "—", obj.get_dropi_country_display() or "—")

    @admin.display(description=_("updated at"), ordering="updated_at")
    def updated(self, obj: ShopConfiguration) -> str:
        # The short format ("06/12/2026 16:12"): the long one takes a third of the list's width.
        return date_format(localtime(obj.updated_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("flows to choose again"))
    def flows_to_choose_again(self, obj: ShopConfiguration) -> str:
        """The flag, with the reason only when it is set (the field's help text reads as if it always were)."""
        if not obj.ecomdrop_flows_cleared:
            return display_for_value(False, "", boolean=True)
        return format_html(
            "{} {}",
            display_for_value(True, "", boolean=True),
            _("The flows were removed because a key of another Ecomdrop account was connected."),
        )

    @admin.display(description=_("installed"), boolean=True)
    def installed_state(self, obj: ShopConfiguration) -> bool:
        return obj.is_installed

    @admin.display(description=_("callback secret"))
    def callback_secret_status(self, obj: ShopConfiguration) -> str:
        if obj.pk is None:
            return _("Generated when the configuration is saved.")
        return format_html(
            "{}<br><small>{}</small>",
            secret_display(obj.callback_secret),
            _("Use the action “Rotate callback secret” to replace it; the merchant sees it in the app."),
        )

    @admin.display(description=_("related"))
    def related(self, obj: ShopConfiguration) -> str:
        if not obj.shop:
            return "—"
        return shop_links(obj.shop, include_configuration=False)

    def save_model(self, request: HttpRequest, obj: ShopConfiguration, form: Any, change: bool) -> None:
        services.shop_configuration_ensure_callback_secret(configuration=obj)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Rotate callback secret"), permissions=["change"])
    def rotate_callback_secret(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for configuration in queryset:
            services.shop_configuration_rotate_callback_secret(configuration=configuration)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Rotated the callback secret of %(count)d shop.",
                "Rotated the callback secrets of %(count)d shops.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(EcomdropBotField)
class EcomdropBotFieldAdmin(ConsoleModelAdmin):
    list_display = ("key", "field_id", "name", "description", "updated_at")
    search_fields = ("key", "field_id", "name")
    ordering = ("key",)


@admin.register(FlowDelivery)
class FlowDeliveryAdmin(ConsoleModelAdmin):
    list_display = (
        "id",
        "shop_link",
        "kind",
        "order_name",
        "state",
        "skip_reason",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "callback_status",
        "created_at",
    )
    list_filter = ("state", "kind", "skip_reason", "callback_status", "created_at", "sent_at")
    search_fields = ("^shop", "=order_name", "=shopify_object_id", "=checkout_token", "=contact_id")
    search_help_text = _("Shop domain (or its beginning), order name (#1014), order id, checkout token or contact id.")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    sortable_by = ("id", "created_at")
    paginator = LargeTablePaginator
    renamed_filters = {"status": "state"}
    readonly_fields = (
        "shop",
        "kind",
        "shopify_object_id",
        "order_name",
        "checkout_token",
        "customer_id",
        "phone_status",
        "email_status",
        "contact",
        "fields",
        "flow_id",
        "contact_id",
        "state",
        "skip_reason",
        "reason_detail",
        "hold_reason",
        "guards_bypassed",
        "facts",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
        "callback_status",
        "callback_tags",
        "callback_received_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {"fields": ("shop", "kind", "shopify_object_id", "order_name", "checkout_token", "state", "skip_reason")},
        ),
        (_("Rules"), {"fields": ("reason_detail", "hold_reason", "guards_bypassed", "facts")}),
        (_("Buyer"), {"fields": ("customer_id", "phone_status", "email_status", "contact", "fields")}),
        (_("Ecomdrop"), {"fields": ("flow_id", "contact_id", "attempts", "next_attempt_at", "last_error", "sent_at")}),
        (_("Callback"), {"fields": ("callback_status", "callback_tags", "callback_received_at")}),
        (_("Timestamps"), {"fields": ("created_at", "updated_at")}),
    )
    actions = [*ConsoleModelAdmin.actions, "resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("phone"))
    def phone_status(self, obj: FlowDelivery) -> str:
        return secret_display(obj.phone)

    @admin.display(description=_("email"))
    def email_status(self, obj: FlowDelivery) -> str:
        return secret_display(obj.email)

    @admin.action(description=_("Resend (failed, skipped or unconfirmed)"), permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet) -> None:
        resent = refused = 0
        for delivery in queryset.filter(state__in=deliveries.RESENDABLE):
            try:
                deliveries.flow_delivery_resend(delivery=delivery)
                resent += 1
            except ApplicationError:
                refused += 1
        refused += queryset.exclude(state__in=deliveries.RESENDABLE).count()
        self.message_user(
            request,
            _("Queued %(resent)d delivery(ies) again; %(refused)d could not be resent (already sent or in progress).")
            % {"resent": resent, "refused": refused},
            messages.SUCCESS if resent else messages.WARNING,
        )


@admin.register(DeliveryRules)
class DeliveryRulesAdmin(ConsoleModelAdmin):
    list_display = ("shop", "cart_source", "quiet_hours_enabled", "duplicate_window_minutes", "updated_at")
    list_filter = ("cart_source", "quiet_hours_enabled")
    search_fields = ("^shop",)
    ordering = ("-id",)


# The Dropi orders', the shipping write-back's and the status sync's admins live in their own
# modules; importing them registers them.
from shops import admin_dropi, admin_shipping, admin_tracking  # noqa: E402, F401
