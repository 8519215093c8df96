"""Admin template tags for large tables.

``fast_date_hierarchy`` draws the same drill-down as Django's ``date_hierarchy`` but never runs
``SELECT DISTINCT`` over the table: the top level reads MIN/MAX (two ends of an index) and the
lower levels list calendar months and days. Choosing a date filters by an indexed range.
"""

from __future__ import annotations

import calendar
import datetime
from typing import Any

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import get_fields_from_path
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

register = template.Library()


def _range(cl: Any, field_name: str, is_datetime: bool) -> tuple[Any, Any]:
    bounds = cl.queryset.aggregate(first=models.Min(field_name), last=models.Max(field_name))
    first, last = bounds["first"], bounds["last"]
    if is_datetime and first and last:
        first = timezone.localtime(first) if timezone.is_aware(first) else first
        last = timezone.localtime(last) if timezone.is_aware(last) else last
    return first, last


def fast_date_hierarchy(cl: Any) -> dict[str, Any] | None:
    if not cl.date_hierarchy:
        return None
    field_name = cl.date_hierarchy
    field = get_fields_from_path(cl.model, field_name)[-1]
    is_datetime = isinstance(field, models.DateTimeField)
    year_field, month_field, day_field = (f"{field_name}__{part}" for part in ("year", "month", "day"))
    year = cl.params.get(year_field)
    month = cl.params.get(month_field)
    day = cl.params.get(day_field)

    def link(filters: dict[str, Any]) -> str:
        return cl.get_query_string(filters, [f"{field_name}__"])

    first = last = None
    if not (year or month or day):
        first, last = _range(cl, field_name, is_datetime)
        if not (first and last):
            return {"show": False}
        if first.year == last.year:
            year = first.year
            if first.month == last.month:
                month = first.month

    if year and month and day:
        chosen = datetime.date(int(year), int(month), int(day))
        return {
            "show": True,
            "back": {
                "link": link({year_field: year, month_field: month}),
                "title": capfirst(formats.date_format(chosen, "YEAR_MONTH_FORMAT")),
            },
            "choices": [{"title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}],
        }
    if year and month:
        year_number, month_number = int(year), int(month)
        days = range(1, calendar.monthrange(year_number, month_number)[1] + 1)
        if first and last:
            days = range(first.day, last.day + 1)
        return {
            "show": True,
            "back": {"link": link({year_field: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({year_field: year, month_field: month, day_field: day_number}),
                    "title": capfirst(
                        formats.date_format(datetime.date(year_number, month_number, day_number), "MONTH_DAY_FORMAT")
                    ),
                }
                for day_number in days
            ],
        }
    if year:
        months = range(1, 13)
        if first and last:
            months = range(first.month, last.month + 1)
        return {
            "show": True,
            "back": {"link": link({}), "title": _("All dates")},
            "choices": [
                {
                    "link": link({year_field: year, month_field: month_number}),
                    "title": capfirst(
                        formats.date_format(datetime.date(int(year), month_number, 1), "YEAR_MONTH_FORMAT")
                    ),
                }
                for month_number in months
            ],
        }
    return {
        "show": True,
        "back": None,
        "choices": [
            {"link": link({year_field: str(year_number)}), "title": str(year_number)}
            for year_number in range(first.year, last.year + 1)
        ],
    }


@register.tag(name="fast_date_hierarchy")
def fast_date_hierarchy_tag(parser: Any, token: Any) -> InclusionAdminNode:
    return InclusionAdminNode(
        parser, token, func=fast_date_hierarchy, template_name="date_hierarchy.html", takes_context=False
    )
