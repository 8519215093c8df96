"""What else a Dropi order touches: the buyer's data (export, erasure, shop purge), the admin
console, Dropi's own location lists, and a mode change while an order is queued."""

import pytest
from django.test import override_settings
from django.urls import reverse

from shops.models import DropiDepartment, DropiOrder
from shops.personal_data_dropi import anonymise_dropi_orders, erase_shop_dropi_orders, export_dropi_orders
from shops.services import dropi_order_job, dropi_orders
from shops.tests.dropi_shop import SHOP, make_due
from webhooks.privacy import Customer

pytestmark = pytest.mark.django_db
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_a_customers_orders_are_exported_and_erased_but_their_dropi_state_stays(dropi_shop):
    dropi_shop.set_mode("manual")
    order = dropi_shop.record()
    dropi_orders.dropi_order_address_change(order=order, fields={"address2": "Torre 2"}, actor="merchant")
    dropi_orders.dropi_order_place(shop=SHOP, order_id=order.shopify_order_id)
    order.refresh_from_db()
    customer = Customer(phone="573001234567")

    (exported,) = export_dropi_orders(shop=SHOP, customer=customer)
    erased = anonymise_dropi_orders(shop=SHOP, customer=customer)

    assert exported["phone"] == "+573001234567"
    assert exported["address"]["address2"] == "Torre 2"
    assert exported["dropi_order_id"] == order.dropi_order_id
    assert {entry["event"] for entry in exported["history"]} >= {"recorded", "placed"}
    assert erased == 1
    order.refresh_from_db()
    assert (order.phone, order.email, order.address, order.note) == (None, None, {}, "")
    assert (order.state, order.dropi_order_id) == (DropiOrder.State.PLACED, exported["dropi_order_id"])
    assert export_dropi_orders(shop=SHOP, customer=Customer(email="nadie@example.com")) == []


def test_a_shop_purge_deletes_its_dropi_orders_with_their_history(dropi_shop):
    dropi_shop.record()

    assert erase_shop_dropi_orders(shop=SHOP) >= 2  # the order and its history
    assert not DropiOrder.objects.exists()


def test_the_admin_lists_searches_and_shows_orders_without_the_buyers_phone(admin_client, dropi_shop):
    order = dropi_shop.record(name="#1014")

    listing = admin_client.get(reverse("admin:shops_dropiorder_changelist"), {"q": "#1014"})
    page = admin_client.get(reverse("admin:shops_dropiorder_change", args=[order.pk]))
    departments = admin_client.get(reverse("admin:shops_dropidepartment_changelist"), {"q": "Antioquia"})

    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert page.status_code == 200
    assert "3001234567" not in page.content.decode()
    assert order.dropi_order_id in page.content.decode()
    assert departments.context["cl"].result_count == 1


def test_the_admin_retry_action_queues_failed_orders(admin_client, dropi_shop):
    DropiOrder.objects.all().delete()
    dropi_shop.dropi.fail_next("orders_create", status=400, body={"isSuccess": False, "status": 400, "message": "x"})
    order = dropi_shop.record()
    assert order.state == DropiOrder.State.FAILED

    admin_client.post(
        reverse("admin:shops_dropiorder_changelist"), {"action": "retry_placement", "_selected_action": [order.pk]}
    )

    order.refresh_from_db()
    assert order.state == DropiOrder.State.PLACED
    assert order.events.filter(kind="retry_requested", actor="staff").exists()


def test_dropis_own_location_lists_give_dropis_spelling_and_are_cached(dropi_shop, settings):
    settings.DROPI_LOCATIONS_ENABLED = True
    dropi_shop.record(
        shipping_address={
            "first_name": "Luis",
            "address1": "Cra 7",
            "city": "Chía",
            "province_code": "CUN",
            "country_code": "CO",
        }
    )
    dropi_shop.record()

    assert [(order["state"], order["city"]) for order in dropi_shop.created()] == [
        ("CUNDINAMARCA", "CHIA"),
        ("CUNDINAMARCA", "BOGOTA"),
    ]
    assert dropi_shop.dropi.count("departments") == 1
    assert dropi_shop.dropi.count("cities") == 1


def test_unreadable_location_lists_leave_the_table_names(dropi_shop, settings):
    settings.DROPI_LOCATIONS_ENABLED = True
    dropi_shop.dropi.fail_next("departments", status=500)
    DropiDepartment.objects.filter(country="CO", province_code="DC").update(dropi_name="CUNDINAMARCA")

    order = dropi_shop.record()

    assert order.state == DropiOrder.State.PLACED
    assert dropi_shop.created()[0]["state"] == "CUNDINAMARCA"


def test_the_location_lists_are_not_asked_for_unless_enabled(dropi_shop):
    dropi_shop.record()

    assert dropi_shop.dropi.count("departments") == 0


def test_a_mode_change_and_a_click_while_an_order_is_queued_still_place_it_once(dropi_shop):
    with override_settings(TASKS=DUMMY_TASKS):
        order = dropi_shop.record()  # app_on_order: queued, its task not run yet
    dropi_shop.set_mode("manual")

    _order, queued = dropi_orders.dropi_order_place(shop=SHOP, order_id=order.shopify_order_id)
    make_due(order)
    dropi_order_job.dropi_order_process(order_id=order.pk)
    dropi_order_job.dropi_order_process(order_id=order.pk)  # a duplicate task does nothing

    order.refresh_from_db()
    assert queued is False
    assert order.state == DropiOrder.State.PLACED
    assert len(dropi_shop.created()) == 1
