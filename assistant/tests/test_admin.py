"""The admin console for AI profiles: sync state, saves that sync, the resync action."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from assistant.models import AIConfiguration
from assistant.tests.factories import AIConfigurationFactory
from shops.models import EcomdropBotField
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"


@pytest.fixture
def connected(ecomdrop_simulator):
    ecomdrop_simulator.add_account(KEY)
    return ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, installed_at=timezone.now())


def change_url(configuration):
    return reverse("admin:assistant_aiconfiguration_change", args=[configuration.pk])


def form_data(configuration, **overrides):
    data = {"shop": configuration.shop}
    for part in ("agent_name", "company_name", "company_description", "company_policies"):
        data[part] = getattr(configuration, part) or ""
    for part in ("payment_methods", "faq", "post_sale_faq", "rules", "notifications"):
        data[part] = json.dumps(getattr(configuration, part) or [], ensure_ascii=False)
    data.update(overrides)
    return data


def test_the_change_page_shows_the_sync_state_the_problem_and_the_text_for_the_agent(admin_client, connected):
    configuration = AIConfigurationFactory(
        shop=SHOP, state=AIConfiguration.SyncStatus.FAILED, last_error="EcomdropAuthError: refused"
    )

    page = admin_client.get(change_url(configuration), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Ecomdrop rechazó la clave API" in page
    assert "Nombre del agente: Andrés" in page
    assert "## Reglas" in page
    assert KEY not in page


def test_the_change_page_shows_an_unrecognised_error_as_it_is_next_to_the_plain_words(admin_client, connected):
    raw = "EcomdropError: Ecomdrop answered HTTP 418 (bot field)"
    configuration = AIConfigurationFactory(shop=SHOP, state=AIConfiguration.SyncStatus.FAILED, last_error=raw)

    page = admin_client.get(change_url(configuration), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Ecomdrop no pudo guardar el perfil del asistente." in page
    assert raw in page


def test_a_staff_edit_is_a_new_revision_with_normalised_lists_and_is_synced(
    admin_client, connected, ecomdrop_simulator
):
    configuration = AIConfigurationFactory(shop=SHOP, revision=3)
    notifications = json.dumps([{"type": "Garantía", "phone": "+51 987 654 321", "name": "Beto"}])

    response = admin_client.post(change_url(configuration), form_data(configuration, notifications=notifications))

    assert response.status_code == 302
    saved = AIConfiguration.objects.get(pk=configuration.pk)
    assert saved.revision == 4
    assert saved.notifications[0]["phone"] == "+51987654321"
    assert saved.notifications[0]["country"] == "PE"
    assert saved.notifications[0]["id"]
    assert saved.state == AIConfiguration.SyncStatus.SYNCED
    assert ecomdrop_simulator.bot_field_values(KEY)["ia_notificaciones"] == "- Garantía: Beto, +51987654321 (Perú)"


def test_a_profile_too_long_for_the_agent_is_a_form_error(admin_client, connected):
    configuration = AIConfigurationFactory(shop=SHOP)
    faq = json.dumps([{"question": f"¿P{number}?", "answer": "a" * 4900} for number in range(13)])

    response = admin_client.post(change_url(configuration), form_data(configuration, faq=faq))

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert AIConfiguration.objects.get(pk=configuration.pk).faq == configuration.faq


def test_the_resync_action_queues_shops_with_a_key_and_skips_the_others(admin_client, connected, ecomdrop_simulator):
    synced = AIConfigurationFactory(shop=SHOP, state=AIConfiguration.SyncStatus.FAILED)
    without_key = AIConfigurationFactory(shop="sin-clave.myshopify.com")

    response = admin_client.post(
        reverse("admin:assistant_aiconfiguration_changelist"),
        {"action": "resync", "_selected_action": [synced.pk, without_key.pk]},
        follow=True,
    )

    assert "1 perfil(es)" in response.content.decode()
    assert AIConfiguration.objects.get(pk=synced.pk).state == AIConfiguration.SyncStatus.SYNCED
    assert AIConfiguration.objects.get(pk=without_key.pk).state == AIConfiguration.SyncStatus.NEVER
    assert ecomdrop_simulator.bot_field_values(KEY)["ia_nombre_agente"] == "Andrés"


def test_staff_can_leave_a_bot_field_id_empty_or_pin_one(admin_client):
    field = EcomdropBotField.objects.get(key="ai:agent_name")
    url = reverse("admin:shops_ecomdropbotfield_change", args=[field.pk])

    pinned = admin_client.post(url, {"key": field.key, "field_id": "777", "name": "nombre", "description": ""})
    emptied = admin_client.post(url, {"key": field.key, "field_id": "", "name": "nombre", "description": ""})

    assert pinned.status_code == emptied.status_code == 302
    assert EcomdropBotField.objects.get(pk=field.pk).field_id == ""
