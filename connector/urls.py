from django.contrib import admin
from django.urls import include, path

from assistant import views as assistant_views
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
    path("", include("themes.urls")),  # /app/theme (Tema), its JSON calls, /themes/download/<token>
    path("app/api/session", views.api_session, name="app_api_session"),
    path("app/api/ecomdrop/connect", shop_views.api_ecomdrop_connect, name="app_api_ecomdrop_connect"),
    path("app/api/ecomdrop/disconnect", shop_views.api_ecomdrop_disconnect, name="app_api_ecomdrop_disconnect"),
    path("app/api/ecomdrop/flows", shop_views.api_ecomdrop_flows, name="app_api_ecomdrop_flows"),
    path(
        "app/api/ecomdrop/contact-fields",
        shop_views.api_ecomdrop_contact_fields,
        name="app_api_ecomdrop_contact_fields",
    ),
    path("app/api/dropi", shop_views.api_dropi_settings, name="app_api_dropi"),
    path("app/api/callback-secret/<str:action>", shop_views.api_callback_secret, name="app_api_callback_secret"),
    path("app/api/orders", shop_views.api_orders, name="app_api_orders"),
    path("app/api/deliveries", shop_views.api_deliveries, name="app_api_deliveries"),
    path("app/api/deliveries/<int:delivery_id>/resend", shop_views.api_delivery_resend, name="app_api_delivery_resend"),
    path("app/api/test-event", shop_views.api_test_event, name="app_api_test_event"),
    path("app/api/dropi/products", product_views.api_dropi_products, name="app_api_dropi_products"),
    path(
        "app/api/dropi/products/<str:product_id>/preview",
        product_views.api_dropi_product_preview,
        name="app_api_dropi_product_preview",
    ),
    path("app/api/shopify/products", product_views.api_shopify_products, name="app_api_shopify_products"),
    path(
        "app/api/shopify/products/<int:product_id>", product_views.api_shopify_product, name="app_api_shopify_product"
    ),
    path("app/api/products/import", product_views.api_products_import, name="app_api_products_import"),
    path("app/api/associations", product_views.api_associations, name="app_api_associations"),
    path(
        "app/api/associations/<int:association_id>/delete",
        product_views.api_association_delete,
        name="app_api_association_delete",
    ),
    path("app/api/assistant", assistant_views.api_profile, name="app_api_assistant"),
    path("app/api/assistant/sync", assistant_views.api_sync, name="app_api_assistant_sync"),
    path("api/ecomdrop/callback", shop_views.ecomdrop_callback, name="ecomdrop_callback"),
    path("", include("webhooks.urls")),  # /webhooks, and the inbox's old admin addresses
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
