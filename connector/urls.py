"""The root URLconf: the webhook intake first (the busiest address), the platform's own pages,
then each app's urls.py (every app lists its URLs, with their names, next to its views), then
the admin console."""

from django.contrib import admin
from django.urls import include, path

from connector import views

urlpatterns = [
    # First: the busiest address (every Shopify webhook) is matched without trying the others.
    path("", include("webhooks.urls")),  # /webhooks…, and the inbox's old admin addresses (before admin/)
    path("", views.landing, name="landing"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("auth/login", views.auth_login, name="auth_login"),
    path("auth/callback", views.auth_callback, name="auth_callback"),
    path("", include("products.urls")),  # /app/ (Productos) and its JSON calls
    path("", include("shops.urls")),  # /app/orders, /app/configuration, their JSON calls, Ecomdrop's callback
    path("", include("assistant.urls")),  # /app/api/assistant…
    path("", include("themes.urls")),  # /app/theme (Tema), its JSON calls, /themes/download/<token>
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
