"""Use cases of the AI assistant profile: saving it and syncing it to Ecomdrop.

Owns: validating and saving a merchant's whole profile (last save wins: every save replaces all
nine parts at once, in one row, and adds one to the revision), asking for a sync, and the sync
itself — each part, and the whole profile as text, written to bot fields of the merchant's
Ecomdrop account. Which fields is data (``EcomdropBotField`` rows ``ai:*``): a pinned id is
used as it is; otherwise the field is found by name in the account or created there, and its
id remembered for this shop, account and name (a field renamed or unpinned by staff is
looked up again).

The sync runs as a background task. A worker claims the row with a conditional UPDATE and a
lease; retryable Ecomdrop errors (5xx, timeouts, 429) schedule another attempt with
exponential back-off and jitter, up to AI_PROFILE_SYNC_MAX_ATTEMPTS; a refused key or request
fails at once. Writing a bot field is idempotent, so an attempt repeated after a lost answer
or a lost worker does no harm. The sync is recorded against the revision it read: a save that
lands meanwhile is synced again, never reported as synced. No transaction is open during an
HTTP call; vendor calls go through connector/ecomdrop. Logs carry ids, never profile content.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import random
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assistant import rendering, validators
from assistant.models import AIConfiguration
from assistant.validators import ProfileError
from connector import crypto
from connector.ecomdrop.client import EcomdropClient
from connector.ecomdrop.errors import (
    EcomdropBadRequest,
    EcomdropError,
    EcomdropNotFound,
    EcomdropRateLimited,
)
from connector.errors import ApplicationError
from shops.selectors import ecomdrop_bot_fields_list, shop_configuration_get

logger = logging.getLogger(__name__)

SyncStatus = AIConfiguration.SyncStatus

# The whole profile, as the agent reads it, must fit comfortably in its prompt.
PROFILE_TEXT_MAX_LENGTH = 60_000
BOT_FIELD_PREFIX = "ai:"
# The bot fields of the profile and their default names (seeded as EcomdropBotField rows by
# assistant/migrations/0003; a row, when present, wins: staff may rename a field or pin its id).
DEFAULT_BOT_FIELDS = {
    "ai:agent_name": ("ia_nombre_agente", "Asistente IA: nombre del agente"),
    "ai:company_name": ("ia_nombre_empresa", "Asistente IA: nombre de la empresa"),
    "ai:company_description": ("ia_descripcion_empresa", "Asistente IA: descripción de la empresa"),
    "ai:payment_methods": ("ia_metodos_pago", "Asistente IA: métodos de pago"),
    "ai:company_policies": ("ia_politicas_empresa", "Asistente IA: políticas de la empresa"),
    "ai:faq": ("ia_preguntas_frecuentes", "Asistente IA: preguntas frecuentes"),
    "ai:post_sale_faq": ("ia_preguntas_post_venta", "Asistente IA: preguntas frecuentes post venta"),
    "ai:rules": ("ia_reglas", "Asistente IA: reglas"),
    "ai:notifications": ("ia_notificaciones", "Asistente IA: a quién notificar, por tipo"),
    "ai:profile": ("ia_perfil", "Asistente IA: el perfil completo, como texto para el prompt del agente"),
}
LEASE = datetime.timedelta(minutes=5)
ACCOUNT_HASH_PURPOSE = "assistant.ecomdrop-account"


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


class SyncFailure(Exception):
    """A sync problem that is not an Ecomdrop answer (no key, app uninstalled, field missing)."""

    retryable = False

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail


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
    queues = _backend_queues()
    with transaction.atomic():
        configuration = AIConfiguration.objects.select_for_update().get(shop=shop)
        replaced_newer = base_revision is not None and configuration.revision != base_revision
        for part, value in cleaned.items():
            setattr(configuration, part, value)
        configuration.revision += 1
        _mark_pending(configuration)
        configuration.save(update_fields=[*cleaned, "revision", *PENDING_FIELDS, "updated_at"])
        if queues:
            _enqueue(configuration.pk)
    if not queues:
        _enqueue(configuration.pk)
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
    queues = _backend_queues()
    with transaction.atomic():
        _mark_pending(configuration)
        if configuration.pk is None:
            configuration.revision = 1
            configuration.save(force_insert=True)
        else:
            current = AIConfiguration.objects.select_for_update().filter(pk=configuration.pk)
            configuration.revision = (current.values_list("revision", flat=True).first() or 0) + 1
            configuration.save(update_fields=["shop", *cleaned, "revision", *PENDING_FIELDS, "updated_at"])
        if queues:
            _enqueue(configuration.pk)
    if not queues:
        _enqueue(configuration.pk)
    configuration.refresh_from_db()
    return configuration


PENDING_FIELDS = ("sync_status", "sync_attempts", "sync_next_attempt_at")


def _mark_pending(configuration: AIConfiguration) -> None:
    configuration.sync_status = SyncStatus.PENDING
    configuration.sync_attempts = 0
    configuration.sync_next_attempt_at = None


def ai_profile_sync_request(*, configuration: AIConfiguration) -> AIConfiguration:
    """Queue a sync now ("Sincronizar ahora", admin resync), whatever the previous outcome.

    A sync already running is left alone (it sends the saved profile). Raises
    ApplicationError when the shop has no Ecomdrop key.
    """
    shop_configuration = shop_configuration_get(shop=configuration.shop)
    if shop_configuration is None or not shop_configuration.ecomdrop_api_key:
        raise ApplicationError(gettext("Connect your Ecomdrop API key first."), code="no_api_key")
    now = timezone.now()
    queues = _backend_queues()
    with transaction.atomic():
        requested = (
            AIConfiguration.objects.filter(pk=configuration.pk)
            .filter(Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lt=now))
            .update(sync_status=SyncStatus.PENDING, sync_attempts=0, sync_next_attempt_at=None)
        )
        if requested and queues:
            _enqueue(configuration.pk)
    if requested and not queues:
        _enqueue(configuration.pk)
    configuration.refresh_from_db()
    return configuration


def ai_profile_sync_after_ecomdrop_connected(*, shop: str) -> bool:
    """Queue the profile's sync after the shop connected an Ecomdrop key, when the profile
    failed (key revoked or missing) or never synced; return whether a sync was queued.

    A synced or pending profile is left alone; a shop without a profile gets none.
    """
    configuration = AIConfiguration.objects.filter(
        shop=shop, sync_status__in=[SyncStatus.FAILED, SyncStatus.NEVER]
    ).first()
    if configuration is None:
        return False
    ai_profile_sync_request(configuration=configuration)
    logger.info("AI profile sync queued after Ecomdrop was connected", extra={"shop": shop})
    return True


# --------------------------------------------------------------------------- queueing
def _backend_queues() -> bool:
    """Whether the task backend queues jobs (database) rather than running them at enqueue.

    A queueing backend gets the job inside the caller's transaction, so it commits with the
    data; a backend that runs the task at once (``immediate``, tests) is called after the
    transaction, so no HTTP call ever runs inside it.
    """
    from assistant.tasks import sync_ai_profile

    return sync_ai_profile.get_backend().supports_defer


def _enqueue(configuration_id: int, *, run_after: datetime.datetime | None = None) -> None:
    from assistant.tasks import sync_ai_profile

    task = sync_ai_profile
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # immediate backend (tests): due syncs are run by ai_profile_sync_process_due
        task = task.using(run_after=run_after)
    task.enqueue(configuration_id)


# --------------------------------------------------------------------------- syncing
@dataclasses.dataclass
class _AccountFields:
    """Bot field ids of one Ecomdrop account, as far as they are known during one sync.

    ``ids`` holds the id each key was written to; ``names`` the name a found or created id
    was resolved from (a pinned id has none), so a remembered id is reused only while its
    field's row still has that name and no pinned id.
    """

    ids: dict[str, str]
    names: dict[str, str] = dataclasses.field(default_factory=dict)
    by_name: dict[str, str] | None = None  # the account's fields, listed at most once per sync
    # Remembered before names were kept: each id is taken as resolved from its row's current name.
    names_unknown: bool = False

    def resolved_from(self, key: str, name: str) -> bool:
        """Whether the id remembered for ``key`` was found or created under ``name``."""
        if self.names_unknown and key not in self.names:
            return True
        return self.names.get(key) == name

    def remembered(self, account: str) -> dict[str, Any]:
        return {"account": account, "ids": self.ids, "names": self.names}


def _account_hash(api_key: str) -> list[str]:
    return [value[:32] for value in crypto.keyed_hashes(api_key, purpose=ACCOUNT_HASH_PURPOSE)]


def _text_map(value: Any) -> dict[str, str]:
    return {str(key): str(item) for key, item in value.items()} if isinstance(value, dict) else {}


def _remembered_fields(configuration: AIConfiguration, api_key: str) -> _AccountFields:
    stored = configuration.ecomdrop_field_ids if isinstance(configuration.ecomdrop_field_ids, dict) else {}
    if stored.get("account") not in _account_hash(api_key):
        return _AccountFields(ids={})  # another account (or none yet): its ids mean nothing here
    return _AccountFields(
        ids=_text_map(stored.get("ids")), names=_text_map(stored.get("names")), names_unknown="names" not in stored
    )


def ai_profile_account_changed(*, configuration: AIConfiguration, api_key: str) -> bool:
    """Whether the last sync went to another Ecomdrop account than the one of ``api_key``."""
    stored = configuration.ecomdrop_field_ids if isinstance(configuration.ecomdrop_field_ids, dict) else {}
    return bool(stored.get("account")) and stored.get("account") not in _account_hash(api_key)


@dataclasses.dataclass(frozen=True)
class BotFieldDefinition:
    """One profile bot field: where it is written (a pinned id, else looked up by name)."""

    key: str
    field_id: str
    name: str
    description: str


def _bot_field_definitions() -> dict[str, BotFieldDefinition]:
    """Every profile bot field: the staff-editable row, or its default when the row is missing."""
    rows = ecomdrop_bot_fields_list(key_prefix=BOT_FIELD_PREFIX)
    definitions = {}
    for key, (name, description) in DEFAULT_BOT_FIELDS.items():
        row = rows.get(key)
        definitions[key] = (
            BotFieldDefinition(key=key, field_id=row.field_id, name=row.name, description=row.description)
            if row is not None
            else BotFieldDefinition(key=key, field_id="", name=name, description=description)
        )
    return definitions


def _find_or_create(client: EcomdropClient, definition: BotFieldDefinition, fields: _AccountFields) -> str:
    if fields.by_name is None:
        try:
            fields.by_name = {field.name: field.id for field in client.bot_fields()}
        except EcomdropNotFound:
            fields.by_name = {}  # this Ecomdrop cannot list its bot fields: create them
    if definition.name in fields.by_name:
        return fields.by_name[definition.name]
    if not definition.name:
        raise SyncFailure("BotFieldUnavailable", definition.key)
    try:
        created = client.create_bot_field(name=definition.name, description=definition.description)
    except (EcomdropNotFound, EcomdropBadRequest) as error:
        raise SyncFailure("BotFieldUnavailable", definition.name) from error
    fields.by_name[definition.name] = created.id
    logger.info("Created Ecomdrop bot field for %s", definition.key)
    return created.id


def _write(client: EcomdropClient, definition: BotFieldDefinition, value: str, fields: _AccountFields) -> None:
    key = definition.key
    if definition.field_id:
        field_id = definition.field_id
        fields.names.pop(key, None)
    elif fields.ids.get(key) and fields.resolved_from(key, definition.name):
        field_id = fields.ids[key]
        fields.names[key] = definition.name
    else:
        # Never synced, or staff renamed or unpinned the field since: resolve it by its name.
        field_id = _find_or_create(client, definition, fields)
        fields.names[key] = definition.name
    fields.ids[key] = field_id
    try:
        client.set_bot_field(field_id=field_id, value=value)
    except EcomdropNotFound:
        # The remembered or pinned field is not in this account (deleted, or another
        # account's id): find it by name or create it, once.
        fields.ids.pop(key, None)
        fields.names.pop(key, None)
        found = _find_or_create(client, definition, fields)
        if found == field_id:
            raise
        fields.ids[key] = found
        fields.names[key] = definition.name
        client.set_bot_field(field_id=found, value=value)


def _claim(configuration_id: int, owner: str) -> bool:
    now = timezone.now()
    claimed = (
        AIConfiguration.objects.filter(pk=configuration_id, sync_status=SyncStatus.PENDING)
        .filter(Q(sync_next_attempt_at__isnull=True) | Q(sync_next_attempt_at__lte=now))
        .filter(Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lt=now))
        .update(sync_lease_owner=owner, sync_lease_until=now + LEASE, sync_attempts=F("sync_attempts") + 1)
    )
    return claimed == 1


def _finish(configuration_id: int, owner: str, **changes: Any) -> int:
    return AIConfiguration.objects.filter(pk=configuration_id, sync_lease_owner=owner).update(
        sync_lease_owner="", sync_lease_until=None, **changes
    )


def ai_profile_sync(*, configuration_id: int) -> str:
    """Write the saved profile to the shop's Ecomdrop bot fields; return the resulting sync status.

    Does nothing (returns the current status) when no sync is due or another worker holds the
    row; in that last case it looks again when that worker's lease ends.
    """
    owner = uuid.uuid4().hex
    if not _claim(configuration_id, owner):
        row = AIConfiguration.objects.filter(pk=configuration_id).values("sync_status", "sync_lease_until").first()
        if row is None:
            return ""
        lease_until = row["sync_lease_until"]
        if row["sync_status"] == SyncStatus.PENDING and lease_until and lease_until >= timezone.now():
            _enqueue(configuration_id, run_after=lease_until + datetime.timedelta(seconds=1))
        return row["sync_status"]

    configuration = AIConfiguration.objects.get(pk=configuration_id)
    revision = configuration.revision
    shop_configuration = shop_configuration_get(shop=configuration.shop)
    fields = _AccountFields(ids={})
    account = ""
    try:
        if shop_configuration is None or not shop_configuration.is_installed:
            raise SyncFailure("NotInstalled")
        if not shop_configuration.ecomdrop_api_key:
            raise SyncFailure("NoApiKey")
        api_key = shop_configuration.ecomdrop_api_key.reveal()
        account = _account_hash(api_key)[0]
        fields = _remembered_fields(configuration, api_key)
        client = EcomdropClient(api_key=api_key)
        definitions = _bot_field_definitions()
        for key, value in rendering.bot_field_values(configuration.profile()).items():
            _write(client, definitions[key], value, fields)
    except (EcomdropError, SyncFailure) as error:
        remembered = fields.remembered(account) if account else configuration.ecomdrop_field_ids
        return _fail_or_retry(configuration, owner, error, remembered)

    remembered = fields.remembered(account)
    now = timezone.now()
    synced = AIConfiguration.objects.filter(pk=configuration_id, sync_lease_owner=owner, revision=revision).update(
        sync_status=SyncStatus.SYNCED,
        synced_at=now,
        synced_revision=revision,
        last_sync_error="",
        sync_attempts=0,
        sync_next_attempt_at=None,
        sync_lease_owner="",
        sync_lease_until=None,
        ecomdrop_field_ids=remembered,
    )
    if synced:
        logger.info("AI profile synced (revision %s)", revision, extra={"shop": configuration.shop})
        return SyncStatus.SYNCED
    # A newer save landed while this one was being written: send that one too, at once.
    if _finish(configuration_id, owner, sync_attempts=0, sync_next_attempt_at=None, ecomdrop_field_ids=remembered):
        _enqueue(configuration_id)
    return SyncStatus.PENDING


def _error_text(error: Exception) -> str:
    if isinstance(error, SyncFailure):
        return f"{error.kind}: {error.detail}"[:1000] if error.detail else error.kind
    return f"{type(error).__name__}: {error}"[:1000]


def _retry_delay(attempts: int, error: Exception) -> datetime.timedelta:
    base = settings.AI_PROFILE_SYNC_RETRY_BASE_SECONDS
    cap = settings.AI_PROFILE_SYNC_RETRY_MAX_SECONDS
    seconds = min(cap, base * 2 ** max(attempts - 1, 0)) * (0.5 + random.random())  # noqa: S311 (jitter)
    if isinstance(error, EcomdropRateLimited):
        seconds = max(seconds, error.retry_after)
    return datetime.timedelta(seconds=seconds)


def _fail_or_retry(configuration: AIConfiguration, owner: str, error: Exception, remembered: dict[str, Any]) -> str:
    attempts = AIConfiguration.objects.filter(pk=configuration.pk).values_list("sync_attempts", flat=True).first() or 0
    if getattr(error, "retryable", False) and attempts < settings.AI_PROFILE_SYNC_MAX_ATTEMPTS:
        next_attempt = timezone.now() + _retry_delay(attempts, error)
        with transaction.atomic():
            finished = _finish(
                configuration.pk,
                owner,
                sync_next_attempt_at=next_attempt,
                last_sync_error=_error_text(error),
                ecomdrop_field_ids=remembered,
            )
            if finished:
                _enqueue(configuration.pk, run_after=next_attempt)
        logger.info(
            "AI profile sync will retry (attempt %s): %s",
            attempts,
            type(error).__name__,
            extra={"shop": configuration.shop},
        )
        return SyncStatus.PENDING
    _finish(
        configuration.pk,
        owner,
        sync_status=SyncStatus.FAILED,
        sync_next_attempt_at=None,
        last_sync_error=_error_text(error),
        ecomdrop_field_ids=remembered,
    )
    logger.warning(
        "AI profile sync failed: %s", getattr(error, "kind", type(error).__name__), extra={"shop": configuration.shop}
    )
    return SyncStatus.FAILED


def ai_profile_sync_process_due(*, limit: int = 100) -> int:
    """Run the syncs whose next attempt is due (for backends that cannot defer tasks, and as
    a safety net); return how many were tried."""
    due = list(
        AIConfiguration.objects.filter(sync_status=SyncStatus.PENDING)
        .filter(Q(sync_next_attempt_at__isnull=True) | Q(sync_next_attempt_at__lte=timezone.now()))
        .order_by("sync_next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for configuration_id in due:
        ai_profile_sync(configuration_id=configuration_id)
    return len(due)
