"""The signed download URL handed to Shopify for a theme install.

Owns: the token naming one install and its archive (signed, timestamped, salted), the absolute
URL built on SHOPIFY_APP_URL, and resolving a token back to the install and archive while the
install still needs them. Must not grant anything else than that archive, nor log the token.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from themes.install_rules import (  # noqa: F401 (MAX_ATTEMPTS: the budget, named here too)
    MAX_ATTEMPTS,
    install_ended,
    install_lease,
    install_log_end,
    install_lost,
    install_retry_policy,
    install_stalled_end,
)
from themes.models import ThemeArchive, ThemeInstall

logger = logging.getLogger(__name__)


DOWNLOAD_SALT = "themes.download"
# Shopify fetches the archive only while it creates or processes the theme.
DOWNLOADABLE_STATES = (ThemeInstall.State.CREATING, ThemeInstall.State.PROCESSING)


class ThemeDownloadRefused(ApplicationError):
    """The download token is tampered with, unknown, expired or no longer needed."""


def theme_download_token(*, install: ThemeInstall) -> str:
    """A signed, timestamped token naming ``install`` and its archive (nothing else can be fetched)."""
    if install.archive is None:
        raise ValueError("the install has no archive yet")
    return signing.dumps({"install": install.pk, "archive": install.archive.sha256[:16]}, salt=DOWNLOAD_SALT)


def theme_download_url(*, install: ThemeInstall) -> str:
    """The absolute URL Shopify downloads the install's archive from (SHOPIFY_APP_URL based)."""
    path = reverse("theme_download", args=[theme_download_token(install=install)])
    return f"{settings.SHOPIFY_APP_URL}{path}"


def theme_download_resolve(*, token: str) -> tuple[ThemeInstall, ThemeArchive]:
    """The install and archive a download token grants, if it still does.

    Raises ThemeDownloadRefused with status 410 when the token expired
    (THEME_DOWNLOAD_URL_LIFETIME_SECONDS) or its install has finished, 404 when it is not ours
    (bad signature, other salt, unknown install, archive changed or missing).
    """
    not_found = ThemeDownloadRefused(_("Not found."), code="not_found", status=404)
    try:
        payload = signing.loads(token, salt=DOWNLOAD_SALT, max_age=settings.THEME_DOWNLOAD_URL_LIFETIME_SECONDS)
    except signing.SignatureExpired as error:
        raise ThemeDownloadRefused(_("This download link has expired."), code="expired", status=410) from error
    except signing.BadSignature as error:
        raise not_found from error
    if not isinstance(payload, dict) or not isinstance(payload.get("install"), int):
        raise not_found
    install = ThemeInstall.objects.select_related("archive").filter(pk=payload["install"]).first()
    if install is None or install.archive is None or install.archive.sha256[:16] != payload.get("archive"):
        raise not_found
    if install.state not in DOWNLOADABLE_STATES:
        raise ThemeDownloadRefused(_("This download link has expired."), code="finished", status=410)
    if not default_storage.exists(install.archive.file):
        logger.error("Theme archive file is missing from storage", extra={"archive_id": install.archive.pk})
        raise not_found
    return install, install.archive
