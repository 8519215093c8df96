"""Where the AI assistant profile goes in a merchant's Ecomdrop account: its bot fields.

Owns: which bot fields the profile is written to — data (``EcomdropBotField`` rows ``ai:*``): a
pinned id is used as it is; otherwise the field is found by name in the account or created
there, and its id remembered for this shop, account and name (a field renamed or unpinned by
staff is looked up again) — and writing one value to one field. Must not write the profile's
row (the sync records what was remembered) nor log profile content.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from assistant.models import AIConfiguration
from connector import crypto
from connector.ecomdrop.client import EcomdropClient
from connector.ecomdrop.errors import EcomdropBadRequest, EcomdropNotFound
from shops.selectors import ecomdrop_bot_fields_list

logger = logging.getLogger(__name__)

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
ACCOUNT_HASH_PURPOSE = "assistant.ecomdrop-account"


class SyncFailure(Exception):
    """A sync problem that is not an Ecomdrop answer (no key, app uninstalled, field missing)."""

    retryable = False

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail


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
