"""The AI profile's sync to the Ecomdrop simulator: payloads, field ids, retries and failures."""

import datetime
import logging

import pytest
from django.utils import timezone

from assistant import selectors, services
from assistant.models import AIConfiguration
from assistant.tests.factories import AIConfigurationFactory
from assistant.tests.profiles import profile
from connector.ecomdrop.client import EcomdropClient
from connector.errors import ApplicationError
from shops import services as shop_services
from shops.models import EcomdropBotField
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
OTHER_KEY = "ecomdrop-key-OTRA-CUENTA-9999"
Status = AIConfiguration.SyncStatus
FIELD_NAMES = {
    "ia_nombre_agente",
    "ia_nombre_empresa",
    "ia_descripcion_empresa",
    "ia_metodos_pago",
    "ia_politicas_empresa",
    "ia_preguntas_frecuentes",
    "ia_preguntas_post_venta",
    "ia_reglas",
    "ia_notificaciones",
    "ia_perfil",
}


@pytest.fixture
def account(ecomdrop_simulator):
    account = ecomdrop_simulator.add_account(KEY)
    account.strict_bot_fields = True
    return account


@pytest.fixture
def shop_configuration(account):
    return ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, installed_at=timezone.now())


def save(**overrides):
    return services.ai_profile_save(shop=SHOP, data=profile(**overrides)).configuration


def stored():
    return AIConfiguration.objects.get(shop=SHOP)


def make_due():
    AIConfiguration.objects.filter(shop=SHOP).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def test_saving_writes_every_part_and_the_whole_profile_to_bot_fields(shop_configuration, ecomdrop_simulator):
    configuration = save()

    values = ecomdrop_simulator.bot_field_values(KEY)
    assert set(values) == FIELD_NAMES
    assert values["ia_nombre_agente"] == "Andrés 🤖"
    assert values["ia_nombre_empresa"] == "ClickShop®"
    assert values["ia_metodos_pago"] == "- Contra entrega\n- Nequi 💸 (no disponible por ahora)"
    assert values["ia_preguntas_frecuentes"] == "P: ¿Envían gratis?\nR: Sí, desde $100.000 🚚"
    assert values["ia_reglas"] == "1. Responder siempre en español\n2. Nunca prometer fechas exactas"
    assert values["ia_notificaciones"] == (
        "- Cancelación: Laura Gómez, +573001234567 (Colombia)\n- Garantía: Ñoño Pérez, +51987654321 (Perú)"
    )
    assert values["ia_perfil"].startswith("Nombre del agente: Andrés 🤖\nEmpresa: ClickShop®\n\n## Descripción")
    assert "## Reglas\n1. Responder siempre en español" in values["ia_perfil"]
    # Sent as form values, UTF-8 intact.
    first = ecomdrop_simulator.requests_of("bot_field")[0]
    assert first.headers["content-type"] == "application/x-www-form-urlencoded"
    assert first.form() == {"value": "Andrés 🤖"}
    assert (configuration.state, configuration.synced_revision, configuration.revision) == (Status.SYNCED, 1, 1)
    assert configuration.synced_at is not None
    assert configuration.last_error == ""


def test_fields_are_created_once_with_name_and_description_then_their_ids_are_reused(
    shop_configuration, ecomdrop_simulator
):
    save()
    save(agent_name="Beatriz")

    assert ecomdrop_simulator.count("list_bot_fields") == 1
    assert ecomdrop_simulator.count("create_bot_field") == 10
    assert ecomdrop_simulator.count("bot_field") == 20
    created = ecomdrop_simulator.requests_of("create_bot_field")[0].form()
    assert created == {"name": "ia_nombre_agente", "type": "text", "description": "Asistente IA: nombre del agente"}
    ids = stored().ecomdrop_field_ids["ids"]
    assert set(ids) == {definition.key for definition in EcomdropBotField.objects.filter(key__startswith="ai:")}
    assert ecomdrop_simulator.bot_field_values(KEY)["ia_nombre_agente"] == "Beatriz"


