"""Configuración: Ecomdrop key (verified first), flows (only existing ones), Dropi settings."""

import json

import pytest

from shops.models import ShopConfiguration

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"


@pytest.fixture
def call(client, shopify_simulator, session_token):
    def request(method, path, body=None, **headers):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {session_token(SHOP)}", **headers}
        if method == "GET":
            return client.get(path, body or {}, **kwargs)
        return client.post(path, json.dumps(body or {}), content_type="application/json", **kwargs)

    return request


@pytest.fixture
def account(ecomdrop_simulator, dropi_simulator):
    for token in ("dropi-token", "dropi-token-1", "t", "t-1"):
        dropi_simulator.add_account(token)
    return ecomdrop_simulator.add_account(KEY, name="Tienda Demo")


def configuration():
    return ShopConfiguration.objects.get(shop=SHOP)


def test_connect_verifies_the_key_then_stores_it_encrypted_and_never_returns_it(call, account, ecomdrop_simulator):
    response = call("POST", "/app/api/ecomdrop/connect", {"api_key": f"  {KEY} "})

    assert response.status_code == 200
    body = response.json()
    assert KEY not in response.content.decode()
    assert body["state"]["ecomdrop"]["connected"] is True
    assert body["state"]["ecomdrop"]["key_status"].endswith("3456")
    assert body["state"]["ecomdrop"]["account_name"] == "Tienda Demo"
    assert configuration().ecomdrop_api_key.reveal() == KEY
    assert ecomdrop_simulator.count("account") == 1


def test_a_wrong_key_is_a_field_error_and_nothing_is_saved(call, account):
    response = call("POST", "/app/api/ecomdrop/connect", {"api_key": "wrong-key-123456"})

    assert response.status_code == 400
    assert response.json()["field"] == "api_key"
    assert "Ecomdrop" in response.json()["error"]
    assert configuration().ecomdrop_api_key is None


def test_ecomdrop_down_while_connecting_saves_nothing(call, account, ecomdrop_simulator):
    ecomdrop_simulator.fail_next("account", status=503)

    response = call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})

    assert response.status_code == 400
    assert configuration().ecomdrop_api_key is None


def test_an_empty_key_or_malformed_json_is_refused(call, account, client, session_token):
    assert call("POST", "/app/api/ecomdrop/connect", {"api_key": ""}).status_code == 400
    for raw in ("{not json", "[1, 2]", "\xff"):
        malformed = client.post(
            "/app/api/ecomdrop/connect",
            raw,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}",
        )
        assert malformed.status_code == 400
        assert malformed.json()["code"] == "invalid_json"
    assert configuration().ecomdrop_api_key is None


def test_flows_are_listed_cached_and_refreshed_on_request(call, account, ecomdrop_simulator):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})

    first = call("GET", "/app/api/ecomdrop/flows").json()
    call("GET", "/app/api/ecomdrop/flows")
    account.flows["9003"] = "Nuevo flujo"
    refreshed = call("GET", "/app/api/ecomdrop/flows", {"refresh": "1"}).json()

    assert [flow["id"] for flow in first["flows"]] == ["9001", "9002"]
    assert [flow["id"] for flow in refreshed["flows"]] == ["9001", "9002", "9003"]
    assert ecomdrop_simulator.count("flows") == 2


def test_only_flows_of_the_account_can_be_chosen(call, account):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})

    bad = call("POST", "/app/api/ecomdrop/flows", {"nuevo_pedido_flow_id": "666", "carrito_abandonado_flow_id": ""})
    good = call(
        "POST",
        "/app/api/ecomdrop/flows",
        {"nuevo_pedido_flow_id": "9001", "carrito_abandonado_flow_id": "9002", "abandoned_cart_delay_minutes": "90"},
    )

    assert bad.status_code == 400
    assert bad.json()["field"] == "nuevo_pedido_flow_id"
    assert good.status_code == 200
    saved = configuration()
    assert (saved.nuevo_pedido_flow_id, saved.carrito_abandonado_flow_id) == ("9001", "9002")
    assert saved.abandoned_cart_delay_minutes == 90


def test_the_delay_must_be_reasonable(call, account):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})

    response = call("POST", "/app/api/ecomdrop/flows", {"abandoned_cart_delay_minutes": "1"})

    assert response.status_code == 400
    assert response.json()["field"] == "abandoned_cart_delay_minutes"


