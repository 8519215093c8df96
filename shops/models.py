from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from connector.fields import EncryptedTextField
from connector.models import TimestampedModel, shop_field
from shops.countries import COUNTRY_CHOICES


class ShopConfiguration(TimestampedModel):
    """One row per shop: Ecomdrop key and flows, Dropi settings, callback secret, lifecycle."""

    shop = shop_field(unique=True)
    ecomdrop_api_key = EncryptedTextField(_("Ecomdrop API key"), null=True, blank=True)
    nuevo_pedido_flow_id = models.CharField(_("'Nuevo Pedido' flow id"), max_length=255, null=True, blank=True)
    carrito_abandonado_flow_id = models.CharField(
        _("'Carrito Abandonado' flow id"), max_length=255, null=True, blank=True
    )
    dropi_store_name = models.CharField(_("Dropi store name"), max_length=255, null=True, blank=True)
    dropi_country = models.CharField(
        _("Dropi country"), max_length=10, choices=COUNTRY_CHOICES, null=True, blank=True, db_index=True
    )
    dropi_token = EncryptedTextField(_("Dropi token"), null=True, blank=True)
    callback_secret = EncryptedTextField(_("callback secret"), null=True, blank=True)
    # Keyed hash of callback_secret: the ciphertext is randomised, so look-ups use this column.
    callback_secret_hash = models.CharField(
        _("callback secret hash"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    installed_at = models.DateTimeField(_("installed at"), null=True, blank=True)
    uninstalled_at = models.DateTimeField(_("uninstalled at"), null=True, blank=True, db_index=True)

    class Meta:
        db_table = "shops_shop_configuration"
        verbose_name = _("shop configuration")
        verbose_name_plural = _("shop configurations")
        ordering = ("-id",)

    def __str__(self) -> str:
        return self.shop

    @property
    def is_installed(self) -> bool:
        return self.uninstalled_at is None
