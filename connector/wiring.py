"""The project's explicit wiring: which app function serves each Shopify topic, each privacy
duty and each recovery of the task worker, by dotted path.

Owns: the maps that ``connector/settings.py`` exposes as WEBHOOK_HANDLERS, WEBHOOK_CONFIRMATIONS,
WEBHOOK_PAYLOAD_REDUCERS, PERSONAL_DATA, WORKER_MAINTENANCE and WORKER_POLLED_JOBS. Plain data:
strings name the functions, so nothing here imports an app (the platform never imports the apps
built on it); system checks refuse a path that does not import. Must not hold settings read from the environment.
"""

from __future__ import annotations

from typing import Any

# The function that processes each Shopify topic (webhooks/registry.py); the events of a topic
# without one are stored and marked ignored. Keep in step with shopify.app.toml's subscriptions.
WEBHOOK_HANDLERS = {
    "app/uninstalled": "shops.webhook_handlers.handle_app_uninstalled",
    "app/scopes_update": "webhooks.webhook_handlers.handle_app_scopes_update",
    "orders/create": "shops.webhook_handlers.handle_orders_create",
    "checkouts/create": "shops.webhook_handlers.handle_checkouts_create",
    "checkouts/update": "shops.webhook_handlers.handle_checkouts_update",
    "draft_orders/create": "shops.webhook_handlers.handle_draft_orders_create",
    "draft_orders/update": "shops.webhook_handlers.handle_draft_orders_update",
    "draft_orders/delete": "shops.webhook_handlers.handle_draft_orders_delete",
    # The privacy (compliance) topics.
    "customers/data_request": "webhooks.webhook_handlers.handle_customers_data_request",
    "customers/redact": "webhooks.webhook_handlers.handle_customers_redact",
    "shop/redact": "shops.webhook_handlers.handle_shop_redact",
}
# Checks that run before a topic's handler, outside its transaction, and may ask Shopify:
# fn(*, shop, payload, event) -> bool, False to ignore the event (webhooks/registry.py). The
# signature covers only the body, so a captured body can be replayed with fresh headers.
WEBHOOK_CONFIRMATIONS = {
    "app/uninstalled": "shops.webhook_handlers.confirm_app_uninstalled",
    "shop/redact": "shops.webhook_handlers.confirm_shop_redact",
}

# What the inbox keeps of a topic's payload: fn(payload) -> payload, applied to a verified
# delivery before it is stored (webhooks/registry.py). A topic without one is stored whole.
WEBHOOK_PAYLOAD_REDUCERS = {
    "orders/create": "shops.webhook_payloads.order_payload_reduced",
}

# Who holds personal data and how it goes (webhooks/privacy.py runs these for shop/redact and
# the customers/* privacy topics; a test checks every model with a shop column is erased).
PERSONAL_DATA: dict[str, dict[str, Any]] = {
    # fn(*, shop) -> int deletes every row of the shop in the models listed.
    "shop_erasers": {
        "connector.personal_data.erase_shop_sessions": ["connector.ShopifySession", "connector.OAuthState"],
        "webhooks.personal_data.erase_shop_events": ["webhooks.WebhookEvent", "webhooks.CustomerDataExport"],
        "shops.personal_data.erase_shop_configuration": [
            "shops.ShopConfiguration",
            "shops.FlowDelivery",
            "shops.DeliveryRules",
        ],
        "shops.personal_data_dropi.erase_shop_dropi_orders": [
            "shops.DropiOrder",
            "shops.DropiOrderEvent",
            "shops.ShippingUpdate",
            "shops.DropiTrackingSync",
        ],
        "products.personal_data.erase_product_associations": ["products.ProductAssociation", "products.VariantMapping"],
        "assistant.personal_data.erase_ai_configuration": ["assistant.AIConfiguration"],
        "themes.personal_data.erase_theme_installs": ["themes.ThemeInstall"],
    },
    # fn(*, shop, customer) -> list: one section of a customer's data export.
    "customer_exporters": {
        "flow_deliveries": "shops.personal_data.export_flow_deliveries",
        "dropi_orders": "shops.personal_data_dropi.export_dropi_orders",
        "webhook_events": "webhooks.personal_data.export_webhook_events",
    },
    # fn(*, shop, customer) -> int deletes or anonymises the customer's rows.
    "customer_erasers": {
        "data_exports": "webhooks.personal_data.delete_data_exports",
        "flow_deliveries": "shops.personal_data.anonymise_flow_deliveries",
        "dropi_orders": "shops.personal_data_dropi.anonymise_dropi_orders",
        "webhook_events": "webhooks.personal_data.anonymise_webhook_events",
    },
}

# What every `manage.py worker` runs at start and every WEBHOOK_RECOVERY_INTERVAL_SECONDS
# (connector/maintenance.py): functions without arguments that queue lost work again.
WORKER_MAINTENANCE = [
    "webhooks.services.webhook_events_recover",
    "shops.maintenance.recover_flow_deliveries",
    "shops.maintenance.recover_dropi_orders",
    "shops.maintenance.recover_shipping_updates",
    "shops.maintenance.recover_tracking_syncs",
    "assistant.maintenance.recover_profile_syncs",
    "themes.services.theme_install_recover_stale",
]

# Jobs whose rows are their own queue on the database backend (connector/work/polled.py): no
# task row is written for them, and the worker's runner claims their due rows in batches and
# runs them concurrently (WORKER_CONCURRENCY). A job listed here must declare ``run_claimed``.
# Free slots go to the jobs in this order: the flow of an order already recorded goes out
# before the next webhooks of a burst are read, so a buyer's wait does not grow with the burst.
WORKER_POLLED_JOBS = [
    "shops.services.delivery_job.FLOW_DELIVERY",
    "webhooks.services.inbox.WEBHOOK_EVENT",
]