def test_dropi_needs_the_ecomdrop_key_first(call, account):
    response = call("POST", "/app/api/dropi", {"store_name": "Mi tienda", "country": "CO", "token": "dropi-token"})

    assert response.status_code == 400
    assert configuration().dropi_token is None


def test_dropi_token_is_pushed_to_the_country_field_and_a_country_change_re_pushes_it(
    call, account, ecomdrop_simulator
):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})

    saved = call("POST", "/app/api/dropi", {"store_name": "Mi tienda ñ", "country": "CO", "token": "dropi-token-1"})
    moved = call("POST", "/app/api/dropi", {"store_name": "Mi tienda ñ", "country": "PE"})
    renamed = call("POST", "/app/api/dropi", {"store_name": "Otra", "country": "PE"})

    assert saved.status_code == moved.status_code == renamed.status_code == 200
    assert "dropi-token-1" not in saved.content.decode()
    assert account.bot_fields == {"640597": "dropi-token-1", "142979": "dropi-token-1"}
    assert ecomdrop_simulator.count("bot_field") == 2
    stored = configuration()
    assert (stored.dropi_store_name, stored.dropi_country) == ("Otra", "PE")
    assert stored.dropi_token.reveal() == "dropi-token-1"


def test_a_token_dropi_refuses_is_a_field_error_and_nothing_is_pushed(call, account, ecomdrop_simulator):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})

    response = call("POST", "/app/api/dropi", {"store_name": "Tienda", "country": "CO", "token": "not-a-dropi-token"})

    assert response.status_code == 400
    assert response.json()["field"] == "token"
    assert ecomdrop_simulator.count("bot_field") == 0
    assert configuration().dropi_token is None


def test_dropi_down_saves_the_token_unverified(call, account, dropi_simulator):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})
    dropi_simulator.fail_next("index", status=503)

    response = call("POST", "/app/api/dropi", {"store_name": "Tienda", "country": "CO", "token": "dropi-token"})

    assert response.status_code == 200
    assert configuration().dropi_token.reveal() == "dropi-token"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"store_name": "", "country": "CO", "token": "t"}, "store_name"),
        ({"store_name": "Tienda", "country": "", "token": "t"}, "country"),
        ({"store_name": "Tienda", "country": "AR", "token": "t"}, "country"),
        ({"store_name": "Tienda", "country": "CO"}, "token"),
    ],
)
def test_dropi_settings_errors_name_their_field(call, account, body, field):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})

    response = call("POST", "/app/api/dropi", body)

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert configuration().dropi_store_name is None


def test_a_failed_push_to_ecomdrop_saves_nothing(call, account, ecomdrop_simulator):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})
    ecomdrop_simulator.fail_next("bot_field", status=500)

    response = call("POST", "/app/api/dropi", {"store_name": "Tienda", "country": "CO", "token": "t-1"})

    assert response.status_code == 502
    assert configuration().dropi_token is None


def test_callback_secret_is_revealed_only_on_request_and_rotates(call, account, client, session_token):
    page = client.get("/app/configuration", {"shop": SHOP, "id_token": session_token(SHOP)})
    secret = configuration().callback_secret.reveal()
    assert secret not in page.content.decode()

    revealed = call("POST", "/app/api/callback-secret/reveal").json()
    rotated = call("POST", "/app/api/callback-secret/rotate").json()

    assert revealed["secret"] == secret
    assert revealed["header"] == "X-Connector-Token"
    assert revealed["url"].endswith("/api/ecomdrop/callback")
    assert rotated["secret"] != secret
    assert configuration().callback_secret.reveal() == rotated["secret"]


def test_the_page_opens_on_status_until_something_is_configured(client, shopify_simulator, session_token, account):
    first = client.get("/app/configuration", {"shop": SHOP, "id_token": session_token(SHOP)}).content.decode()
    assert 'id="tab-status" aria-controls="panel-status" aria-selected="true"' in first

    client.post(
        "/app/api/ecomdrop/connect",
        json.dumps({"api_key": KEY}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}",
    )
    later = client.get("/app/configuration", {"shop": SHOP, "id_token": session_token(SHOP)}).content.decode()
    assert 'id="tab-ecomdrop" aria-controls="panel-ecomdrop" aria-selected="true"' in later
    assert KEY not in later
    assert "Tienda Demo" in later


def test_another_shops_token_cannot_change_this_shop(call, account, client, session_token):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})

    response = client.post(
        "/app/api/ecomdrop/disconnect?shop=" + SHOP,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {session_token('otra.myshopify.com')}",
    )

    assert response.status_code == 403
    assert configuration().ecomdrop_api_key.reveal() == KEY


