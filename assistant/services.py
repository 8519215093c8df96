"""Use cases of the AI assistant profile: saving it and asking for its sync to Ecomdrop.

Owns: validating and saving a merchant's whole profile (last save wins: every save replaces all
nine parts at once, in one row, and adds one to the revision) and asking for a sync (after a
save, "Sincronizar ahora", a newly connected Ecomdrop key). The sync itself is ``sync``'s;
where the profile goes in the Ecomdrop account is ``bot_fields``'. Callers import all of it
from here. Must not call a vendor nor hold a transaction across a queued run.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assistant import rendering, validators
from assistant.bot_fields import DEFAULT_BOT_FIELDS, ai_profile_account_changed  # noqa: F401 (public names)
from assistant.models import AIConfiguration
from assistant.sync import (  # noqa: F401 (public names of the sync)
    AI_PROFILE_SYNC,
    LEASE,
    ai_profile_sync,
    ai_profile_sync_process_due,
    ai_profile_syncs_recover,
)
from assistant.validators import ProfileError
from connector.errors import ApplicationError
from connector.work import work_schedule
from shops.selectors import shop_configuration_get

logger = logging.getLogger(__name__)

SyncStatus = AIConfiguration.SyncStatus

# The whole profile, as the agent reads it, must fit comfortably in its prompt.
PROFILE_TEXT_MAX_LENGTH = 60_000


class ProfileInvalid(ApplicationError):
    """The profile was refused; ``errors`` say which field and which item (nothing was saved)."""

    def __init__(self, errors: list[ProfileError]) -> None:
        super().__init__(gettext("Some fields need your attention."), field=errors[0].path, code="invalid")
        self.errors = errors

    def as_dict(self) -> dict[str, object]:
        body = super().as_dict()
        messages: dict[str, str] = {}
        for error in self.errors:
            messages.setdefault(error.path, error.text())
        body["errors"] = messages
        return body


@dataclasses.dataclass(frozen=True)
class SaveResult:
    configuration: AIConfiguration
    replaced_newer: bool  # another save landed after the revision the editor started from


# --------------------------------------------------------------------------- saving
def ai_profile_clean(*, data: Any) -> dict[str, Any]:
    """Return the whole profile in its stored form; raise ProfileInvalid listing every problem."""
    cleaned, errors = validators.clean_profile(data)
    if not errors:
        length = len(rendering.render_profile(cleaned))
        if length > PROFILE_TEXT_MAX_LENGTH:
            errors.append(
                ProfileError(
                    "profile",
                    "too_long",
                    _(
                        "The whole profile is too long for the agent: %(length)d characters, at most "
                        "%(limit)d. Shorten the longest answers or the policies."
                    ),
                    params={"length": length, "limit": PROFILE_TEXT_MAX_LENGTH},
                )
            )
    if errors:
        raise ProfileInvalid(errors)
    return cleaned


def _get_or_create(shop: str) -> AIConfiguration:
    existing = AIConfiguration.objects.filter(shop=shop).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return AIConfiguration.objects.create(shop=shop, payment_methods=[], faq=[], post_sale_faq=[], rules=[])
    except IntegrityError:
        return AIConfiguration.objects.get(shop=shop)


def ai_profile_save(*, shop: str, data: Any, base_revision: int | None = None) -> SaveResult:
    """Validate and save the shop's whole profile, then queue its sync to Ecomdrop.

    Last save wins: the nine parts are replaced together under a row lock, so two tabs saving
    at once leave one of the two profiles whole, never a mix. ``base_revision`` (the revision
    the editor loaded) only tells whether a newer save was replaced. Raises ProfileInvalid
    (nothing saved).
    """
    cleaned = ai_profile_clean(data=data)
    _get_or_create(shop)
    with transaction.atomic():
        configuration = AIConfiguration.objects.select_for_update().get(shop=shop)
        replaced_newer = base_revision is not None and configuration.revision != base_revision
        for part, value in cleaned.items():
            setattr(configuration, part, value)
        configuration.revision += 1
        _mark_pending(configuration)
        configuration.save(update_fields=[*cleaned, "revision", *PENDING_FIELDS, "updated_at"])
        work_schedule(job=AI_PROFILE_SYNC, pk=configuration.pk)
    logger.info(
        "AI profile saved (revision %s)", configuration.revision, extra={"shop": shop, "replaced": replaced_newer}
    )
    configuration.refresh_from_db()
    return SaveResult(configuration=configuration, replaced_newer=replaced_newer)


def ai_configuration_save(*, configuration: AIConfiguration) -> AIConfiguration:
    """Save a profile edited by staff (admin) as a new revision and queue its sync.

    Raises ProfileInvalid; only the profile, the shop and the sync request are written, never
    the state a running sync owns.
    """
    cleaned = ai_profile_clean(data=configuration.profile())
    for part, value in cleaned.items():
        setattr(configuration, part, value)
    with transaction.atomic():
        _mark_pending(configuration)
        if configuration.pk is None:
            configuration.revision = 1
            configuration.save(force_insert=True)
        else:
            current = AIConfiguration.objects.select_for_update().filter(pk=configuration.pk)
            configuration.revision = (current.values_list("revision", flat=True).first() or 0) + 1
            configuration.save(update_fields=["shop", *cleaned, "revision", *PENDING_FIELDS, "updated_at"])
        work_schedule(job=AI_PROFILE_SYNC, pk=configuration.pk)
    configuration.refresh_from_db()
    return configuration


PENDING_FIELDS = ("state", "attempts", "next_attempt_at")


def _mark_pending(configuration: AIConfiguration) -> None:
    configuration.state = SyncStatus.PENDING
    configuration.attempts = 0
    configuration.next_attempt_at = None


def ai_profile_sync_request(*, configuration: AIConfiguration) -> AIConfiguration:
    """Queue a sync now ("Sincronizar ahora", admin resync), whatever the previous outcome.

    A sync already running is left alone (it sends the saved profile). Raises
    ApplicationError when the shop has no Ecomdrop key.
    """
    shop_configuration = shop_configuration_get(shop=configuration.shop)
    if shop_configuration is None or not shop_configuration.ecomdrop_api_key:
        raise ApplicationError(gettext("Connect your Ecomdrop API key first."), code="no_api_key")
    now = timezone.now()
    with transaction.atomic():
        requested = (
            AIConfiguration.objects.filter(pk=configuration.pk)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .update(state=SyncStatus.PENDING, attempts=0, next_attempt_at=None, updated_at=now)
        )
        if requested:
            work_schedule(job=AI_PROFILE_SYNC, pk=configuration.pk)
    configuration.refresh_from_db()
    return configuration


def ai_profile_sync_after_ecomdrop_connected(*, shop: str) -> bool:
    """Queue the profile's sync after the shop connected an Ecomdrop key, when the profile
    failed (key revoked or missing) or never synced; return whether a sync was queued.

    A synced or pending profile is left alone; a shop without a profile gets none.
    """
    configuration = AIConfiguration.objects.filter(shop=shop, state__in=[SyncStatus.FAILED, SyncStatus.NEVER]).first()
    if configuration is None:
        return False
    ai_profile_sync_request(configuration=configuration)
    logger.info("AI profile sync queued after Ecomdrop was connected", extra={"shop": shop})
    return True
