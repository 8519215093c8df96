"""HTTP endpoints of the connector app: health probes."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from connector.health import readiness


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive (no dependencies checked)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The process can serve: database reachable, migrations applied, secrets readable."""
    state = readiness()
    body: dict[str, object] = {"status": "ok" if state.ready else "unavailable", "checks": state.checks}
    if not state.ready:
        body["reason"] = state.reason
    return JsonResponse(body, status=200 if state.ready else 503)
