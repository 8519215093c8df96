from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from assistant import validators
from connector.models import TimestampedModel, shop_field


class AIConfiguration(TimestampedModel):
    """The AI sales agent's profile for one shop, and the state of its sync to Ecomdrop."""

    class SyncStatus(models.TextChoices):
        NEVER = "never", _("Never synced")
        PENDING = "pending", _("Pending")
        SYNCED = "synced", _("Synced")
        FAILED = "failed", _("Failed")

    shop = shop_field(unique=True)
    agent_name = models.CharField(_("agent name"), max_length=255, null=True, blank=True)
    company_name = models.CharField(_("company name"), max_length=255, null=True, blank=True)
    company_description = models.TextField(
        _("company description"), null=True, blank=True, validators=[MaxLengthValidator(5000)]
    )
    payment_methods = models.JSONField(
        _("payment methods"), null=True, blank=True, validators=[validators.validate_payment_methods]
    )
    company_policies = models.TextField(
        _("company policies"), null=True, blank=True, validators=[MaxLengthValidator(20000)]
    )
    faq = models.JSONField(_("FAQ"), null=True, blank=True, validators=[validators.validate_faq])
    post_sale_faq = models.JSONField(_("post-sale FAQ"), null=True, blank=True, validators=[validators.validate_faq])
    rules = models.JSONField(_("rules"), null=True, blank=True, validators=[validators.validate_rules])
    notifications = models.JSONField(
        _("notifications"), null=True, blank=True, validators=[validators.validate_notifications]
    )
    sync_status = models.CharField(
        _("sync status"), max_length=20, choices=SyncStatus.choices, default=SyncStatus.NEVER, db_index=True
    )
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)
    last_sync_error = models.TextField(_("last sync error"), blank=True, default="")

    class Meta:
        db_table = "assistant_ai_configuration"
        verbose_name = _("AI configuration")
        verbose_name_plural = _("AI configurations")
        ordering = ("-id",)

    def __str__(self) -> str:
        return self.shop
