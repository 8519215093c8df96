from __future__ import annotations

from typing import Any

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from assistant import validators
from connector.models import shop_field
from connector.work.models import LeasedWork


class AIConfiguration(LeasedWork):
    """The AI sales agent's profile for one shop, and the state of its sync to Ecomdrop.

    Every save replaces the whole profile and adds one to ``revision``; the sync records which
    revision Ecomdrop holds (``synced_revision``), so a sync that raced a newer save never
    reports the newer one as synced. The sync is a job on the leased-work machine
    (``assistant.sync.AI_PROFILE_SYNC``); its columns (``state``, ``attempts``, the lease…) are
    the machine's, on this row: the check that a sync still holds the revision it sent and its
    outcome are then one conditional UPDATE.
    """

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
    state = models.CharField(
        _("sync status"), max_length=20, choices=SyncStatus.choices, default=SyncStatus.NEVER, db_index=True
    )
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)
    revision = models.PositiveIntegerField(
        _("revision"), default=0, help_text=_("Goes up by one every time the profile is saved.")
    )
    synced_revision = models.PositiveIntegerField(
        _("synced revision"), null=True, blank=True, help_text=_("The revision Ecomdrop received last.")
    )
    ecomdrop_field_ids = models.JSONField(
        _("Ecomdrop field ids"),
        default=dict,
        blank=True,
        help_text=_(
            "The ids of the profile's bot fields in this merchant's Ecomdrop account, found or created "
            "by the sync (forgotten when the shop connects another account)."
        ),
    )

    class Meta:
        db_table = "assistant_ai_configuration"
        verbose_name = _("AI configuration")
        verbose_name_plural = _("AI configurations")
        ordering = ("-id",)

    def __str__(self) -> str:
        return self.shop

    def profile(self) -> dict[str, Any]:
        """The nine parts of the profile as stored (texts may be None, lists are lists)."""
        parts: dict[str, Any] = {}
        for part in validators.PROFILE_PARTS:
            value = getattr(self, part)
            parts[part] = (value or []) if part in validators.LIST_PARTS else value
        return parts