def test_fields_that_exist_in_the_account_are_found_by_name(shop_configuration, ecomdrop_simulator):
    existing = ecomdrop_simulator.add_bot_field(KEY, "ia_perfil", value="viejo")

    save()

    assert ecomdrop_simulator.count("create_bot_field") == 9
    assert stored().ecomdrop_field_ids["ids"]["ai:profile"] == existing
    assert ecomdrop_simulator.accounts[KEY].bot_fields[existing].startswith("Nombre del agente")


def test_a_field_id_pinned_by_staff_is_used_as_it_is(shop_configuration, ecomdrop_simulator):
    ecomdrop_simulator.add_bot_field(KEY, "nombre_del_bot", field_id="777")
    EcomdropBotField.objects.filter(key="ai:agent_name").update(field_id="777")

    save()

    assert ecomdrop_simulator.accounts[KEY].bot_fields["777"] == "Andrés 🤖"
    assert "ia_nombre_agente" not in ecomdrop_simulator.bot_field_values(KEY)


def test_staff_edits_to_the_fields_win_over_the_ids_remembered_by_an_earlier_sync(
    shop_configuration, ecomdrop_simulator, account
):
    save()
    remembered = stored().ecomdrop_field_ids["ids"]
    ecomdrop_simulator.add_bot_field(KEY, "nombre_del_bot", field_id="777")
    EcomdropBotField.objects.filter(key="ai:agent_name").update(field_id="777")
    EcomdropBotField.objects.filter(key="ai:rules").update(name="reglas_del_bot")

    save(agent_name="Beatriz", rules=[{"text": "Saludar con el nombre del cliente"}])

    assert account.bot_fields["777"] == "Beatriz"
    assert account.bot_fields[remembered["ai:agent_name"]] == "Andrés 🤖"  # no longer written
    values = ecomdrop_simulator.bot_field_values(KEY)
    assert values["reglas_del_bot"] == "1. Saludar con el nombre del cliente"
    assert values["ia_reglas"] == "1. Responder siempre en español\n2. Nunca prometer fechas exactas"
    ids = stored().ecomdrop_field_ids["ids"]
    assert ids["ai:agent_name"] == "777"
    assert ids["ai:rules"] not in {remembered["ai:rules"], "777"}
    assert ids["ai:faq"] == remembered["ai:faq"]  # unchanged rows keep their ids

    # Unpinned again: the field is the one found by its name.
    EcomdropBotField.objects.filter(key="ai:agent_name").update(field_id="")
    save(agent_name="Carla")

    assert ecomdrop_simulator.bot_field_values(KEY)["ia_nombre_agente"] == "Carla"
    assert account.bot_fields["777"] == "Beatriz"
    assert stored().ecomdrop_field_ids["ids"]["ai:agent_name"] == remembered["ai:agent_name"]


def test_ids_remembered_before_names_were_kept_are_still_used(shop_configuration, ecomdrop_simulator, account):
    save()
    ids = stored().ecomdrop_field_ids["ids"]
    # A row written by an earlier version: ids only, no names; and an Ecomdrop that cannot
    # list its fields, so looking them up again would try to create them a second time.
    AIConfiguration.objects.filter(shop=SHOP).update(
        ecomdrop_field_ids={"account": stored().ecomdrop_field_ids["account"], "ids": ids}
    )
    account.bot_field_api = False
    creates = ecomdrop_simulator.count("create_bot_field")

    configuration = save(agent_name="Beatriz")

    assert configuration.state == Status.SYNCED
    assert ecomdrop_simulator.count("create_bot_field") == creates
    assert account.bot_fields[ids["ai:agent_name"]] == "Beatriz"
    assert stored().ecomdrop_field_ids["ids"] == ids


def test_a_field_deleted_in_ecomdrop_is_created_again(shop_configuration, ecomdrop_simulator, account):
    save()
    rules_id = stored().ecomdrop_field_ids["ids"]["ai:rules"]
    del account.bot_field_definitions[rules_id]

    save(rules=[{"text": "Saludar con el nombre del cliente"}])

    new_id = stored().ecomdrop_field_ids["ids"]["ai:rules"]
    assert new_id != rules_id
    assert account.bot_fields[new_id] == "1. Saludar con el nombre del cliente"
    assert stored().state == Status.SYNCED


