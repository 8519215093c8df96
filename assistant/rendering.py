"""The AI assistant profile as text: each part for its own Ecomdrop bot field, and the whole
profile for the agent's prompt.

Owns: how the stored profile reads to the agent. The headings are Spanish whatever the
merchant's language, because the agent talks to Spanish-speaking buyers. Pure functions on the
profile dictionary (``AIConfiguration.profile()``); must not import models or call vendors.
"""

from __future__ import annotations

from typing import Any

from shops.countries import COUNTRIES_BY_CODE

PROFILE_FIELD_KEY = "ai:profile"
SECTION_TITLES = {
    "company_description": "Descripción de la empresa",
    "payment_methods": "Métodos de pago",
    "company_policies": "Políticas de la empresa",
    "faq": "Preguntas frecuentes",
    "post_sale_faq": "Preguntas frecuentes post venta",
    "rules": "Reglas",
    "notifications": "Notificaciones (a quién avisar, por tipo)",
}


def _payment_methods(items: list[dict[str, Any]]) -> str:
    lines = []
    for item in items:
        suffix = "" if item.get("enabled", True) else " (no disponible por ahora)"
        lines.append(f"- {item.get('name', '')}{suffix}")
    return "\n".join(lines)


def _faq(items: list[dict[str, Any]]) -> str:
    return "\n\n".join(f"P: {item.get('question', '')}\nR: {item.get('answer', '')}" for item in items)


def _rules(items: list[dict[str, Any]]) -> str:
    return "\n".join(f"{number}. {item.get('text', '')}" for number, item in enumerate(items, start=1))


def _notifications(items: list[dict[str, Any]]) -> str:
    lines = []
    for item in items:
        country = COUNTRIES_BY_CODE.get(item.get("country") or "")
        where = f" ({country.name})" if country else ""
        lines.append(f"- {item.get('type', '')}: {item.get('name', '')}, {item.get('phone', '')}{where}")
    return "\n".join(lines)


LIST_RENDERERS = {
    "payment_methods": _payment_methods,
    "faq": _faq,
    "post_sale_faq": _faq,
    "rules": _rules,
    "notifications": _notifications,
}


def render_part(part: str, value: Any) -> str:
    """One part as text ("" when empty)."""
    if part in LIST_RENDERERS:
        return LIST_RENDERERS[part](value or [])
    return (value or "").strip()


def render_profile(profile: dict[str, Any]) -> str:
    """The whole profile as one text with Spanish headings; empty parts are left out."""
    header = []
    if profile.get("agent_name"):
        header.append(f"Nombre del agente: {profile['agent_name']}")
    if profile.get("company_name"):
        header.append(f"Empresa: {profile['company_name']}")
    blocks = ["\n".join(header)] if header else []
    for part, title in SECTION_TITLES.items():
        text = render_part(part, profile.get(part))
        if text:
            blocks.append(f"## {title}\n{text}")
    return "\n\n".join(blocks)


def bot_field_values(profile: dict[str, Any]) -> dict[str, str]:
    """What each ``ai:*`` bot field receives: ``ai:<part>`` for every part and ``ai:profile``."""
    values = {f"ai:{part}": render_part(part, value) for part, value in profile.items()}
    values[PROFILE_FIELD_KEY] = render_profile(profile)
    return values