# --------------------------------------------------------------------------- replacing the key
OTHER_KEY = "ecomdrop-key-OTRACUENTA-654321"


def connect_with_flows_and_dropi(call):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})
    call("POST", "/app/api/ecomdrop/flows", {"nuevo_pedido_flow_id": "9001", "carrito_abandonado_flow_id": "9002"})
    call("POST", "/app/api/dropi", {"store_name": "Mi tienda", "country": "CO", "token": "dropi-token-1"})


def test_a_key_of_another_account_clears_the_flows_pushes_the_dropi_token_and_says_so(
    call, account, ecomdrop_simulator
):
    connect_with_flows_and_dropi(call)
    other = ecomdrop_simulator.add_account(OTHER_KEY, name="Otra cuenta", flows={"9001": "Flujo ajeno"})

    response = call("POST", "/app/api/ecomdrop/connect", {"api_key": OTHER_KEY}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200, response.content
    body = response.json()
    assert "choose the flows of this account" in body["message"]
    assert body["state"]["ecomdrop"]["flows_cleared"] is True
    assert body["state"]["ecomdrop"]["account_name"] == "Otra cuenta"
    stored = configuration()
    assert (stored.nuevo_pedido_flow_id, stored.carrito_abandonado_flow_id) == (None, None)
    assert stored.ecomdrop_account_id == other.id
    assert stored.ecomdrop_api_key.reveal() == OTHER_KEY
    assert other.bot_fields == {"640597": "dropi-token-1"}
    assert stored.dropi_token.reveal() == "dropi-token-1"


def test_the_configuration_page_asks_to_choose_the_flows_again_until_they_are_saved(
    call, account, ecomdrop_simulator, client, session_token
):
    connect_with_flows_and_dropi(call)
    ecomdrop_simulator.add_account(OTHER_KEY, name="Otra cuenta")
    call("POST", "/app/api/ecomdrop/connect", {"api_key": OTHER_KEY})

    def page():
        return client.get(
            "/app/configuration", {"shop": SHOP, "id_token": session_token(SHOP), "locale": "en"}
        ).content.decode()

    before = page()
    assert "data-flows-cleared >" in before  # shown
    assert "choose the flows of this account" in before
    call("POST", "/app/api/ecomdrop/flows", {"nuevo_pedido_flow_id": "9001", "carrito_abandonado_flow_id": ""})
    assert "data-flows-cleared hidden>" in page()
    assert configuration().ecomdrop_flows_cleared is False


def test_a_new_key_of_the_same_account_keeps_everything(call, account, ecomdrop_simulator):
    connect_with_flows_and_dropi(call)
    ecomdrop_simulator.add_api_key(KEY, new_api_key=OTHER_KEY)
    ecomdrop_simulator.revoke(KEY)
    pushes = ecomdrop_simulator.count("bot_field")

    response = call("POST", "/app/api/ecomdrop/connect", {"api_key": OTHER_KEY}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.json()["message"] == "Connected to Ecomdrop IA."
    assert response.json()["state"]["ecomdrop"]["flows_cleared"] is False
    stored = configuration()
    assert (stored.nuevo_pedido_flow_id, stored.carrito_abandonado_flow_id) == ("9001", "9002")
    assert stored.ecomdrop_api_key.reveal() == OTHER_KEY
    assert ecomdrop_simulator.count("bot_field") == pushes


def test_the_token_push_to_the_new_account_failing_saves_nothing(call, account, ecomdrop_simulator):
    connect_with_flows_and_dropi(call)
    ecomdrop_simulator.add_account(OTHER_KEY, name="Otra cuenta")
    ecomdrop_simulator.fail_next("bot_field", status=503)

    response = call("POST", "/app/api/ecomdrop/connect", {"api_key": OTHER_KEY})

    assert response.status_code == 502
    assert response.json()["field"] == "api_key"
    assert "Dropi" in response.json()["error"]
    stored = configuration()
    assert stored.ecomdrop_api_key.reveal() == KEY
    assert (stored.nuevo_pedido_flow_id, stored.carrito_abandonado_flow_id) == ("9001", "9002")


def test_reconnecting_after_removing_the_key_pushes_the_stored_dropi_token(call, account, ecomdrop_simulator):
    connect_with_flows_and_dropi(call)
    other = ecomdrop_simulator.add_account(OTHER_KEY, name="Otra cuenta")
    call("POST", "/app/api/ecomdrop/disconnect")

    response = call("POST", "/app/api/ecomdrop/connect", {"api_key": OTHER_KEY})

    assert response.status_code == 200
    assert other.bot_fields == {"640597": "dropi-token-1"}
    assert configuration().ecomdrop_account_id == other.id


@pytest.mark.parametrize(("new_account_flows", "kept"), [({"9001": "A", "9002": "B"}, True), ({"7": "C"}, False)])
def test_a_configuration_saved_before_account_ids_keeps_its_flows_only_if_the_account_has_them(
    call, account, ecomdrop_simulator, new_account_flows, kept
):
    connect_with_flows_and_dropi(call)
    ShopConfiguration.objects.filter(shop=SHOP).update(ecomdrop_account_id="")
    ecomdrop_simulator.add_account(OTHER_KEY, name="Quizá la misma", flows=new_account_flows)

    response = call("POST", "/app/api/ecomdrop/connect", {"api_key": OTHER_KEY})

    assert response.status_code == 200
    stored = configuration()
    expected = ("9001", "9002") if kept else (None, None)
    assert (stored.nuevo_pedido_flow_id, stored.carrito_abandonado_flow_id) == expected
    assert stored.ecomdrop_flows_cleared is not kept


# --------------------------------------------------------------------------- contact fields
def fresh_account_fields(*missing):
    """The simulator's default contact fields without ``missing`` (a fresh account)."""
    from simulators.ecomdrop import DEFAULT_CUSTOM_FIELDS

    return {field_id: field for field_id, field in DEFAULT_CUSTOM_FIELDS.items() if field[0] not in missing}


def test_contact_fields_say_which_ones_the_account_lacks_with_the_shops_overrides(
    call, ecomdrop_simulator, dropi_simulator
):
    ecomdrop_simulator.add_account(KEY, custom_fields=fresh_account_fields("pedido_id", "carrito_url"))
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})
    ShopConfiguration.objects.filter(shop=SHOP).update(ecomdrop_field_names={"order_name": "numero_de_orden"})

    first = call("GET", "/app/api/ecomdrop/contact-fields")
    again = call("GET", "/app/api/ecomdrop/contact-fields")

    assert first.status_code == 200, first.content
    body = first.json()
    fields = {field["key"]: (field["name"], field["exists"]) for field in body["fields"]}
    assert fields["order_name"] == ("numero_de_orden", False)
    assert fields["order_total"] == ("pedido_total", True)
    assert fields["order_id"] == ("pedido_id", False)
    assert body["missing"] == ["numero_de_orden", "pedido_id", "carrito_url"]
    assert again.json() == body
    assert ecomdrop_simulator.count("custom_fields") == 1


