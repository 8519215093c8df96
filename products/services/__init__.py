"""Use cases of the products app, one module per concern; import them from here.

- catalogue: the shop's Dropi catalogue (cached pages, product detail with fallback) and the
  shop's currency (the Dropi account itself, its pause included, is shops.services').
- picker: the shop's Shopify products for the link dialog (search, one product with variants).
- stock_location: where an import writes Dropi's stock (cached per shop).
- import_plan, link_plan: what a create or a link sends (options, variants, prices, barcodes,
  stock, images), no I/O; import_input: the productSet input built from a plan.
- import_preview: what an import would send, before it runs.
- imports: create a new Shopify product, link an existing one.
- publishing: the shop's sales channels; a created product published to those chosen.
- shopify_errors: Shopify's failures and refusals in the merchant's words.
- associations: save an association with its variant mappings, delete one.
"""

from products.services.associations import product_association_delete, product_association_upsert  # noqa: F401
from products.services.catalogue import (  # noqa: F401
    PAGE_SIZE,
    CataloguePage,
    dropi_currency,
    dropi_product_get,
    dropi_products_list,
    shop_currency_get,
)
from products.services.import_plan import ImportOptions, sanitize_description, variant_plan  # noqa: F401
from products.services.import_preview import product_import_preview  # noqa: F401
from products.services.imports import ImportResult, product_import_create, product_import_link  # noqa: F401
from products.services.picker import (  # noqa: F401
    shopify_admin_product_url,
    shopify_product_get,
    shopify_products_search,
)
from products.services.publishing import (  # noqa: F401
    PublishChoice,
    publish_choice_from_input,
    shop_channels,
)
from products.services.shopify_errors import ShopifyRefused  # noqa: F401
