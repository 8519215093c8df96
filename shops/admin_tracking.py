"""Admin of the Dropi status sync: the status map staff keep (Dropi's status words → shipping
stage) and each shop's sync (its schedule, window and last result; only its interval is
editable; "Sync now" queues a run as the merchant's button does).

Registered by ``shops.admin`` (imported there, so Django's admin discovery finds it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from connector.admin_tools import ConsoleModelAdmin
from connector.errors import ApplicationError
from shops.models import DropiStatusWord, DropiTrackingSync
from shops.services.dropi_status_map import status_word_normalise
from shops.services.tracking_status import tracking_sync_request


@admin.register(DropiStatusWord)
class DropiStatusWordAdmin(ConsoleModelAdmin):
    list_display = ("word", "stage", "note", "updated_at")
    list_filter = ("stage",)
    search_fields = ("word",)
    ordering = ("word",)

    def save_model(self, request: HttpRequest, obj: DropiStatusWord, form: ModelForm[Any], change: bool) -> None:
        obj.word = status_word_normalise(obj.word)  # "Guía_generada" and "GUIA GENERADA" are one word
        super().save_model(request, obj, form, change)


@admin.register(DropiTrackingSync)
class DropiTrackingSyncAdmin(ConsoleModelAdmin):
    list_display = (
        "shop",
        "state",
        "last_result",
        "last_started_at",
        "next_attempt_at",
        "interval_minutes",
        "last_calls",
        "last_orders_read",
        "last_orders_changed",
        "last_orders_unmatched",
    )
    list_filter = ("state", "last_result")
    search_fields = ("^shop",)
    ordering = ("shop",)
    actions = [*ConsoleModelAdmin.actions, "sync_now"]

    readonly_fields = (
        "shop",
        "state",
        "last_result",
        "last_error",
        "last_started_at",
        "last_finished_at",
        "next_attempt_at",
        "synced_until",
        "last_window_from",
        "last_window_until",
        "last_calls",
        "last_orders_read",
        "last_orders_changed",
        "last_orders_unmatched",
        "attempts",
    )
    fields = ("interval_minutes", *readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Sync now"), permissions=["change"])
    def sync_now(self, request: HttpRequest, queryset: QuerySet[DropiTrackingSync]) -> None:
        queued = refused = 0
        for sync in queryset:
            try:
                queued += tracking_sync_request(shop=sync.shop)
            except ApplicationError:
                refused += 1
        self.message_user(
            request,
            _("Queued %(queued)d sync(s); %(refused)d could not run now.") % {"queued": queued, "refused": refused},
            messages.SUCCESS if queued else messages.WARNING,
        )
