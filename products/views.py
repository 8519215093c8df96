"""Embedded pages of the products app: Productos (the Dropi catalogue)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from connector.embedded import embedded_context, embedded_view


@embedded_view
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Productos: browse the Dropi catalogue and the synchronised products."""
    return render(request, "products/index.html", {**embedded_context(request), "active": "products"})
