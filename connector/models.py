from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from connector.fields import EncryptedTextField
from connector.validators import validate_shop_domain


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


def shop_field(*, unique: bool = False, indexed: bool = True) -> models.CharField[str, str]:
    """The shop domain column used by every per-shop table; ``indexed=False`` for a table whose
    composite indexes start with it already (a single-column index would only cost every
    insert: the hot tables, written once or more per order)."""
    return models.CharField(
        _("shop"),
        max_length=255,
        unique=unique,
        db_index=indexed and not unique,
        validators=[validate_shop_domain],
        help_text=_("Shop domain, e.g. example.myshopify.com"),
    )


class PrefixIndex(models.Index):
    """An index on the first ``length`` characters of each column on MySQL/MariaDB.

    Keeps the key of a long VARCHAR (product names are 500 characters) within the project's
    255-character limit for indexed text; a ``LIKE 'prefix%'`` search still reads a range of
    it. Other databases index the whole column.
    """

    def __init__(self, *, length: int = 255, **kwargs: Any) -> None:
        self.length = length
        super().__init__(**kwargs)

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        kwargs["length"] = self.length
        return path, args, kwargs

    def create_sql(self, model: type[models.Model], schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "mysql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        fields = [model._meta.get_field(field_name) for field_name, _ in self.fields_orders]
        return schema_editor._create_index_sql(
            model, fields=fields, name=self.name, using=using, col_suffixes=[f"({self.length})"] * len(fields), **kwargs
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
    # A lease instead of a transaction held across the HTTP call: one process refreshes at a time.
    refresh_lock_until = models.DateTimeField(_("refresh in progress until"), null=True, blank=True, editable=False)
    refresh_lock_owner = models.CharField(max_length=64, blank=True, default="", editable=False)
    reauthorization_required_at = models.DateTimeField(
        _("re-authorization required since"),
        null=True,
        blank=True,
        help_text=_("Shopify refused the refresh token; the merchant must open the app from Shopify Admin."),
    )

    class Meta:
        db_table = "connector_shopify_session"
        verbose_name = _("Shopify session")
        verbose_name_plural = _("Shopify sessions")
        ordering = ("shop", "id")
        # The admin searches these (names by their beginning): each term stays an index look-up.
        indexes = [
            models.Index(fields=("email",), name="shopify_session_email_idx"),
            models.Index(fields=("user_id",), name="shopify_session_user_id_idx"),
            models.Index(fields=("first_name",), name="shopify_session_first_name_idx"),
            models.Index(fields=("last_name",), name="shopify_session_last_name_idx"),
        ]

    def __str__(self) -> str:
        return self.id

    @staticmethod
    def offline_id(shop: str) -> str:
        return f"offline_{shop}"

    @staticmethod
    def online_id(shop: str, user_id: int) -> str:
        return f"{shop}_{user_id}"


class OAuthState(models.Model):
    """A single-use nonce of the fallback OAuth flow (login outside Shopify Admin)."""

    state = models.CharField(max_length=64, unique=True)
    shop = shop_field()
    # Who started the log-in (connector/client_address.py): each address keeps a few states only.
    client_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "connector_oauth_state"
        verbose_name = _("OAuth state")
        verbose_name_plural = _("OAuth states")

    def __str__(self) -> str:
        return f"{self.shop} ({self.created_at:%Y-%m-%d %H:%M})"


class CacheEntry(models.Model):
    """A row of the database cache (connector/cache.py), the default CACHE_URL: rate limits,
    locks, vendor pauses and cached vendor answers that every process sees. The columns are
    the ones Django's ``createcachetable`` makes, so that ``migrate`` creates the table."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "connector_cache"
        default_permissions = ()
        verbose_name = _("cache entry")
        verbose_name_plural = _("cache entries")

    def __str__(self) -> str:
        return self.cache_key


class WorkerHeartbeat(models.Model):
    """When a task worker last ran its maintenance sweep (at start and every
    WEBHOOK_RECOVERY_INTERVAL_SECONDS): one row, written by every worker (``connector.heartbeat``)."""

    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        db_table = "connector_worker_heartbeat"
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.seen_at:%Y-%m-%d %H:%M:%S}"