def test_a_missing_field_row_falls_back_to_its_default_name_and_a_renamed_one_wins(
    shop_configuration, ecomdrop_simulator
):
    EcomdropBotField.objects.filter(key="ai:notifications").delete()
    EcomdropBotField.objects.filter(key="ai:rules").update(name="reglas_del_bot")

    save()

    values = ecomdrop_simulator.bot_field_values(KEY)
    assert values["ia_notificaciones"].startswith("- Cancelación")
    assert values["reglas_del_bot"].startswith("1. Responder")
    assert "ia_reglas" not in values


def test_ecomdrop_down_keeps_the_profile_and_retries_with_back_off(shop_configuration, ecomdrop_simulator, settings):
    settings.AI_PROFILE_SYNC_RETRY_BASE_SECONDS = 30
    ecomdrop_simulator.fail_next("list_bot_fields", status=503, times=2)
    before = timezone.now()

    configuration = save()

    assert configuration.state == Status.PENDING
    assert configuration.attempts == 1
    assert before + datetime.timedelta(seconds=15) <= configuration.next_attempt_at
    assert configuration.next_attempt_at <= timezone.now() + datetime.timedelta(seconds=45)
    assert configuration.last_error.startswith("EcomdropUnavailable")
    assert configuration.agent_name == "Andrés 🤖"  # saved locally all the same
    state = selectors.ai_profile_sync_state(configuration=configuration, shop_configuration=shop_configuration)
    assert state["retrying"] is True
    assert state["problem"] == "Ecomdrop no responde. Se reintentará automáticamente."

    assert services.ai_profile_sync_process_due() == 0  # not due yet
    make_due()
    services.ai_profile_sync_process_due()
    second = stored()
    assert (second.state, second.attempts) == (Status.PENDING, 2)
    assert second.next_attempt_at >= timezone.now() + datetime.timedelta(seconds=29)  # 60 s × (0.5…1.5)

    make_due()
    services.ai_profile_sync_process_due()
    final = stored()
    assert (final.state, final.attempts, final.last_error) == (Status.SYNCED, 0, "")
    assert set(ecomdrop_simulator.bot_field_values(KEY)) == FIELD_NAMES


def test_retries_stop_at_the_maximum_and_the_state_says_failed(shop_configuration, ecomdrop_simulator, settings):
    settings.AI_PROFILE_SYNC_MAX_ATTEMPTS = 2
    ecomdrop_simulator.fail_next("list_bot_fields", status=500, times=5)

    assert save().state == Status.PENDING
    make_due()
    services.ai_profile_sync_process_due()

    final = stored()
    assert (final.state, final.attempts) == (Status.FAILED, 2)
    state = selectors.ai_profile_sync_state(configuration=final, shop_configuration=shop_configuration)
    assert state["problem"] == "Ecomdrop no responde."
    assert services.ai_profile_sync_process_due() == 0


def test_a_revoked_key_fails_at_once_and_sync_now_recovers(shop_configuration, ecomdrop_simulator):
    ecomdrop_simulator.revoke(KEY)

    configuration = save()

    assert (configuration.state, configuration.attempts) == (Status.FAILED, 1)
    assert configuration.last_error.startswith("EcomdropAuthError")
    assert configuration.faq[0]["answer"] == "Sí, desde $100.000 🚚"
    state = selectors.ai_profile_sync_state(configuration=configuration, shop_configuration=shop_configuration)
    assert "clave API" in state["problem"]

    ecomdrop_simulator.add_account(KEY)
    services.ai_profile_sync_request(configuration=configuration)

    assert stored().state == Status.SYNCED
    assert set(ecomdrop_simulator.bot_field_values(KEY)) == FIELD_NAMES


def test_without_an_ecomdrop_key_the_profile_is_saved_and_the_sync_says_why(ecomdrop_simulator):
    shop_configuration = ShopConfigurationFactory(shop=SHOP, installed_at=timezone.now())

    configuration = save()

    assert (configuration.state, configuration.last_error) == (Status.FAILED, "NoApiKey")
    state = selectors.ai_profile_sync_state(configuration=configuration, shop_configuration=shop_configuration)
    assert state["problem"] == "Conecta tu clave API de Ecomdrop para sincronizar el asistente."
    with pytest.raises(ApplicationError):
        services.ai_profile_sync_request(configuration=configuration)

    shop_configuration.ecomdrop_api_key = KEY  # connected afterwards: the old reason no longer applies
    shop_configuration.save()
    state = selectors.ai_profile_sync_state(configuration=configuration, shop_configuration=shop_configuration)
    assert state["problem"] == "Ecomdrop ya está conectado: sincroniza para enviar el perfil."


