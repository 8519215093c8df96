"""The answer to an admin log-in from a locked-out address (django-axes' AXES_LOCKOUT_CALLABLE).

Owns: the console page that says why the log-in was refused and for how long, with the
console's own header, status 429. Must not say whether the username or password was right.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def admin_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The locked-out page: how many failures locked the address and for how many minutes."""
    context = {
        **admin.site.each_context(request),
        "title": _("Log-in locked"),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60),
    }
    return render(request, "admin/locked_out.html", context, status=429)
