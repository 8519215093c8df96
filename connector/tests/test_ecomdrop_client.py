"""The Ecomdrop client against the Ecomdrop simulator."""

import pytest
import responses

from connector.ecomdrop.client import EcomdropClient
from connector.ecomdrop.errors import (
    EcomdropAuthError,
    EcomdropBadRequest,
    EcomdropNotFound,
    EcomdropRateLimited,
    EcomdropTimeout,
    EcomdropUnavailable,
)

KEY = "ecomdrop-key-0123456789"


@pytest.fixture
def client(ecomdrop_simulator):
    ecomdrop_simulator.add_account(KEY, name="Tienda Ñandú")
    return EcomdropClient(api_key=KEY)


def test_account_flows_and_custom_fields(client, ecomdrop_simulator):
    assert client.account().name == "Tienda Ñandú"
    assert [flow.name for flow in client.flows()] == ["Confirmación de pedido", "Recuperar carrito"]
    assert "pedido_nombre" in {field.name for field in client.custom_fields()}
    request = ecomdrop_simulator.requests_of("account")[0]
    assert request.headers["x-access-token"] == KEY
    assert request.path == "/api/accounts/me"


def test_contacts_fields_and_flows(client, ecomdrop_simulator):
    assert client.find_contact_by_phone(phone="+573001234567") is None
    contact = client.create_contact(phone="+573001234567", first_name="Ana", fields={"pedido_nombre": "#1001"})
    assert client.find_contact_by_phone(phone="+573001234567").id == contact.id
    client.set_contact_field(contact_id=contact.id, field_id="102", value="99900.00")
    client.send_flow(contact_id=contact.id, flow_id="9001")

    stored = ecomdrop_simulator.contact_by_phone(KEY, "+573001234567")
    assert stored.fields == {"101": "#1001", "102": "99900.00"}
    assert ecomdrop_simulator.sends_to(KEY)[0][:2] == (contact.id, "9001")
    assert ecomdrop_simulator.requests_of("send_flow")[0].body == b"{}"


def test_bot_field_is_sent_as_a_form_value(client, ecomdrop_simulator):
    client.set_bot_field(field_id="640597", value="dropi-token-ñ")

    assert ecomdrop_simulator.accounts[KEY].bot_fields == {"640597": "dropi-token-ñ"}


def test_bot_fields_are_listed_and_created_with_name_type_and_description(client, ecomdrop_simulator):
    existing = ecomdrop_simulator.add_bot_field(KEY, "ia_nombre_agente")

    created = client.create_bot_field(name="ia_perfil", description="Perfil del asistente 🤖")
    client.set_bot_field(field_id=created.id, value="Soy Andrés ✨")

    assert {(field.id, field.name) for field in client.bot_fields()} == {
        (existing, "ia_nombre_agente"),
        (created.id, "ia_perfil"),
    }
    assert ecomdrop_simulator.requests_of("create_bot_field")[0].form() == {
        "name": "ia_perfil",
        "type": "text",
        "description": "Perfil del asistente 🤖",
    }
    assert ecomdrop_simulator.bot_field_values(KEY)["ia_perfil"] == "Soy Andrés ✨"


def test_an_ecomdrop_without_bot_field_calls_answers_not_found(client, ecomdrop_simulator):
    ecomdrop_simulator.accounts[KEY].bot_field_api = False

    with pytest.raises(EcomdropNotFound):
        client.bot_fields()
    with pytest.raises(EcomdropNotFound):
        client.create_bot_field(name="ia_perfil")


def test_errors_are_typed_and_say_whether_to_retry(client, ecomdrop_simulator, settings):
    with pytest.raises(EcomdropAuthError):
        EcomdropClient(api_key="wrong-key").account()
    with pytest.raises(EcomdropNotFound):
        client.set_contact_field(contact_id="404", field_id="101", value="x")
    ecomdrop_simulator.fail_next("flows", status=422)
    with pytest.raises(EcomdropBadRequest):
        client.flows()
    ecomdrop_simulator.fail_next("flows", status=429)
    with pytest.raises(EcomdropRateLimited) as limited:
        client.flows()
    assert limited.value.retryable
    ecomdrop_simulator.fail_next("flows", status=503)
    with pytest.raises(EcomdropUnavailable) as unavailable:
        client.flows()
    assert unavailable.value.retryable
    assert not unavailable.value.may_have_been_processed


def test_a_late_answer_is_a_timeout_that_may_have_been_processed(client, ecomdrop_simulator):
    contact = client.create_contact(phone="+573001234567")
    client.timeout = 0.3
    ecomdrop_simulator.stall_next("send_flow", seconds=0.8)

    with pytest.raises(EcomdropTimeout) as error:
        client.send_flow(contact_id=contact.id, flow_id="9001")

    assert error.value.may_have_been_processed
    assert len(ecomdrop_simulator.sends_to(KEY)) == 1  # it did go out


def test_an_unreachable_server_was_never_reached(settings):
    settings.ECOMDROP_API_URL = "http://127.0.0.1:1/api"

    with pytest.raises(EcomdropUnavailable) as error:
        EcomdropClient(api_key=KEY).account()

    assert not error.value.may_have_been_processed


def test_no_key_no_client():
    with pytest.raises(EcomdropAuthError):
        EcomdropClient(api_key="")


@pytest.mark.parametrize(
    ("method_name", "path", "arguments"),
    [
        ("send_flow", "/contacts/77/send/9001", {"contact_id": "77", "flow_id": "9001"}),
        ("set_contact_field", "/contacts/77/custom_fields/102", {"contact_id": "77", "field_id": "102", "value": "1"}),
        ("set_bot_field", "/accounts/bot_fields/55", {"field_id": "55", "value": "token"}),
    ],
)
def test_a_write_answered_2xx_with_a_body_that_is_not_json_is_done(settings, method_name, path, arguments):
    """A 2xx says Ecomdrop acted on the write; its body is not read, so an unreadable one (an
    HTML page from a gateway) cannot turn a flow that went out into a failure."""
    settings.ECOMDROP_API_URL = "https://ecomdrop.test/api"
    with responses.RequestsMock() as mocked:
        mocked.add("POST", f"https://ecomdrop.test/api{path}", body="<html>OK</html>", content_type="text/html")
        assert getattr(EcomdropClient(api_key=KEY), method_name)(**arguments) is None
