"""Reads of the AI assistant profile used by the embedded page, its API and the admin.

Owns: finding a shop's profile and describing its sync state in words a merchant understands
(a sync that waits while no task worker runs says so: ``connector.heartbeat``). Reads only;
never writes and never calls a vendor.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assistant import services, validators
from assistant.models import AIConfiguration
from connector.heartbeat import worker_last_seen, worker_silence_limit
from shops.selectors import shop_configuration_get

if TYPE_CHECKING:
    from shops.models import ShopConfiguration

SyncStatus = AIConfiguration.SyncStatus

SYNC_PROBLEMS = {
    "EcomdropAuthError": gettext_noop(
        "Ecomdrop refused the API key. Connect it again in Configuration › Ecomdrop, then sync."
    ),
    "EcomdropUnavailable": gettext_noop("Ecomdrop is not answering."),
    "EcomdropTimeout": gettext_noop("Ecomdrop did not answer in time."),
    "EcomdropRateLimited": gettext_noop("Ecomdrop asked to slow down."),
    "EcomdropBadRequest": gettext_noop("Ecomdrop refused the data that was sent."),
    "EcomdropNotFound": gettext_noop("Ecomdrop did not find one of the assistant's fields."),
    "BotFieldUnavailable": gettext_noop(
        "Ecomdrop did not let the app create the field “%(name)s”. Contact support: they can enter its id."
    ),
    "NoApiKey": gettext_noop("Connect your Ecomdrop API key to sync the assistant."),
    "NotInstalled": gettext_noop("The app is not installed in this shop."),
}
# Any other error (an Ecomdrop answer the client has no name for, an unexpected failure): the
# merchant gets this, staff see the recorded error as it is in the admin.
UNKNOWN_SYNC_PROBLEM = gettext_noop(
    "Ecomdrop could not save the assistant's profile. Sync again; if it fails again, contact support."
)


def ai_configuration_get(*, shop: str) -> AIConfiguration | None:
    """The shop's profile, or None before its first save."""
    return AIConfiguration.objects.filter(shop=shop).first()


def ai_profile_sync_problem(*, configuration: AIConfiguration) -> str:
    """The last sync error in plain words, in the active language ("" when there is none); an
    error without a description of its own gets a generic one, never the recorded text."""
    if not configuration.last_error:
        return ""
    kind, _separator, detail = configuration.last_error.partition(":")
    text = _(SYNC_PROBLEMS.get(kind, UNKNOWN_SYNC_PROBLEM))
    if kind == "BotFieldUnavailable":
        text = text % {"name": detail.strip()}
    if configuration.state == SyncStatus.PENDING:
        retried = _("It will be retried automatically.")
        text = f"{text} {retried}"
    return text


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _worker_missing(configuration: AIConfiguration, *, now: datetime.datetime) -> tuple[bool, datetime.datetime | None]:
    """Whether the sync has been due for a while with no task worker running, and when a worker
    was last seen. A sync a worker holds, or whose retry is not due yet, is not waiting."""
    if configuration.state != SyncStatus.PENDING or (configuration.lease_until and configuration.lease_until > now):
        return False, None
    due_since = max(configuration.updated_at, configuration.next_attempt_at or configuration.updated_at)
    silence = worker_silence_limit()
    if now - due_since <= silence:
        return False, None
    seen_at = worker_last_seen()
    return seen_at is None or now - seen_at > silence, seen_at


def ai_profile_sync_state(
    *, configuration: AIConfiguration | None, shop_configuration: ShopConfiguration | None
) -> dict[str, Any]:
    """What the page shows about the sync: status, when, the problem, whether it is current."""
    if configuration is None:
        return {
            "status": SyncStatus.NEVER,
            "status_label": str(SyncStatus.NEVER.label),
            "synced_at": None,
            "current": False,
            "retrying": False,
            "attempts": 0,
            "next_attempt_at": None,
            "problem": "",
            "account_changed": False,
            "worker_missing": False,
            "worker_seen_at": None,
            "now": timezone.now().isoformat(),
        }
    now = timezone.now()
    worker_missing, worker_seen_at = _worker_missing(configuration, now=now)
    status = configuration.state
    retrying = status == SyncStatus.PENDING and bool(configuration.last_error) and configuration.attempts > 0
    account_changed = False
    api_key = shop_configuration.ecomdrop_api_key if shop_configuration is not None else None
    connected = bool(api_key)
    if api_key:
        account_changed = services.ai_profile_account_changed(configuration=configuration, api_key=api_key.reveal())
    problem = ""
    if status == SyncStatus.FAILED or retrying:
        problem = ai_profile_sync_problem(configuration=configuration)
        if connected and configuration.last_error == "NoApiKey":
            problem = _("Ecomdrop is connected now: sync to send the profile.")
    return {
        "status": status,
        "status_label": configuration.get_state_display(),
        "synced_at": _iso(configuration.synced_at),
        "current": configuration.synced_revision == configuration.revision,
        "retrying": retrying,
        "attempts": configuration.attempts,
        "next_attempt_at": _iso(configuration.next_attempt_at) if retrying else None,
        "problem": problem,
        "account_changed": account_changed,
        "worker_missing": worker_missing,
        "worker_seen_at": _iso(worker_seen_at) if worker_missing else None,
        "now": now.isoformat(),
    }


def ai_profile_page_state(*, shop: str, shop_configuration: ShopConfiguration | None = None) -> dict[str, Any]:
    """The profile, its revision and its sync state, as the Asistente IA tab and its API use them."""
    configuration = ai_configuration_get(shop=shop)
    if shop_configuration is None:
        shop_configuration = shop_configuration_get(shop=shop)
    if configuration is not None:
        profile = configuration.profile()
    else:
        profile = {part: ([] if part in validators.LIST_PARTS else None) for part in validators.PROFILE_PARTS}
    return {
        "profile": profile,
        "revision": configuration.revision if configuration else 0,
        "updated_at": _iso(configuration.updated_at) if configuration else None,
        "sync": ai_profile_sync_state(configuration=configuration, shop_configuration=shop_configuration),
    }


def ai_profile_panel_context(*, shop: str, shop_configuration: ShopConfiguration | None = None) -> dict[str, Any]:
    """Everything the Asistente IA tab renders: the page state and the notification types."""
    return {
        "state": ai_profile_page_state(shop=shop, shop_configuration=shop_configuration),
        "notification_types": [
            {"value": value, "label": str(validators.NOTIFICATION_TYPE_LABELS[value])}
            for value in validators.NOTIFICATION_TYPES
        ],
    }
