"""Building blocks shared by every admin page of the console.

Owns: CSV export of a selection, links between a shop's rows, a paginator for very large
tables, a filter box for one shop, bookmarks of renamed filters and the base ModelAdmin with
the console's defaults. Must not hold business rules: admin actions call services.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from connector.fields import EncryptedTextField
from connector.secrets import secret_display
from connector.validators import normalise_shop_domain

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESTIMATE_ABOVE_ROWS = 100_000


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(model_field: Any, value: Any) -> str:
    if isinstance(model_field, EncryptedTextField):
        return secret_display(value)
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
    # Spreadsheet programs run cells that start like a formula.
    if text.startswith(CSV_FORMULA_PREFIXES):
        text = "'" + text
    return text


def _csv_rows(queryset: QuerySet[Any], fields: list[Any]) -> Iterator[list[str]]:
    yield [str(field.verbose_name) for field in fields]
    for obj in queryset.iterator(chunk_size=2000):
        yield [_csv_cell(field, getattr(obj, field.attname)) for field in fields]


@admin.action(description=_("Export selected to CSV"))
def export_as_csv(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> StreamingHttpResponse:
    """Stream the selected rows as CSV; secrets appear only as their status."""
    fields = list(queryset.model._meta.concrete_fields)
    writer = csv.writer(_Echo())
    stamp = timezone.now().strftime("%Y%m%d_%H%M%S")
    filename = f"{queryset.model._meta.model_name}_{stamp}.csv"

    def stream() -> Iterator[str]:
        yield "\ufeff"  # lets spreadsheet programs read UTF-8 accents and emoji
        for row in _csv_rows(queryset.order_by("pk"), fields):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class LargeTablePaginator(Paginator[Any]):
    """Paginator that never counts more rows than a page needs to be honest about.

    - An unfiltered page of a MySQL table with more than ESTIMATE_ABOVE_ROWS rows uses the
      storage engine's row estimate (information_schema) instead of COUNT(*).
    - A filtered page counts at most COUNT_CAP + 1 matching rows.
    ``count_is_approximate`` ("estimate" / "capped", empty when exact) lets the template say so
    ("≈ 1.000.000", "más de 10.000").
    """

    count_cap = 10_000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_is_approximate = ""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if not queryset.query.where:
            estimate = table_row_estimate(queryset.model, queryset.db)
            if estimate is not None and estimate > ESTIMATE_ABOVE_ROWS:
                self.count_is_approximate = "estimate"
                return estimate
            return super().count
        capped = queryset.order_by()[: self.count_cap + 1].count()
        if capped > self.count_cap:
            self.count_is_approximate = "capped"
            return self.count_cap
        return capped


def table_row_estimate(model: type[Model], alias: str) -> int | None:
    """The storage engine's row estimate for ``model``'s table (MySQL only)."""
    connection = connections[alias]
    if connection.vendor != "mysql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None


def changelist_url(model: type[Model], **filters: str) -> str:
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


# Every table holding a shop's rows, in the order the links appear: (admin URL name, the
# changelist filter that selects the shop, or None for a page that takes the shop as its
# argument, label). Names, not models: the platform imports no app's models.
SHOP_TABLES = (
    ("admin:connector_shopifysession_changelist", "shop", _("Sessions")),
    ("admin:products_productassociation_changelist", "shop", _("Product associations")),
    ("admin:products_variantmapping_changelist", "association__shop", _("Variant mappings")),
    ("admin:assistant_aiconfiguration_by_shop", None, _("AI configuration")),
    ("admin:shops_flowdelivery_changelist", "shop", _("Flow deliveries")),
    ("admin:shops_dropiorder_changelist", "shop", _("Dropi orders")),
    ("admin:webhooks_webhookevent_changelist", "shop", _("Webhook events")),
    ("admin:themes_themeinstall_changelist", "shop", _("Theme installs")),
)


def _shop_url(url_name: str, lookup: str | None, shop: str) -> str:
    if lookup is None:
        return reverse(url_name, args=[shop])
    return f"{reverse(url_name)}?{urlencode({lookup: shop})}"


def shop_links(shop: str, *, include_configuration: bool = True) -> str:
    """HTML links to every table's rows for ``shop`` (one click from any of them)."""
    links = []
    if include_configuration:
        links.append((reverse("admin:shops_shopconfiguration_by_shop", args=[shop]), _("Configuration")))
    links.extend((_shop_url(url_name, lookup, shop), label) for url_name, lookup, label in SHOP_TABLES)
    return format_html_join(" · ", '<a href="{}">{}</a>', links)


def search_term_as_one_phrase(search_term: str) -> str:
    """Quote ``search_term`` so the admin's search matches it whole instead of word by word.

    Django's admin splits a search into words and wants each word to match some field; a
    quoted term stays one phrase. Terms the user quoted are left alone.
    """
    term = " ".join(search_term.split())
    if " " not in term or '"' in term or "'" in term:
        return term
    return '"' + term.replace("\\", "\\\\") + '"'


def renamed_filters_query(query: QueryDict, renamed: Mapping[str, str]) -> _ImmutableQueryDict:
    """``query`` with the filters on a renamed field under its new name (``status__exact=failed``
    → ``state__exact=failed``), so a bookmark made before the rename shows the same rows."""
    moved = query.copy()
    for key in list(query):
        field, separator, lookup = key.partition("__")
        if field in renamed:
            moved.setlist(renamed[field] + separator + lookup, query.getlist(key))
            del moved[key]
    return QueryDict(moved.urlencode())  # immutable, like every request.GET


class ConsoleModelAdmin(admin.ModelAdmin[Any]):
    """Defaults for every table of the console: fast on big tables, CSV export."""

    show_full_result_count = False
    actions = [export_as_csv]
    list_per_page = 50
    # True where a search is a name with spaces ("Camiseta negra talla M"): with ``^`` prefix
    # fields, splitting it into words would look for rows starting with every word.
    search_as_one_phrase = False
    # Fields renamed since staff bookmarked filtered lists: {old name: new name}.
    renamed_filters: Mapping[str, str] = {}

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if self.renamed_filters:
            request.GET = renamed_filters_query(request.GET, self.renamed_filters)
        return super().changelist_view(request, extra_context)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        if self.search_as_one_phrase:
            search_term = search_term_as_one_phrase(search_term)
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("shop"), ordering="shop")
    def shop_link(self, obj: Any) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:shops_shopconfiguration_by_shop", args=[obj.shop]), obj.shop
        )


class ShopTextFilter(admin.SimpleListFilter):
    """A box for one shop domain (a list of every shop would not fit big tables)."""

    title = _("shop")
    parameter_name = "shop"
    template = "connector/admin/text_filter.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return []

    def has_output(self) -> bool:
        return True

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = normalise_shop_domain(self.value() or "")
        if not value:
            return queryset
        if "." not in value:
            value = f"{value}.myshopify.com"
        return queryset.filter(shop=value)

    # The rows feed this filter's own template (a text box), not Django's list of links.
    def choices(self, changelist: Any) -> Iterator[dict[str, Any]]:  # type: ignore[override]
        yield {
            "parameter_name": self.parameter_name,
            "value": self.value() or "",
            "placeholder": "tienda.myshopify.com",
            "other_params": [
                (name, value)
                for name, value in changelist.params.items()
                if name not in (self.parameter_name, PAGE_VAR) and isinstance(value, str)
            ],
            "clear_link": changelist.get_query_string(remove=[self.parameter_name]),
        }
