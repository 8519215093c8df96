"""Ecomdrop calls per order: a new buyer, a returning buyer (their contact id remembered per
account and phone), a remembered contact deleted in Ecomdrop meanwhile, and the limit of calls
of one account at once."""

import threading
import time

import pytest
from django.utils import timezone

from connector.concurrency import account_slot
from shops.models import FlowDelivery
from shops.services import deliveries
from shops.services.ecomdrop_contacts import ecomdrop_contact_remembered
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import order_payload

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
KINDS = ("flows", "custom_fields", "find_contact", "create_contact", "set_field", "send_flow")
Status = FlowDelivery.Status


@pytest.fixture
def account(ecomdrop_simulator):
    account = ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(
        shop=SHOP, ecomdrop_api_key=KEY, nuevo_pedido_flow_id="9001", dropi_country="CO", installed_at=timezone.now()
    )
    return account


def calls_for(simulator, order):
    before = {kind: simulator.count(kind) for kind in KINDS}
    delivery, _ = deliveries.flow_delivery_record_order(shop=SHOP, order=order)
    delivery.refresh_from_db()
    assert delivery.state == Status.SENT
    return {kind: simulator.count(kind) - before[kind] for kind in KINDS if simulator.count(kind) - before[kind]}


def test_a_new_buyer_costs_three_calls_and_a_returning_one_skips_the_look_up(account, ecomdrop_simulator):
    first = calls_for(ecomdrop_simulator, order_payload(name="#1"))
    # The account's flows and fields are read once (then cached): not per order.
    assert first == {"flows": 1, "custom_fields": 1, "find_contact": 1, "create_contact": 1, "send_flow": 1}

    again = calls_for(ecomdrop_simulator, order_payload(name="#2"))
    fields = len(FlowDelivery.objects.latest("pk").fields)
    contact = next(iter(account.contacts.values()))
    assert again == {"set_field": fields, "send_flow": 1}  # no find: the contact id was remembered
    assert contact.fields["101"] == "#2"
    assert ecomdrop_contact_remembered(KEY, contact.phone) == contact.id


def test_without_the_memory_a_returning_buyer_is_looked_up(account, ecomdrop_simulator, settings):
    settings.ECOMDROP_CONTACT_MEMORY_SECONDS = 0
    calls_for(ecomdrop_simulator, order_payload(name="#1"))

    again = calls_for(ecomdrop_simulator, order_payload(name="#2"))

    assert again["find_contact"] == 1


def test_a_remembered_contact_deleted_in_ecomdrop_is_looked_up_again_and_the_flow_sent_once(
    account, ecomdrop_simulator
):
    calls_for(ecomdrop_simulator, order_payload(name="#1"))
    account.contacts.clear()  # the merchant deleted the contact in Ecomdrop

    again = calls_for(ecomdrop_simulator, order_payload(name="#2"))

    assert again["find_contact"] == 1
    assert again["create_contact"] == 1
    assert len(account.contacts) == 1
    new_contact = next(iter(account.contacts.values()))
    assert [contact for contact, _flow, _at in account.sends][-1] == new_contact.id
    assert ecomdrop_contact_remembered(KEY, new_contact.phone) == new_contact.id


def test_a_remembered_contact_deleted_without_fields_to_set_is_found_again_before_the_flow(
    account, ecomdrop_simulator, settings
):
    account.custom_fields.clear()  # no field to set: the first call on a contact is the flow
    calls_for(ecomdrop_simulator, order_payload(name="#1"))
    account.contacts.clear()

    again = calls_for(ecomdrop_simulator, order_payload(name="#2"))

    # The flow call answered 404 (nothing sent): the delivery went back to pending at once,
    # looked the buyer up again and sent the flow once.
    assert again == {"find_contact": 1, "create_contact": 1, "send_flow": 2}
    assert len(account.sends) == 2


def test_an_account_never_gets_more_calls_at_once_than_its_limit():
    at_once, most = 0, 0
    lock = threading.Lock()

    def call():
        nonlocal at_once, most
        with account_slot("ecomdrop", "key-1", 2):
            with lock:
                at_once += 1
                most = max(most, at_once)
            time.sleep(0.05)
            with lock:
                at_once -= 1

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert most == 2


def test_erasing_a_customer_forgets_their_remembered_contact(account, ecomdrop_simulator):
    from shops.personal_data import anonymise_flow_deliveries
    from webhooks.privacy import Customer

    calls_for(ecomdrop_simulator, order_payload(name="#1"))
    contact = next(iter(account.contacts.values()))
    assert ecomdrop_contact_remembered(KEY, contact.phone) == contact.id

    delivery = FlowDelivery.objects.get()
    anonymise_flow_deliveries(shop=SHOP, customer=Customer(shopify_id=delivery.customer_id))

    assert ecomdrop_contact_remembered(KEY, contact.phone) == ""
