"""Embedded pages of the shops app: Pedidos and Configuración (Tema lives in the themes app)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from connector.embedded import embedded_context, embedded_view


@embedded_view
@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    """Pedidos: recent orders and what Ecomdrop did with them."""
    return render(request, "shops/orders.html", {**embedded_context(request), "active": "orders"})


@embedded_view
@require_GET
def configuration(request: HttpRequest) -> HttpResponse:
    """Configuración: Ecomdrop, Dropi, Asistente IA and Estado."""
    return render(request, "shops/configuration.html", {**embedded_context(request), "active": "configuration"})
