"""The Asistente IA endpoints: whole-profile saves, per-field errors, revisions, sync now."""

import json

import pytest
from django.utils import timezone

from assistant.models import AIConfiguration
from assistant.tests.profiles import profile
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"


@pytest.fixture
def account(ecomdrop_simulator):
    return ecomdrop_simulator.add_account(KEY)


@pytest.fixture
def connected(account):
    return ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, installed_at=timezone.now())


@pytest.fixture
def call(client, shopify_simulator, session_token):
    def request(method, path="/app/api/assistant", body=None, *, shop=SHOP, raw=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {session_token(shop)}"}
        if method == "GET":
            return client.get(path, **headers)
        data = raw if raw is not None else json.dumps(body or {})
        return client.post(path, data, content_type="application/json", **headers)

    return request


def stored():
    return AIConfiguration.objects.get(shop=SHOP)


def test_a_saved_profile_comes_back_whole_with_ids_e164_phones_and_countries(call, connected):
    response = call("POST", body={"profile": profile(), "revision": 0})

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Configuración del Asistente IA guardada exitosamente."
    saved = body["profile"]
    assert saved["agent_name"] == "Andrés 🤖"
    assert saved["company_description"] == "Tienda de tecnología en Bogotá 🇨🇴.\nEnvíos a todo el país."
    assert [item["name"] for item in saved["payment_methods"]] == ["Contra entrega", "Nequi 💸"]
    assert [item["enabled"] for item in saved["payment_methods"]] == [True, False]
    assert saved["notifications"][0] | {"id": "x"} == {
        "id": "x",
        "type": "Cancelación",
        "phone": "+573001234567",
        "name": "Laura Gómez",
        "country": "CO",
    }
    assert saved["notifications"][1]["country"] == "PE"
    ids = [
        item["id"]
        for part in ("payment_methods", "faq", "post_sale_faq", "rules", "notifications")
        for item in saved[part]
    ]
    assert all(ids)
    assert len(set(ids)) == len(ids)
    assert body["revision"] == 1
    assert body["sync"]["status"] == "synced"
    assert body["replaced_newer"] is False
    # What the database holds, read back through the API.
    again = call("GET").json()
    assert again["profile"] == saved
    assert stored().rules == saved["rules"]


def test_item_ids_are_kept_when_present_so_a_reload_and_save_changes_nothing(call, connected):
    first = call("POST", body={"profile": profile(), "revision": 0}).json()
    reordered = first["profile"]
    reordered["rules"].reverse()

    second = call("POST", body={"profile": reordered, "revision": first["revision"]}).json()

    assert [rule["id"] for rule in second["profile"]["rules"]] == [rule["id"] for rule in reordered["rules"]]
    assert second["profile"]["rules"][0]["text"] == "Nunca prometer fechas exactas"
    assert second["revision"] == 2


def test_empty_texts_become_null_and_empty_lists_stay_lists(call, connected):
    empty = {
        "agent_name": "  ",
        "company_name": None,
        "company_description": "",
        "payment_methods": [],
        "company_policies": None,
        "faq": [],
        "post_sale_faq": [],
        "rules": [],
        "notifications": [],
    }

    response = call("POST", body={"profile": empty})

    assert response.status_code == 200
    configuration = stored()
    assert (configuration.agent_name, configuration.company_description) == (None, None)
    assert configuration.faq == []


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"agent_name": "x" * 256}, "agent_name", "255"),
        ({"company_description": "é" * 5001}, "company_description", "5000"),
        ({"company_policies": 42}, "company_policies", "texto"),
        ({"payment_methods": [{"name": ""}]}, "payment_methods.0.name", "obligatorio"),
        ({"payment_methods": [{"name": "Nequi", "enabled": "sí"}]}, "payment_methods.0.enabled", "verdadero"),
        ({"faq": [{"question": "¿Hola?", "answer": "a" * 5001}]}, "faq.0.answer", "5000"),
        ({"post_sale_faq": [{"question": "", "answer": "Sí"}]}, "post_sale_faq.0.question", "obligatorio"),
        ({"rules": [{"text": "ok"}, {"text": "r" * 1001}]}, "rules.1.text", "1000"),
        ({"rules": "no es una lista"}, "rules", "lista"),
        ({"rules": [{"text": "a"}] * 101}, "rules", "100"),
        (
            {"notifications": [{"type": "Garantía", "phone": "3001234567", "name": "Ana"}]},
            "notifications.0.phone",
            "internacional",
        ),
        (
            {"notifications": [{"type": "Garantía", "phone": "+57 300 12", "name": "Ana"}]},
            "notifications.0.phone",
            "válido",
        ),
        (
            {"notifications": [{"type": "Garantía", "phone": "+1 415 555 0123", "name": "Ana"}]},
            "notifications.0.phone",
            "Paraguay",
        ),
        (
            {"notifications": [{"type": "Garantía", "phone": "+573001234567", "name": "Ana", "country": "AR"}]},
            "notifications.0.country",
            "AR",
        ),
        (
            {"notifications": [{"type": "Felicitación", "phone": "+573001234567", "name": "Ana"}]},
            "notifications.0.type",
            "Felicitación",
        ),
        (
            {
                "notifications": [
                    {"type": "Garantía", "phone": "+573001234567", "name": "Ana"},
                    {"type": "Garantía", "phone": "+51987654321", "name": "Beto"},
                ]
            },
            "notifications.1.type",
            "Garantía",
        ),
        ({"notifications": [{"type": "Garantía", "phone": "+573001234567", "name": ""}]}, "notifications.0.name", ""),
    ],
)
def test_bad_input_is_refused_with_an_error_on_its_field_and_nothing_changes(call, connected, change, path, words):
    call("POST", body={"profile": profile()})
    before = stored()

    response = call("POST", body={"profile": profile(**change)})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert path in body["errors"], body["errors"]
    assert words in body["errors"][path]
    assert body["field"] == path
    after = stored()
    assert after.revision == before.revision
    assert after.profile() == before.profile()


