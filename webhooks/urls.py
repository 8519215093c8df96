from django.urls import re_path

from webhooks import views

urlpatterns = [
    # One endpoint for every topic; the old per-topic paths (/webhooks/app/uninstalled…) too.
    re_path(r"^webhooks(?:/(?P<subpath>.*))?$", views.shopify_webhook, name="shopify_webhook"),
    # Before the admin's own URLs: /admin/connector/webhookevent/… → /admin/webhooks/webhookevent/…
    re_path(
        r"^admin/connector/(?P<model>webhookevent|customerdataexport)/(?P<rest>.*)$",
        views.admin_page_moved,
        name="webhooks_admin_page_moved",
    ),
]
