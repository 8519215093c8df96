from django.urls import path

from products import views

urlpatterns = [
    path("app/", views.index, name="app_products"),
    path("app/api/dropi/products", views.api_dropi_products, name="app_api_dropi_products"),
    path(
        "app/api/dropi/products/<str:product_id>/preview",
        views.api_dropi_product_preview,
        name="app_api_dropi_product_preview",
    ),
    path("app/api/shopify/products", views.api_shopify_products, name="app_api_shopify_products"),
    path("app/api/shopify/products/<int:product_id>", views.api_shopify_product, name="app_api_shopify_product"),
    path("app/api/shopify/publications", views.api_shopify_publications, name="app_api_shopify_publications"),
    path("app/api/products/import", views.api_products_import, name="app_api_products_import"),
    path("app/api/associations", views.api_associations, name="app_api_associations"),
    path(
        "app/api/associations/<int:association_id>/delete",
        views.api_association_delete,
        name="app_api_association_delete",
    ),
]
