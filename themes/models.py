from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from connector.models import TimestampedModel, shop_field
from connector.validators import is_ascii_digits
from connector.work.models import LeasedWork


class ThemeArchive(TimestampedModel):
    """One downloaded and validated version of the theme, kept in file storage and shared by
    every shop that installs that version (the cache: one row per source and version)."""

    source_key = models.CharField(
        _("source"), max_length=255, help_text=_("Provider and repository, or a hash of the archive URL.")
    )
    source_label = models.CharField(_("source label"), max_length=255, blank=True, default="")
    version = models.CharField(
        _("version"), max_length=255, help_text=_("Commit sha, or the archive's ETag or content hash.")
    )
    file = models.CharField(_("stored file"), max_length=255, help_text=_("Name in the default file storage."))
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    files_count = models.PositiveIntegerField(_("theme files"), default=0)
    etag = models.CharField(_("ETag"), max_length=255, blank=True, default="")
    last_modified = models.CharField(_("Last-Modified"), max_length=64, blank=True, default="")

    class Meta:
        db_table = "themes_theme_archive"
        verbose_name = _("theme archive")
        verbose_name_plural = _("theme archives")
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(fields=("source_key", "version"), name="themes_archive_source_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source_label or self.source_key} · {self.short_version}"

    @property
    def short_version(self) -> str:
        value = self.version.strip('"')
        return value[:12]


class ThemeInstall(LeasedWork):
    """One request of a shop to install the theme, from download to Shopify's processing (a
    job on the leased-work machine: ``themes.services.THEME_INSTALL``)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DOWNLOADING = "downloading", _("Preparing the archive")
        CREATING = "creating", _("Sending to Shopify")
        PROCESSING = "processing", _("Shopify is processing")
        READY = "ready", pgettext_lazy("theme install state", "Installed")
        FAILED = "failed", _("Failed")

    ACTIVE_STATES = (State.QUEUED, State.DOWNLOADING, State.CREATING, State.PROCESSING)

    class Error(models.TextChoices):
        SOURCE_NOT_CONFIGURED = "source_not_configured", _("Source not configured")
        SOURCE_AUTH = "source_auth", _("Git token refused")
        SOURCE_NOT_FOUND = "source_not_found", _("Repository or version not found")
        SOURCE_UNAVAILABLE = "source_unavailable", _("Theme host unavailable")
        ARCHIVE_TOO_LARGE = "archive_too_large", _("Archive too large")
        ARCHIVE_INVALID = "archive_invalid", _("Not a Shopify theme")
        MISSING_PERMISSION = "missing_permission", _("Missing write_themes permission")
        THEME_LIMIT = "theme_limit", _("Theme limit reached")
        PLAN_NOT_ALLOWED = "plan_not_allowed", _("Plan does not allow themes")
        SHOPIFY_REJECTED = "shopify_rejected", _("Shopify rejected the theme")
        SHOPIFY_AUTH = "shopify_auth", _("Shopify refused the app's token")
        SHOPIFY_UNAVAILABLE = "shopify_unavailable", _("Shopify unavailable")
        PROCESSING_FAILED = "processing_failed", _("Shopify processing failed")
        PROCESSING_TIMEOUT = "processing_timeout", _("Shopify processing timed out")
        THEME_DELETED = "theme_deleted", _("Theme deleted during processing")
        ABANDONED = "abandoned", _("Abandoned")
        UNCONFIRMED = "unconfirmed", _("Stopped before Shopify confirmed")
        INTERNAL = "internal", _("Internal error")

    shop = shop_field()
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED, db_index=True)
    theme_name = models.CharField(_("theme name"), max_length=255)
    archive = models.ForeignKey(
        ThemeArchive, verbose_name=_("archive"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.CharField(_("version"), max_length=255, blank=True, default="")
    theme_id = models.CharField(_("Shopify theme id"), max_length=255, blank=True, default="", db_index=True)
    theme_role = models.CharField(_("theme role"), max_length=32, blank=True, default="")
    error_code = models.CharField(_("error"), max_length=40, choices=Error.choices, blank=True, default="")
    error_detail = models.TextField(
        _("error detail"), blank=True, default="", help_text=_("What the source host or Shopify answered.")
    )
    # Small: an install gets at most themes.services.MAX_ATTEMPTS (the column predates the shared one).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    polls = models.PositiveIntegerField(_("status checks"), default=0)
    requested_by_user_id = models.BigIntegerField(_("requested by (Shopify user id)"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("sent to Shopify at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Equal to ``shop`` while the install runs, NULL afterwards: the unique index lets the
    # database refuse a second running install of a shop (NULLs never collide; MySQL has no
    # partial unique indexes).
    running_shop = models.CharField(max_length=255, null=True, blank=True, unique=True, editable=False)

    class Meta:
        db_table = "themes_theme_install"
        verbose_name = _("theme install")
        verbose_name_plural = _("theme installs")
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"{self.shop} · {self.get_state_display()}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def stalled_error_code(self) -> str:
        """How this install ends when its worker vanished: once ``themeCreate`` may have run, the
        theme may be in the shop (unconfirmed); before, nothing reached Shopify (abandoned)."""
        if self.state == self.State.CREATING or self.theme_id:
            return self.Error.UNCONFIRMED
        return self.Error.ABANDONED

    @property
    def theme_numeric_id(self) -> str:
        """``123`` of ``gid://shopify/OnlineStoreTheme/123`` (empty before Shopify answered)."""
        tail = self.theme_id.rsplit("/", 1)[-1]
        return tail if is_ascii_digits(tail) else ""
