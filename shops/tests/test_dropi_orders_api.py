"""Pedidos' Dropi JSON: each order's Dropi state, problem and fix, unlinked lines and history;
the Dropi filters; "Crear en Dropi", "Reintentar", the address form; the mode setting."""

import json

import pytest

from products.models import VariantMapping
from shops.models import DropiOrder, ShopConfiguration
from shops.tests.dropi_shop import SHOP
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db
State = DropiOrder.State


@pytest.fixture
def api(client, session_token):
    def call(path, method="GET", body=None, shop=SHOP, **headers):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {session_token(shop)}", **headers}
        if method == "GET":
            return client.get(path, **headers)
        return client.post(path, json.dumps(body or {}), content_type="application/json", **headers)

    return call


def unlink_white_variant():
    VariantMapping.objects.filter(shopify_variant_id="gid://shopify/ProductVariant/112").delete()


def test_the_orders_list_carries_each_orders_dropi_side(api, dropi_shop):
    dropi_shop.set_mode("manual")
    unlink_white_variant()
    order = dropi_shop.record(name="#1014")

    body = api("/app/api/orders").json()

    (row,) = [row for row in body["orders"] if row["id"] == order.shopify_order_id]
    dropi = row["dropi"]
    assert (dropi["state"], dropi["mode"], dropi["placed_by"]) == ("awaiting", "manual", "merchant")
    assert (dropi["can_place"], dropi["can_retry"], dropi["can_edit_address"]) == (True, False, True)
    assert dropi["dropi_order_id"] is None
    (unlinked,) = dropi["unresolved_lines"]
    assert (unlinked["title"], unlinked["reason"], unlinked["shopify_product_id"]) == (
        "Reloj",
        "variant_not_mapped",
        "11",
    )
    assert unlinked["product_admin_url"] == f"https://{SHOP}/admin/products/11"
    assert [line["dropi_product_id"] for line in dropi["lines"]] == ["502"]
    assert [entry["kind"] for entry in dropi["history"]] == ["recorded"]
    assert (dropi["history"][0]["actor"], dropi["history"][0]["actor_label"]) == ("shopify", "Shopify")
    assert dropi["history"][0]["label"]
    assert dropi["address"]["city"] == "Bogotá"


def test_an_order_placed_shows_its_dropi_id_and_its_history(api, dropi_shop):
    order = dropi_shop.record()

    dropi = next(row for row in api("/app/api/orders").json()["orders"] if row["id"] == order.shopify_order_id)["dropi"]

    assert dropi["state"] == "placed"
    assert dropi["dropi_order_id"] == DropiOrder.objects.get().dropi_order_id
    assert [entry["kind"] for entry in dropi["history"]] == ["recorded", "attempt", "placed", "tagged"]
    assert (dropi["problem"], dropi["fix"]) == ("", "")