def test_every_problem_is_reported_at_once(call, connected):
    bad = profile(agent_name="x" * 300, faq=[{"question": "", "answer": ""}], rules=[{"text": ""}])

    errors = call("POST", body={"profile": bad}).json()["errors"]

    assert set(errors) == {"agent_name", "faq.0.question", "faq.0.answer", "rules.0.text"}


def test_a_missing_part_is_refused_rather_than_erased(call, connected):
    call("POST", body={"profile": profile()})
    partial = profile()
    del partial["faq"]

    response = call("POST", body={"profile": partial})

    assert response.status_code == 400
    assert "faq" in response.json()["errors"]
    assert stored().faq[0]["question"] == "¿Envían gratis?"


def test_a_profile_too_long_for_the_agent_is_refused(call, connected):
    answers = [{"question": f"¿Pregunta {number}?", "answer": "a" * 4900} for number in range(13)]

    response = call("POST", body={"profile": profile(faq=answers)})

    assert response.status_code == 400
    assert "60000" in response.json()["errors"]["profile"]


@pytest.mark.parametrize("raw", ["{nope", "[]", '{"profile": "texto"}', '{"profile": {}, "revision": "dos"}'])
def test_malformed_requests_are_refused(call, connected, raw):
    response = call("POST", raw=raw)

    assert response.status_code == 400
    assert not AIConfiguration.objects.filter(shop=SHOP).exists()


def test_an_oversized_body_is_refused(call, connected):
    response = call("POST", raw=json.dumps({"profile": profile(company_policies="x" * 600_000)}))

    assert response.status_code == 413


