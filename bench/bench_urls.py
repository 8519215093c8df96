"""The app's URLs plus bench-only twins of endpoints without authentication."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from connector.urls import urlpatterns as app_urlpatterns
from shops.models import ShopConfiguration

BENCH_SHOP = "bench-shop.myshopify.com"


def session_without_auth(request: HttpRequest) -> JsonResponse:
    """What /app/api/session does once the caller is known, minus verifying the caller."""
    configuration = (
        ShopConfiguration.objects.filter(shop=BENCH_SHOP).only("shop", "installed_at", "uninstalled_at").first()
    )
    return JsonResponse(
        {"shop": BENCH_SHOP, "language": "es", "installed": bool(configuration and configuration.is_installed)}
    )


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/session-without-auth", session_without_auth),
    path("bench/bare", bare),
    *app_urlpatterns,
]