def test_each_dropi_filter_lists_its_orders_without_asking_shopify(api, dropi_shop):
    placed = dropi_shop.record()
    dropi_shop.dropi.orders.refuse_address()
    address = dropi_shop.record()
    dropi_shop.dropi.fail_next(
        "orders_create", status=400, body={"isSuccess": False, "status": 400, "message": "Sin stock"}
    )
    failed = dropi_shop.record()
    unlink_white_variant()
    unlinked = dropi_shop.record()
    dropi_shop.shopify.calls.clear()

    def names(name):
        response = api(f"/app/api/orders?filter={name}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["orders"]]

    assert names("en_dropi") == [placed.shopify_order_id]
    assert names("por_corregir") == [address.shopify_order_id]
    assert names("fallidos") == [failed.shopify_order_id]
    assert names("sin_vinculo") == [unlinked.shopify_order_id]
    assert dropi_shop.shopify.count("graphql:OrdersRecent") == 0
    assert api("/app/api/orders?filter=todo").status_code == 400


def test_the_address_problem_says_dropis_words_and_the_fix(api, dropi_shop):
    dropi_shop.dropi.orders.refuse_address()
    dropi_shop.record()

    dropi = api("/app/api/orders?filter=por_corregir", HTTP_ACCEPT_LANGUAGE="en").json()["orders"][0]["dropi"]

    assert "Dropi refused the address" in dropi["problem"]
    assert "ciudad" in dropi["problem"].lower()
    assert "Correct the address" in dropi["fix"]
    assert dropi["can_edit_address"] is True


def test_filtered_lists_page_by_cursor(api, dropi_shop):
    dropi_shop.set_mode("manual")
    unlink_white_variant()
    for _ in range(27):
        dropi_shop.record()

    first = api("/app/api/orders?filter=sin_vinculo").json()
    second = api(f"/app/api/orders?filter=sin_vinculo&after={first['page_info']['endCursor']}").json()

    assert (len(first["orders"]), len(second["orders"])) == (25, 2)
    assert first["page_info"]["hasNextPage"] is True
    assert second["page_info"]["hasNextPage"] is False
    assert not {row["id"] for row in first["orders"]} & {row["id"] for row in second["orders"]}


def test_crear_en_dropi_places_a_manual_order_once(api, dropi_shop):
    dropi_shop.set_mode("manual")
    order = dropi_shop.record()

    first = api(f"/app/api/orders/{order.shopify_order_id}/dropi", "POST")
    second = api(f"/app/api/orders/{order.shopify_order_id}/dropi", "POST")

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["dropi"]["state"] == "placed"
    assert len(dropi_shop.created()) == 1
    assert list(DropiOrder.objects.get().events.filter(kind="place_requested").values_list("actor", flat=True)) == [
        "merchant"
    ]


def test_crear_en_dropi_is_refused_for_bot_orders_and_another_shops_orders(api, dropi_shop):
    dropi_shop.set_mode("bot")
    order = dropi_shop.record()
    ShopConfigurationFactory(shop="otra.myshopify.com")

    bot = api(f"/app/api/orders/{order.shopify_order_id}/dropi", "POST")
    foreign = api(f"/app/api/orders/{order.shopify_order_id}/dropi", "POST", shop="otra.myshopify.com")
    unknown = api("/app/api/orders/123/dropi", "POST")

    assert (bot.status_code, foreign.status_code, unknown.status_code) == (409, 404, 404)
    assert dropi_shop.created() == []


def test_reintentar_is_only_for_orders_that_need_it(api, dropi_shop):
    dropi_shop.set_mode("manual")
    waiting = dropi_shop.record()
    unlink_white_variant()
    dropi_shop.set_mode("app_on_order")
    unlinked = dropi_shop.record()

    refused = api(f"/app/api/orders/{waiting.shopify_order_id}/dropi/retry", "POST")
    still_unlinked = api(f"/app/api/orders/{unlinked.shopify_order_id}/dropi/retry", "POST")

    assert refused.status_code == 409
    assert still_unlinked.status_code == 200
    assert still_unlinked.json()["dropi"]["state"] == "needs_link"  # tried again, still unlinked


def test_the_address_form_saves_and_places_the_order_again(api, dropi_shop):
    dropi_shop.dropi.orders.refuse_address()
    order = dropi_shop.record()

    bad = api(f"/app/api/orders/{order.shopify_order_id}/address", "POST", {"address": {"country_code": "AR"}})
    saved = api(
        f"/app/api/orders/{order.shopify_order_id}/address",
        "POST",
        {"address": {"city": "Medellín", "province_code": "ANT", "phone": "+57 310 555 1234"}},
    )

    assert bad.status_code == 400
    assert bad.json()["field"] == "country_code"
    assert saved.status_code == 200, saved.content
    assert saved.json()["dropi"]["state"] == "placed"
    order.refresh_from_db()
    assert order.events.filter(kind="address_edited", actor="merchant").exists()
    assert len(dropi_shop.created()) == 1


def test_the_mode_setting_applies_to_orders_that_arrive_afterwards(api, dropi_shop):
    dropi_shop.set_mode("bot")
    before = dropi_shop.record()

    saved = api("/app/api/dropi/orders", "POST", {"mode": "app_on_order", "cancel_shopify_order": True})
    invalid = api("/app/api/dropi/orders", "POST", {"mode": "whenever"})
    after = dropi_shop.record()

    assert saved.status_code == 200
    assert saved.json()["state"]["dropi"]["order_mode"] == "app_on_order"
    assert saved.json()["state"]["dropi"]["cancel_shopify_order"] is True
    assert invalid.status_code == 400
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    assert (configuration.dropi_order_mode, configuration.cancel_shopify_order_on_bot_cancel) == ("app_on_order", True)
    before.refresh_from_db()
    after.refresh_from_db()
    assert (before.state, after.state) == (State.BOT, State.PLACED)
