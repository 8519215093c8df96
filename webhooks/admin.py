"""The webhook inbox in the admin console: events (retry, ignore) and customer data exports.

Owns: how staff browse, search and act on the inbox on tables of millions of rows (no
payloads on the list, bulk actions in batches), and download a customer's data export.
Must not hold business rules: actions call webhooks.services.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from connector.admin_tools import ConsoleModelAdmin, LargeTablePaginator, ShopTextFilter, shop_links
from connector.shopify.webhooks import COMPLIANCE_TOPICS, SUBSCRIBED_TOPICS
from connector.validators import is_ascii_digits, parse_ascii_int
from webhooks import registry as webhook_registry
from webhooks import services
from webhooks.models import CustomerDataExport, WebhookEvent
from webhooks.privacy import mask_personal_data


class WebhookTopicFilter(admin.SimpleListFilter):
    """Known topics without a query (SELECT DISTINCT over millions of rows is not cheap)."""

    title = _("topic")
    parameter_name = "topic"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        topics = set(webhook_registry.registered_topics()) | set(SUBSCRIBED_TOPICS) | set(COMPLIANCE_TOPICS)
        selected = self.value()
        if selected:
            topics.add(selected)
        return [(topic, topic) for topic in sorted(topics)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(topic=self.value()) if self.value() else queryset


def json_document(value: Any) -> str:
    return format_html(
        '<pre class="json-document">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)
    )


# Bulk actions act on at most this many rows per click (a select-all on millions of rows
# must not hold one request open for minutes); the message says when more remain.
ACTION_LIMIT = 5000
ACTION_BATCH = 500


def _selected_ids(queryset: QuerySet[Any]) -> tuple[list[int], bool]:
    ids = list(queryset.values_list("pk", flat=True)[: ACTION_LIMIT + 1])
    return ids[:ACTION_LIMIT], len(ids) > ACTION_LIMIT


def _in_batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), ACTION_BATCH):
        yield ids[start : start + ACTION_BATCH]


class WebhookEventChangeList(ChangeList):
    """The inbox list: rows without payload (up to 2 MB each) and error texts, which only the
    event page shows."""

    deferred_fields = ("payload", "last_error", "attempt_errors")

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet[Any]:
        return super().get_queryset(request, exclude_parameters).defer(*self.deferred_fields)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ConsoleModelAdmin):
    list_display = ("id", "topic", "shop_link", "state", "attempts", "created_at", "next_attempt_at")
    list_filter = ("state", WebhookTopicFilter, ShopTextFilter, "created_at")
    # Only indexed columns: each term is an index look-up on millions of rows.
    search_fields = ("^shop", "=event_id", "=webhook_id")
    search_help_text = _("Shop domain (or its beginning), event id, webhook id, task id or the event's number.")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    sortable_by = ("id", "created_at")
    paginator = LargeTablePaginator
    renamed_filters = {"status": "state"}
    actions = ["retry_events", "ignore_events"]
    fieldsets = (
        (None, {"fields": ("topic", "shop", "related", "state", "attempts", "next_attempt_at", "processed_at")}),
        (
            _("Delivery"),
            {"fields": ("event_id", "webhook_id", "api_version", "triggered_at", "created_at", "updated_at")},
        ),
        (_("Errors"), {"fields": ("last_error", "attempt_error_list")}),
        (_("Worker"), {"classes": ("collapse",), "fields": ("lease_until", "lease_owner", "task")}),
        (_("Payload (personal data masked)"), {"fields": ("masked_payload",)}),
    )
    readonly_fields = (
        "topic",
        "shop",
        "related",
        "state",
        "attempts",
        "next_attempt_at",
        "processed_at",
        "event_id",
        "webhook_id",
        "api_version",
        "triggered_at",
        "created_at",
        "updated_at",
        "last_error",
        "attempt_error_list",
        "lease_until",
        "lease_owner",
        "task",
        "masked_payload",
    )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return WebhookEventChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        # Events are read-only; "change" on the list is what the retry/ignore actions need.
        return obj is None and super().has_change_permission(request)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        # Deleting goes through `manage.py prune_webhook_events` (batched), not one request.
        actions.pop("delete_selected", None)
        return actions

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if is_ascii_digits(term):
            event_pk = parse_ascii_int(term, maximum=2**63 - 1)
            if event_pk is not None:
                results |= queryset.filter(pk=event_pk)
        else:
            try:
                task_id = uuid.UUID(term)
            except ValueError:
                task_id = None
            if task_id is not None:
                results |= queryset.filter(task_id=task_id)  # a task id pasted from the task list
        return results, may_have_duplicates

    @admin.display(description=_("related"))
    def related(self, obj: WebhookEvent) -> str:
        return shop_links(obj.shop)

    @admin.display(description=_("payload"))
    def masked_payload(self, obj: WebhookEvent) -> str:
        return json_document(mask_personal_data(obj.payload))

    @admin.display(description=_("errors of every attempt"))
    def attempt_error_list(self, obj: WebhookEvent) -> str:
        entries = [entry for entry in obj.attempt_errors or [] if isinstance(entry, dict)]
        if not entries:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    entry.get("attempt", ""),
                    entry.get("at", ""),
                    _("yes") if entry.get("retryable") else _("no"),
                    entry.get("error", ""),
                )
                for entry in entries
            ),
        )
        return format_html(
            '<table class="attempt-errors"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>',
            _("attempt"),
            _("at"),
            _("retryable"),
            _("error"),
            rows,
        )

    @admin.display(description=_("task"))
    def task(self, obj: WebhookEvent) -> str:
        if not obj.task_id:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:django_tasks_database_dbtaskresult_change", args=[obj.task_id]),
            obj.task_id,
        )

    def _report(self, request: HttpRequest, message: str, *, done: int, more: bool) -> None:
        self.message_user(request, message, messages.SUCCESS if done else messages.WARNING)
        if more:
            self.message_user(
                request,
                _("Only the first %(limit)s selected events were handled; run the action again for the rest.")
                % {"limit": ACTION_LIMIT},
                messages.WARNING,
            )

    @admin.action(description=_("Retry"), permissions=["change"])
    def retry_events(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        ids, more = _selected_ids(queryset)
        queued = sum(services.webhook_events_retry(event_ids=batch) for batch in _in_batches(ids))
        skipped = len(ids) - queued
        message = ngettext(
            "Queued %(count)d event for processing.", "Queued %(count)d events for processing.", queued
        ) % {"count": queued}
        if skipped:
            message += " " + ngettext(
                "%(count)d was left alone (only failed, ignored or waiting events are retried).",
                "%(count)d were left alone (only failed, ignored or waiting events are retried).",
                skipped,
            ) % {"count": skipped}
        self._report(request, message, done=queued, more=more)

    @admin.action(description=_("Mark as ignored"), permissions=["change"])
    def ignore_events(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        ids, more = _selected_ids(queryset)
        ignored = sum(services.webhook_events_ignore(event_ids=batch) for batch in _in_batches(ids))
        skipped = len(ids) - ignored
        message = ngettext("Marked %(count)d event as ignored.", "Marked %(count)d events as ignored.", ignored) % {
            "count": ignored
        }
        if skipped:
            message += " " + ngettext(
                "%(count)d was left alone (events being processed or finished cannot be ignored).",
                "%(count)d were left alone (events being processed or finished cannot be ignored).",
                skipped,
            ) % {"count": skipped}
        self._report(request, message, done=ignored, more=more)


@admin.register(CustomerDataExport)
class CustomerDataExportAdmin(ConsoleModelAdmin):
    list_display = ("id", "shop_link", "customer_id", "data_request_id", "created_at")
    list_filter = (ShopTextFilter, "created_at")
    search_fields = ("^shop", "=customer_id")
    search_help_text = _("Shop domain (or its beginning) or Shopify customer id.")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    sortable_by = ("id", "created_at")
    paginator = LargeTablePaginator
    # The document is the customer's data: it is shown and downloaded, never exported as CSV.
    actions: list[Any] = []
    fields = ("shop", "related", "customer_id", "data_request_id", "source_event", "created_at", "download", "content")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CustomerDataExport | None = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        urls = [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="webhooks_customerdataexport_download",
            )
        ]
        return urls + super().get_urls()

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The export as a JSON file, for the operator to send to the merchant."""
        export = CustomerDataExport.objects.filter(pk=pk).first()
        if export is None or not self.has_view_permission(request, export):
            raise Http404
        response = HttpResponse(
            json.dumps(export.document, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="customer-data-export-{export.pk}.json"'
        return response

    @admin.display(description=_("related"))
    def related(self, obj: CustomerDataExport) -> str:
        return shop_links(obj.shop)

    @admin.display(description=_("webhook event"))
    def source_event(self, obj: CustomerDataExport) -> str:
        if obj.source_event_id is None:
            return "—"
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:webhooks_webhookevent_change", args=[obj.source_event_id]),
            obj.source_event_id,
        )

    @admin.display(description=_("download"))
    def download(self, obj: CustomerDataExport) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:webhooks_customerdataexport_download", args=[obj.pk]),
            _("Download as JSON"),
        )

    @admin.display(description=_("document"))
    def content(self, obj: CustomerDataExport) -> str:
        return json_document(obj.document)