def test_checking_the_contact_fields_again_sees_a_field_just_created(call, ecomdrop_simulator, dropi_simulator):
    ecomdrop_simulator.add_account(KEY, custom_fields=fresh_account_fields("pedido_id"))
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})
    assert call("GET", "/app/api/ecomdrop/contact-fields").json()["missing"] == ["pedido_id"]
    ecomdrop_simulator.add_custom_field(KEY, "pedido_id")

    cached = call("GET", "/app/api/ecomdrop/contact-fields").json()
    checked = call("GET", "/app/api/ecomdrop/contact-fields", {"refresh": "1"}).json()

    assert cached["missing"] == ["pedido_id"]
    assert checked["missing"] == []


def test_the_next_delivery_uses_a_field_the_page_has_seen_created(call, ecomdrop_simulator, dropi_simulator):
    from shops.services import deliveries
    from shops.tests.payloads import order_payload

    account = ecomdrop_simulator.add_account(KEY, custom_fields=fresh_account_fields("pedido_id"))
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})
    call("POST", "/app/api/ecomdrop/flows", {"nuevo_pedido_flow_id": "9001"})
    deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload())  # creates the contact
    deliveries.flow_delivery_record_order(shop=SHOP, order=order_payload())  # existing contact: field ids cached
    field_id = ecomdrop_simulator.add_custom_field(KEY, "pedido_id")
    call("GET", "/app/api/ecomdrop/contact-fields", {"refresh": "1"})

    order = order_payload()
    deliveries.flow_delivery_record_order(shop=SHOP, order=order)

    contact = next(iter(account.contacts.values()))
    assert contact.fields[field_id] == str(order["id"])


