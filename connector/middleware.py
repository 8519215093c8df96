"""Middleware of the connector app.

``HealthProbeMiddleware`` answers /healthz, /readyz and /metrics before host validation, HTTPS
redirects and sessions: orchestrators and Prometheus probe by IP address over plain HTTP.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from connector import views

PROBES = {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": views.metrics}


class HealthProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)


class FrameAncestorsMiddleware:
    """Every HTML response that did not choose its framing gets ``frame-ancestors 'none'``.

    Embedded pages set their per-shop policy themselves (connector.embedded).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and response.get("Content-Type", "").startswith("text/html"):
            response["Content-Security-Policy"] = "frame-ancestors 'none';"
        return response
