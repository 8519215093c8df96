"""Use cases of the shops app, one module per concern; import them from here.

- configuration: the shop's configuration row, callback secret, Ecomdrop connection (a key of
  another account resets the flows), flows, the contact fields the deliveries need, and Dropi
  settings.
- lifecycle: install, uninstall and purge of a shop.
- deliveries: order and abandoned-cart flow deliveries (exactly once): recording them;
  delivery_job processes them, delivery_payloads reads payloads, ecomdrop_contacts knows the
  merchant's Ecomdrop account.
- callback: Ecomdrop's callback that tags orders; bot_actions: its actions (confirm, cancel,
  update_address).
- dropi_orders: an order's Dropi identity (recorded with its delivery; dropi_lines resolves its
  lines, dropi_addresses its address), who places it, and the requests that queue its
  placement; dropi_order_job places it exactly once; dropi_order_events is its history;
  dropi_locations Dropi's own department and city lists.
- orders: the Pedidos list (recent Shopify orders with their deliveries and Dropi orders, and
  the Dropi filters).
- dropi_account: the shop's Dropi token and country as other apps use them, token checks,
  the pause after Dropi's "Too Many Attempts".
- shipping_settings: the WhatsApp flow of each shipping stage and what the write-back asks of
  Shopify; shipping_transitions records a Dropi order's shipping transitions (the shipping
  sync calls it), shipping_writeback writes them to Shopify exactly once (shipping_steps, its
  steps; carriers, the tracking-URL table).
- time_zone: the shop's time zone (from Shopify), in which the pages show dates.

Other feature apps may import this package (it is public); its submodules are not.
"""

from shops.services.configuration import (  # noqa: F401
    callback_secret_hash,
    callback_secret_hash_candidates,
    dropi_settings_save,
    ecomdrop_connect,
    ecomdrop_contact_fields_status,
    ecomdrop_disconnect,
    ecomdrop_flows_list,
    ecomdrop_flows_save,
    shop_configuration_ensure_callback_secret,
    shop_configuration_get_or_create,
    shop_configuration_rotate_callback_secret,
)
from shops.services.dropi_account import (  # noqa: F401
    DropiAccess,
    dropi_access_get,
    dropi_error_as_application_error,
    dropi_is_configured,
    dropi_pause_enforce,
    dropi_pause_remaining,
    dropi_token_check,
)
from shops.services.ecomdrop_contacts import (  # noqa: F401
    ecomdrop_contact_field_names,
    ecomdrop_contact_field_names_in_use,
)
from shops.services.lifecycle import shop_install, shop_purge, shop_uninstall  # noqa: F401
from shops.services.shipping_settings import shipping_settings_save, shipping_settings_state  # noqa: F401
from shops.services.time_zone import shop_time_zone_get, shop_time_zone_refresh  # noqa: F401