def test_connecting_an_ecomdrop_key_syncs_a_profile_that_failed_for_want_of_one(ecomdrop_simulator):
    ShopConfigurationFactory(shop=SHOP, installed_at=timezone.now())
    assert save().last_error == "NoApiKey"
    ecomdrop_simulator.add_account(KEY)

    shop_services.ecomdrop_connect(shop=SHOP, api_key=KEY)

    final = stored()
    assert (final.state, final.synced_revision, final.last_error) == (Status.SYNCED, 1, "")
    assert set(ecomdrop_simulator.bot_field_values(KEY)) == FIELD_NAMES


def test_reconnecting_a_revoked_key_syncs_the_profile_again(shop_configuration, ecomdrop_simulator):
    ecomdrop_simulator.revoke(KEY)
    assert save().state == Status.FAILED
    ecomdrop_simulator.add_account(KEY)

    shop_services.ecomdrop_connect(shop=SHOP, api_key=KEY)

    assert stored().state == Status.SYNCED
    assert set(ecomdrop_simulator.bot_field_values(KEY)) == FIELD_NAMES


def test_connecting_a_key_syncs_a_profile_never_synced_and_leaves_a_synced_one_alone(
    shop_configuration, ecomdrop_simulator
):
    AIConfigurationFactory(shop=SHOP, revision=1)  # e.g. imported from the old app

    shop_services.ecomdrop_connect(shop=SHOP, api_key=KEY)

    assert stored().state == Status.SYNCED
    writes = ecomdrop_simulator.count("bot_field")
    shop_services.ecomdrop_connect(shop=SHOP, api_key=KEY)
    assert ecomdrop_simulator.count("bot_field") == writes


def test_connecting_a_key_without_a_profile_creates_none(account):
    ShopConfigurationFactory(shop=SHOP, installed_at=timezone.now())

    shop_services.ecomdrop_connect(shop=SHOP, api_key=KEY)

    assert not AIConfiguration.objects.filter(shop=SHOP).exists()


def test_an_uninstalled_shop_is_not_synced(account, ecomdrop_simulator):
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, uninstalled_at=timezone.now())

    assert save().last_error == "NotInstalled"
    assert ecomdrop_simulator.count("bot_field") == 0


def test_an_ecomdrop_that_cannot_create_fields_names_the_field(shop_configuration, ecomdrop_simulator, account):
    account.bot_field_api = False

    configuration = save()

    assert configuration.state == Status.FAILED
    assert configuration.last_error == "BotFieldUnavailable: ia_nombre_agente"
    problem = selectors.ai_profile_sync_problem(configuration=configuration)
    assert "ia_nombre_agente" in problem


def test_an_error_the_app_does_not_recognise_is_shown_in_plain_words_and_kept_for_staff(
    shop_configuration, ecomdrop_simulator
):
    configuration = save()
    raw = "EcomdropError: Ecomdrop answered HTTP 418 (bot field)"
    AIConfiguration.objects.filter(pk=configuration.pk).update(state=Status.FAILED, last_error=raw)

    state = selectors.ai_profile_sync_state(configuration=stored(), shop_configuration=shop_configuration)

    assert state["problem"] == (
        "Ecomdrop no pudo guardar el perfil del asistente. Sincroniza de nuevo; si vuelve a fallar, contacta "
        "con soporte."
    )
    assert "HTTP 418" not in state["problem"]
    assert stored().last_error == raw  # the admin shows it as it is

    AIConfiguration.objects.filter(pk=configuration.pk).update(
        state=Status.PENDING, attempts=1, last_error="ValueError"
    )
    problem = selectors.ai_profile_sync_problem(configuration=stored())
    assert problem.startswith("Ecomdrop no pudo guardar el perfil del asistente.")
    assert problem.endswith("Se reintentará automáticamente.")