def test_contact_fields_need_the_key_and_report_ecomdrop_failures(call, account, ecomdrop_simulator):
    assert call("GET", "/app/api/ecomdrop/contact-fields").json()["code"] == "no_api_key"
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})
    ecomdrop_simulator.fail_next("custom_fields", status=503)

    response = call("GET", "/app/api/ecomdrop/contact-fields")

    assert response.status_code == 502
    assert response.json()["error"]


def test_the_page_lists_the_contact_fields_and_the_callback_names_the_order_id_field(
    call, account, ecomdrop_simulator, client, session_token
):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})
    ShopConfiguration.objects.filter(shop=SHOP).update(ecomdrop_field_names={"order_id": "id_shopify"})
    calls_before = len(ecomdrop_simulator.requests)

    page = client.get(
        "/app/configuration", {"shop": SHOP, "id_token": session_token(SHOP), "locale": "en"}
    ).content.decode()

    assert len(ecomdrop_simulator.requests) == calls_before  # nothing asked while rendering
    assert "Contact fields" in page
    for name in ("pedido_nombre", "pedido_total", "pedido_productos", "carrito_url", "id_shopify"):
        assert f'data-contact-field="{name}"' in page
    assert "{{id_shopify}}" in page
    assert "{{pedido_id}}" not in page
    assert "must exist in your Ecomdrop account" in page


def test_the_callback_contract_examples_are_json_naming_the_shops_order_id_field(call, account, client, session_token):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})
    ShopConfiguration.objects.filter(shop=SHOP).update(ecomdrop_field_names={"order_id": "id_shopify"})

    page = client.get("/app/configuration", {"shop": SHOP, "id_token": session_token(SHOP), "locale": "en"})

    examples = {example["key"]: json.loads(example["body"]) for example in page.context["callback_examples"]}
    assert set(examples) == {"tags", "confirm", "cancel", "update_address"}
    assert {body["orderId"] for body in examples.values()} == {"{{id_shopify}}"}
    assert [examples[key].get("action") for key in ("confirm", "cancel", "update_address")] == [
        "confirm",
        "cancel",
        "update_address",
    ]
    assert examples["update_address"]["address"]["country_code"] == "CO"
    assert "Callback contract: what your bot can send" in page.content.decode()


def test_a_row_without_account_id_keeps_its_flows_when_ecomdrop_cannot_list_them(call, account, ecomdrop_simulator):
    connect_with_flows_and_dropi(call)
    ShopConfiguration.objects.filter(shop=SHOP).update(ecomdrop_account_id="")  # saved by an older version
    ecomdrop_simulator.fail_next("flows", status=503)

    response = call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})

    assert response.status_code == 200, response.content
    stored = configuration()
    assert (stored.nuevo_pedido_flow_id, stored.carrito_abandonado_flow_id) == ("9001", "9002")
    assert stored.ecomdrop_flows_cleared is False


def test_a_failing_receiver_of_the_connect_signal_does_not_turn_a_saved_key_into_an_error(
    call, account, monkeypatch, caplog
):
    from django.db import OperationalError

    from assistant import services as assistant_services

    def broken(**kwargs):
        raise OperationalError("queue unavailable")

    monkeypatch.setattr(assistant_services, "ai_profile_sync_after_ecomdrop_connected", broken)

    response = call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})

    assert response.status_code == 200
    assert configuration().ecomdrop_api_key.reveal() == KEY
    assert "A receiver of ecomdrop_connected failed: OperationalError" in caplog.text


@pytest.mark.parametrize(
    "key", ["clave-٣-123456", "clave con espacios", "clave-\x7f-123456"], ids=["arabic", "spaces", "del"]
)
def test_a_key_that_cannot_travel_in_a_header_is_a_field_error_without_calling_ecomdrop(
    call, account, ecomdrop_simulator, key
):
    response = call("POST", "/app/api/ecomdrop/connect", {"api_key": key})

    assert response.status_code == 400
    assert response.json()["field"] == "api_key"
    assert ecomdrop_simulator.count("account") == 0


def test_a_dropi_token_that_cannot_travel_in_a_header_is_a_field_error(call, account, dropi_simulator):
    call("POST", "/app/api/ecomdrop/connect", {"api_key": KEY})

    response = call("POST", "/app/api/dropi", {"store_name": "Mi tienda", "country": "CO", "token": "token-٣"})

    assert response.status_code == 400
    assert response.json()["field"] == "token"
    assert configuration().dropi_token is None