def test_two_tabs_saving_at_once_last_save_wins_whole_and_the_second_is_told(call, connected):
    loaded = call("GET").json()["revision"]
    tab_one = profile(rules=[{"text": "Regla de la pestaña 1"}], agent_name="Uno")
    tab_two = profile(rules=[{"text": "Regla de la pestaña 2"}, {"text": "Otra regla 2"}], agent_name="Dos")

    first = call("POST", body={"profile": tab_one, "revision": loaded}).json()
    second = call("POST", body={"profile": tab_two, "revision": loaded}).json()

    assert first["replaced_newer"] is False
    assert second["replaced_newer"] is True
    configuration = stored()
    assert configuration.agent_name == "Dos"
    assert [rule["text"] for rule in configuration.rules] == ["Regla de la pestaña 2", "Otra regla 2"]
    assert configuration.revision == 2


def test_sync_now_queues_a_sync_of_the_saved_profile(call, connected, ecomdrop_simulator):
    assert call("POST", "/app/api/assistant/sync").status_code == 400  # nothing saved yet
    ecomdrop_simulator.fail_next("list_bot_fields", status=401)
    failed = call("POST", body={"profile": profile()}).json()
    assert failed["sync"]["status"] == "failed"
    assert failed["sync"]["problem"]

    response = call("POST", "/app/api/assistant/sync")

    assert response.status_code == 200
    assert response.json()["sync"]["status"] == "synced"
    assert ecomdrop_simulator.bot_field_values(KEY)["ia_nombre_agente"] == "Andrés 🤖"


def test_another_shop_never_sees_or_changes_this_profile(call, connected):
    call("POST", body={"profile": profile()})

    other = call("GET", shop="otra.myshopify.com").json()
    call("POST", body={"profile": profile(agent_name="Intruso")}, shop="otra.myshopify.com")

    assert other["profile"]["agent_name"] is None
    assert stored().agent_name == "Andrés 🤖"
    assert AIConfiguration.objects.get(shop="otra.myshopify.com").agent_name == "Intruso"


def test_the_endpoints_need_a_session_token(client, connected):
    assert client.get("/app/api/assistant", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.post("/app/api/assistant/sync", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_the_tab_renders_from_the_database_without_calling_ecomdrop(
    client, shopify_simulator, connected, session_token, ecomdrop_simulator
):
    AIConfiguration.objects.create(shop=SHOP, agent_name="Andrés <b>", rules=[{"id": "r1", "text": "Regla ✅"}])
    calls_before = len(ecomdrop_simulator.requests)

    page = client.get(
        "/app/configuration", {"shop": SHOP, "id_token": session_token(SHOP), "tab": "assistant"}
    ).content.decode()

    assert len(ecomdrop_simulator.requests) == calls_before
    assert 'id="assistant-state"' in page
    assert '"text": "Regla \\u2705"' in page  # json_script escapes what it embeds
    assert "Andrés <b>" not in page  # escaped inside the JSON
    assert "Información Básica" in page
    assert "Cancelación" in page
    assert "API Key de Ecomdrop Requerida" not in page


def test_without_the_ecomdrop_key_the_tab_points_to_the_ecomdrop_tab(client, shopify_simulator, session_token):
    page = client.get("/app/configuration", {"shop": SHOP, "id_token": session_token(SHOP), "tab": "assistant"})

    text = page.content.decode()
    assert "API Key de Ecomdrop Requerida" in text
    assert 'data-go-tab="ecomdrop"' in text
    assert 'id="assistant-state"' not in text


@pytest.mark.parametrize(
    "revision", ["\u00b2", "٣", "9" * 40, -1, 1.5], ids=["superscript", "arabic", "huge", "negative", "float"]
)
def test_a_revision_that_is_not_a_plain_number_is_refused(call, connected, revision):
    response = call("POST", body={"profile": profile(), "revision": revision})

    assert response.status_code == 400
    assert response.json()["field"] == "revision"


def test_a_deeply_nested_body_is_refused_not_a_server_error(call, connected):
    response = call("POST", raw="[" * 60_000)

    assert response.status_code == 400
    assert not AIConfiguration.objects.filter(shop=SHOP).exists()
