"""Admin template tags for large tables.

``fast_date_hierarchy`` draws the same drill-down as Django's ``date_hierarchy`` but never runs
``SELECT DISTINCT`` over the table: the top level reads MIN/MAX (two ends of an index) and the
lower levels list calendar months and days. Choosing a date filters by an indexed range.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import Any

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.template.base import Parser, Token
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

register = template.Library()


def _range(cl: ChangeList, field_name: str, is_datetime: bool) -> tuple[Any, Any]:
    bounds = cl.queryset.aggregate(first=models.Min(field_name), last=models.Max(field_name))
    first, last = bounds["first"], bounds["last"]
    if is_datetime and first and last:
        first = timezone.localtime(first) if timezone.is_aware(first) else first
        last = timezone.localtime(last) if timezone.is_aware(last) else last
    return first, last


@dataclass(frozen=True)
class _Levels:
    """The changelist's date field and the query-string keys of its year, month and day levels."""

    cl: ChangeList
    field_name: str

    @property
    def year_field(self) -> str:
        return f"{self.field_name}__year"

    @property
    def month_field(self) -> str:
        return f"{self.field_name}__month"

    @property
    def day_field(self) -> str:
        return f"{self.field_name}__day"

    def link(self, filters: dict[str, Any]) -> str:
        return self.cl.get_query_string(filters, [f"{self.field_name}__"])


def fast_date_hierarchy(cl: ChangeList) -> dict[str, Any] | None:
    if not cl.date_hierarchy:
        return None
    levels = _Levels(cl, cl.date_hierarchy)
    field = get_fields_from_path(cl.model, levels.field_name)[-1]
    is_datetime = isinstance(field, models.DateTimeField)
    year = cl.params.get(levels.year_field)
    month = cl.params.get(levels.month_field)
    day = cl.params.get(levels.day_field)

    first = last = None
    if not (year or month or day):
        first, last = _range(cl, levels.field_name, is_datetime)
        if not (first and last):
            return {"show": False}
        if first.year == last.year:
            year = first.year
            if first.month == last.month:
                month = first.month

    if year and month and day:
        return _day_level(levels, year, month, day)
    if year and month:
        return _month_level(levels, year, month, first=first, last=last)
    if year:
        return _year_level(levels, year, first=first, last=last)
    return _all_years(levels, first=first, last=last)


def _day_level(levels: _Levels, year: Any, month: Any, day: Any) -> dict[str, Any]:
    """One day chosen: the way back to its month and the day itself."""
    chosen = datetime.date(int(year), int(month), int(day))
    return {
        "show": True,
        "back": {
            "link": levels.link({levels.year_field: year, levels.month_field: month}),
            "title": capfirst(formats.date_format(chosen, "YEAR_MONTH_FORMAT")),
        },
        "choices": [{"title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}],
    }


def _month_level(levels: _Levels, year: Any, month: Any, *, first: Any, last: Any) -> dict[str, Any]:
    """One month chosen: its days (only those between the first and last rows when known)."""
    year_number, month_number = int(year), int(month)
    days = range(1, calendar.monthrange(year_number, month_number)[1] + 1)
    if first and last:
        days = range(first.day, last.day + 1)
    return {
        "show": True,
        "back": {"link": levels.link({levels.year_field: year}), "title": str(year)},
        "choices": [
            {
                "link": levels.link({levels.year_field: year, levels.month_field: month, levels.day_field: day_number}),
                "title": capfirst(
                    formats.date_format(datetime.date(year_number, month_number, day_number), "MONTH_DAY_FORMAT")
                ),
            }
            for day_number in days
        ],
    }


def _year_level(levels: _Levels, year: Any, *, first: Any, last: Any) -> dict[str, Any]:
    """One year chosen: its months (only those between the first and last rows when known)."""
    months = range(1, 13)
    if first and last:
        months = range(first.month, last.month + 1)
    return {
        "show": True,
        "back": {"link": levels.link({}), "title": _("All dates")},
        "choices": [
            {
                "link": levels.link({levels.year_field: year, levels.month_field: month_number}),
                "title": capfirst(formats.date_format(datetime.date(int(year), month_number, 1), "YEAR_MONTH_FORMAT")),
            }
            for month_number in months
        ],
    }


def _all_years(levels: _Levels, *, first: Any, last: Any) -> dict[str, Any]:
    """Nothing chosen and rows over several years: every year from the first row's to the last's."""
    return {
        "show": True,
        "back": None,
        "choices": [
            {"link": levels.link({levels.year_field: str(year_number)}), "title": str(year_number)}
            for year_number in range(first.year, last.year + 1)
        ],
    }


@register.tag(name="fast_date_hierarchy")
def fast_date_hierarchy_tag(parser: Parser, token: Token) -> InclusionAdminNode:
    # django-stubs 6 gives InclusionAdminNode a leading ``name`` argument that Django 5.2 lacks.
    return InclusionAdminNode(  # type: ignore[call-arg]
        parser,  # type: ignore[arg-type]
        token,  # type: ignore[arg-type]
        func=fast_date_hierarchy,
        template_name="date_hierarchy.html",
        takes_context=False,
    )
