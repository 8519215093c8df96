from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from connector.fields import EncryptedTextField
from connector.validators import validate_shop_domain


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


def shop_field(*, unique: bool = False) -> models.CharField:
    """The shop domain column used by every per-shop table."""
    return models.CharField(
        _("shop"),
        max_length=255,
        unique=unique,
        db_index=not unique,
        validators=[validate_shop_domain],
        help_text=_("Shop domain, e.g. example.myshopify.com"),
    )


class ShopifySession(TimestampedModel):
    """A Shopify access token for a shop (offline) or a staff user (online).

    Ids follow the Shopify libraries: ``offline_{shop}`` and ``{shop}_{user_id}``.
    """

    id = models.CharField(_("id"), max_length=255, primary_key=True)
    shop = shop_field()
    state = models.CharField(_("state"), max_length=255, blank=True, default="")
    is_online = models.BooleanField(_("online"), default=False)
    scope = models.TextField(_("scope"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    access_token = EncryptedTextField(_("access token"))
    refresh_token = EncryptedTextField(_("refresh token"), null=True, blank=True)
    refresh_token_expires = models.DateTimeField(_("refresh token expires"), null=True, blank=True)
    user_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    first_name = models.CharField(_("first name"), max_length=255, null=True, blank=True)
    last_name = models.CharField(_("last name"), max_length=255, null=True, blank=True)
    email = models.CharField(_("email"), max_length=255, null=True, blank=True)
    account_owner = models.BooleanField(_("account owner"), default=False)
    locale = models.CharField(_("locale"), max_length=10, null=True, blank=True)
    collaborator = models.BooleanField(_("collaborator"), null=True, blank=True)
    email_verified = models.BooleanField(_("email verified"), null=True, blank=True)

    class Meta:
        db_table = "connector_shopify_session"
        verbose_name = _("Shopify session")
        verbose_name_plural = _("Shopify sessions")
        ordering = ("shop", "id")

    def __str__(self) -> str:
        return self.id

    @staticmethod
    def offline_id(shop: str) -> str:
        return f"offline_{shop}"

    @staticmethod
    def online_id(shop: str, user_id: int) -> str:
        return f"{shop}_{user_id}"
