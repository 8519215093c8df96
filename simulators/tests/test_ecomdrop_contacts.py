"""The Ecomdrop simulator finds contacts by phone through an index that follows every change
of an account's contacts (created over HTTP, deleted or cleared by a test)."""

import copy
import json
import urllib.parse
import urllib.request

import pytest

from simulators.ecomdrop import EcomdropSimulator, SimContact

KEY = "sim-key-0123456789"


@pytest.fixture
def ecomdrop():
    simulator = EcomdropSimulator()
    simulator.start()
    simulator.add_account(KEY)
    yield simulator
    simulator.stop()


def call(ecomdrop, method, path, body=None):
    request = urllib.request.Request(  # noqa: S310 (a local simulator)
        f"{ecomdrop.base_api_url()}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"X-ACCESS-TOKEN": KEY, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (a local simulator)
        return json.loads(response.read())


def found(ecomdrop, phone):
    query = urllib.parse.urlencode({"field_id": "phone", "value": phone})
    return [match["id"] for match in call(ecomdrop, "GET", f"/contacts/find_by_custom_field?{query}")["data"]]


def test_a_created_contact_is_found_by_its_phone_and_no_other(ecomdrop):
    created = call(ecomdrop, "POST", "/contacts", {"phone": "+573001112233"})
    call(ecomdrop, "POST", "/contacts", {"phone": "+573009998877"})

    assert found(ecomdrop, "+573001112233") == [created["id"]]
    assert found(ecomdrop, "+573005550000") == []
    assert ecomdrop.contact_by_phone(KEY, "+573001112233").id == created["id"]


def test_contacts_deleted_or_cleared_by_a_test_are_no_longer_found(ecomdrop):
    first = call(ecomdrop, "POST", "/contacts", {"phone": "+573001112233"})["id"]
    second = call(ecomdrop, "POST", "/contacts", {"phone": "+573001112233"})["id"]
    contacts = ecomdrop.accounts[KEY].contacts

    assert found(ecomdrop, "+573001112233") == [first, second]  # oldest first
    del contacts[first]
    assert found(ecomdrop, "+573001112233") == [second]
    contacts.clear()
    assert found(ecomdrop, "+573001112233") == []
    assert ecomdrop.contact_by_phone(KEY, "+573001112233") is None


def test_a_contact_stored_again_under_its_id_is_found_by_its_new_phone_only(ecomdrop):
    contacts = ecomdrop.accounts[KEY].contacts
    contacts["7"] = SimContact(id="7", phone="+573001112233")
    contacts["7"] = SimContact(id="7", phone="+573004445566")

    assert found(ecomdrop, "+573001112233") == []
    assert found(ecomdrop, "+573004445566") == ["7"]
    with pytest.raises(NotImplementedError):
        contacts.pop("7")
    with pytest.raises(NotImplementedError):
        contacts |= {"8": SimContact(id="8", phone="+573004445566")}  # would skip the index
    assert found(ecomdrop, "+573004445566") == ["7"]


def test_a_copy_of_the_contacts_keeps_an_index_of_its_own(ecomdrop):
    contacts = ecomdrop.accounts[KEY].contacts
    contacts["7"] = SimContact(id="7", phone="+573001112233")

    copied = copy.deepcopy(contacts)
    del copied["7"]

    assert [contact.id for contact in contacts.by_phone("+573001112233")] == ["7"]
    assert copied.by_phone("+573001112233") == []
    assert copy.copy(contacts).by_phone("+573001112233") == [contacts["7"]]
