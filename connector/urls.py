from django.contrib import admin
from django.urls import include, path, re_path

from connector import views
from products import views as product_views
from shops import views as shop_views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("auth/login", views.auth_login, name="auth_login"),
    path("auth/callback", views.auth_callback, name="auth_callback"),
    path("app/", product_views.index, name="app_products"),
    path("app/orders", shop_views.orders, name="app_orders"),
    path("app/configuration", shop_views.configuration, name="app_configuration"),
    path("app/theme", shop_views.theme, name="app_theme"),
    path("app/api/session", views.api_session, name="app_api_session"),
    # One endpoint for every topic; the old per-topic paths (/webhooks/app/uninstalled…) too.
    re_path(r"^webhooks(?:/(?P<subpath>.*))?$", views.shopify_webhook, name="shopify_webhook"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
