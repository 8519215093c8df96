"""Use cases of the products app, one module per concern; import them from here.

- catalogue: the shop's Dropi catalogue (cached pages, product detail with fallback) and the
  shop's currency (the Dropi account itself, its pause included, is shops.services').
- shopify_products: the shop's Shopify products for the link picker (search, detail).
- imports: preview, create a new Shopify product, link an existing one, save the association.
- associations: delete an association.
"""

from products.services.associations import product_association_delete  # noqa: F401
from products.services.catalogue import (  # noqa: F401
    PAGE_SIZE,
    CataloguePage,
    dropi_currency,
    dropi_product_get,
    dropi_products_list,
    shop_currency_get,
)
from products.services.imports import (  # noqa: F401
    ImportOptions,
    ImportResult,
    ShopifyRefused,
    product_association_upsert,
    product_import_create,
    product_import_link,
    product_import_preview,
    sanitize_description,
    variant_plan,
)
from products.services.shopify_products import (  # noqa: F401
    shopify_admin_product_url,
    shopify_product_get,
    shopify_products_search,
)