def test_a_save_during_a_sync_is_synced_again_never_reported_as_synced(
    shop_configuration, ecomdrop_simulator, monkeypatch
):
    original = EcomdropClient.set_bot_field
    calls = []

    def set_bot_field(self, *, field_id, value):
        calls.append(value)
        if len(calls) == 1:  # another tab saves while the first sync is writing
            services.ai_profile_save(shop=SHOP, data=profile(agent_name="Beatriz"))
        return original(self, field_id=field_id, value=value)

    monkeypatch.setattr(EcomdropClient, "set_bot_field", set_bot_field)

    save()

    final = stored()
    assert (final.revision, final.synced_revision, final.state) == (2, 2, Status.SYNCED)
    assert ecomdrop_simulator.bot_field_values(KEY)["ia_nombre_agente"] == "Beatriz"
    assert calls.count("Beatriz") == 1


def test_a_sync_held_by_another_worker_is_left_alone(shop_configuration, ecomdrop_simulator):
    configuration = save()
    AIConfiguration.objects.filter(pk=configuration.pk).update(
        state=Status.PENDING, lease_owner="other", lease_until=timezone.now() + services.LEASE
    )
    requests_before = len(ecomdrop_simulator.requests)

    assert services.ai_profile_sync(configuration_id=configuration.pk) == Status.PENDING
    services.ai_profile_sync_request(configuration=configuration)

    assert len(ecomdrop_simulator.requests) == requests_before
    assert stored().lease_owner == "other"


def test_a_sync_held_by_another_worker_queues_no_more_tasks_however_often_it_is_asked(
    shop_configuration, database_queue
):
    """Neither a task that finds the sync held nor the workers' recovery sweeps queue another
    task meanwhile: the holder finishes it, or recovery takes it over once its lease is gone."""
    from django_tasks_db.models import DBTaskResult

    from connector.maintenance import run_maintenance

    configuration = save()
    DBTaskResult.objects.all().delete()
    AIConfiguration.objects.filter(pk=configuration.pk).update(
        state=Status.PENDING, lease_owner="other", lease_until=timezone.now() + services.LEASE
    )

    for _ in range(5):
        assert services.ai_profile_sync(configuration_id=configuration.pk) == Status.PENDING
        run_maintenance()

    assert DBTaskResult.objects.filter(task_path="assistant.tasks.sync_ai_profile").count() == 0
    assert stored().lease_owner == "other"


def test_a_lost_worker_s_lease_expires_and_the_sync_runs_again(shop_configuration, ecomdrop_simulator):
    configuration = save()
    AIConfiguration.objects.filter(pk=configuration.pk).update(
        state=Status.PENDING, lease_owner="gone", lease_until=timezone.now() - datetime.timedelta(1)
    )

    assert services.ai_profile_sync(configuration_id=configuration.pk) == Status.SYNCED
    assert stored().lease_owner == ""


def test_another_ecomdrop_account_gets_its_own_fields(shop_configuration, ecomdrop_simulator):
    save()
    other = ecomdrop_simulator.add_account(OTHER_KEY)
    shop_configuration.ecomdrop_api_key = OTHER_KEY
    shop_configuration.save()

    state = selectors.ai_profile_sync_state(configuration=stored(), shop_configuration=shop_configuration)
    assert state["account_changed"] is True

    services.ai_profile_sync_request(configuration=stored())

    assert set(ecomdrop_simulator.bot_field_values(OTHER_KEY)) == FIELD_NAMES
    assert set(stored().ecomdrop_field_ids["ids"].values()) == set(other.bot_field_definitions)
    state = selectors.ai_profile_sync_state(configuration=stored(), shop_configuration=shop_configuration)
    assert state["account_changed"] is False


def test_logs_never_carry_the_profile_phones_or_the_key(shop_configuration, ecomdrop_simulator, caplog):
    caplog.set_level(logging.DEBUG)
    ecomdrop_simulator.fail_next("bot_field", status=503)

    save()
    make_due()
    services.ai_profile_sync_process_due()

    assert caplog.records
    for secret in (KEY, "+573001234567", "Andrés", "Laura", "¿Envían"):
        assert secret not in caplog.text
