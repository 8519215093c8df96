from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from connector.models import PrefixIndex, TimestampedModel, shop_field


class ProductAssociation(TimestampedModel):
    """A Dropi product linked to (or imported as) a Shopify product in one shop."""

    class ImportType(models.TextChoices):
        LINK = "link", _("Linked to an existing product")
        CREATE = "create", _("Created as a new product")

    shop = shop_field()
    dropi_product_id = models.CharField(_("Dropi product id"), max_length=255, db_index=True)
    shopify_product_id = models.CharField(
        _("Shopify product id"), max_length=255, db_index=True, help_text=_("gid://shopify/Product/…")
    )
    dropi_product_name = models.CharField(_("Dropi product name"), max_length=500, null=True, blank=True)
    shopify_product_title = models.CharField(_("Shopify product title"), max_length=500, null=True, blank=True)
    import_type = models.CharField(_("import type"), max_length=50, choices=ImportType.choices, db_index=True)
    dropi_variations = models.JSONField(_("Dropi variations"), null=True, blank=True)
    save_dropi_name = models.BooleanField(_("save Dropi name"), default=True)
    save_dropi_description = models.BooleanField(_("save Dropi description"), default=True)
    custom_price = models.CharField(_("custom price"), max_length=50, null=True, blank=True)
    use_suggested_barcode = models.BooleanField(_("use suggested barcode"), default=False)
    save_dropi_images = models.BooleanField(_("save Dropi images"), default=True)
    replace_images = models.BooleanField(
        _("replace images"), default=False, help_text=_("The Dropi images replaced the product's images.")
    )
    price_rule = models.JSONField(
        _("price rule"), null=True, blank=True, help_text=_("How the prices were set at the last import.")
    )

    class Meta:
        db_table = "products_product_association"
        verbose_name = _("product association")
        verbose_name_plural = _("product associations")
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(
                fields=("shop", "dropi_product_id", "shopify_product_id"),
                name="product_association_shop_dropi_shopify_uniq",
            )
        ]
        # The admin searches names by their beginning: a prefix LIKE is a range of these indexes.
        indexes = [
            PrefixIndex(fields=("dropi_product_name",), name="product_assoc_name_idx"),
            PrefixIndex(fields=("shopify_product_title",), name="product_assoc_title_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dropi_product_id} → {self.shopify_product_id}"

    @property
    def shopify_product_numeric_id(self) -> str:
        return self.shopify_product_id.rsplit("/", 1)[-1]


class VariantMapping(TimestampedModel):
    """Which Shopify variant sells a Dropi variation, for one association."""

    association = models.ForeignKey(
        ProductAssociation, on_delete=models.CASCADE, related_name="variant_mappings", verbose_name=_("association")
    )
    dropi_variation_id = models.CharField(_("Dropi variation id"), max_length=255)
    shopify_variant_id = models.CharField(_("Shopify variant id"), max_length=255, db_index=True)
    dropi_variation_label = models.CharField(_("Dropi variation"), max_length=500, blank=True, default="")
    shopify_variant_title = models.CharField(_("Shopify variant title"), max_length=500, blank=True, default="")

    class Meta:
        db_table = "products_variant_mapping"
        verbose_name = _("variant mapping")
        verbose_name_plural = _("variant mappings")
        ordering = ("association_id", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("association", "dropi_variation_id"), name="variant_mapping_association_variation_uniq"
            )
        ]
        # What the admin searches: every term stays an index look-up (names by their beginning).
        indexes = [
            models.Index(fields=("dropi_variation_id",), name="variant_mapping_dropi_id_idx"),
            PrefixIndex(fields=("dropi_variation_label",), name="variant_mapping_label_idx"),
            PrefixIndex(fields=("shopify_variant_title",), name="variant_mapping_title_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dropi_variation_id} → {self.shopify_variant_id}"
