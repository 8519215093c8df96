from django.urls import path

from shops.views import api, callback, delivery_rules, dropi_orders, pages, shipping, tracking

urlpatterns = [
    path("app/orders", pages.orders, name="app_orders"),
    path("app/configuration", pages.configuration, name="app_configuration"),
    path("app/api/session", api.api_session, name="app_api_session"),
    path("app/api/ecomdrop/connect", api.api_ecomdrop_connect, name="app_api_ecomdrop_connect"),
    path("app/api/ecomdrop/disconnect", api.api_ecomdrop_disconnect, name="app_api_ecomdrop_disconnect"),
    path("app/api/ecomdrop/flows", api.api_ecomdrop_flows, name="app_api_ecomdrop_flows"),
    path("app/api/ecomdrop/contact-fields", api.api_ecomdrop_contact_fields, name="app_api_ecomdrop_contact_fields"),
    path("app/api/dropi", api.api_dropi_settings, name="app_api_dropi"),
    path("app/api/shipping", shipping.api_shipping_settings, name="app_api_shipping"),
    path("app/api/dropi/orders", dropi_orders.api_dropi_order_settings, name="app_api_dropi_order_settings"),
    path("app/api/callback-secret/<str:action>", api.api_callback_secret, name="app_api_callback_secret"),
    path("app/api/orders", api.api_orders, name="app_api_orders"),
    path("app/api/orders/<str:order_id>/dropi", dropi_orders.api_dropi_order_place, name="app_api_dropi_order_place"),
    path(
        "app/api/orders/<str:order_id>/dropi/retry",
        dropi_orders.api_dropi_order_retry,
        name="app_api_dropi_order_retry",
    ),
    path(
        "app/api/orders/<str:order_id>/address",
        dropi_orders.api_dropi_order_address,
        name="app_api_dropi_order_address",
    ),
    path("app/api/tracking", tracking.api_tracking, name="app_api_tracking"),
    path("app/api/tracking/sync", tracking.api_tracking_sync, name="app_api_tracking_sync"),
    path("app/api/deliveries", api.api_deliveries, name="app_api_deliveries"),
    path("app/api/deliveries/<int:delivery_id>/resend", api.api_delivery_resend, name="app_api_delivery_resend"),
    path("app/api/test-event", api.api_test_event, name="app_api_test_event"),
    path("app/api/delivery-rules", delivery_rules.api_delivery_rules, name="app_api_delivery_rules"),
    path("api/ecomdrop/callback", callback.ecomdrop_callback, name="ecomdrop_callback"),
]
