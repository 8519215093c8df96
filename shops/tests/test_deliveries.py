"""Order and abandoned-cart deliveries to the Ecomdrop simulator: every state, exactly once."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone, translation

from connector.errors import ApplicationError
from shops.models import DropiOrder, FlowDelivery
from shops.services import deliveries, delivery_job
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.payloads import checkout_payload, order_payload
from shops.views.pages import delivery_problem

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
Status = FlowDelivery.Status


@pytest.fixture
def account(ecomdrop_simulator):
    return ecomdrop_simulator.add_account(KEY)


@pytest.fixture
def configured(account):
    return ShopConfigurationFactory(
        shop=SHOP,
        ecomdrop_api_key=KEY,
        nuevo_pedido_flow_id="9001",
        carrito_abandonado_flow_id="9002",
        dropi_country="CO",
        installed_at=timezone.now(),
    )


def record(order=None):
    return deliveries.flow_delivery_record_order(shop=SHOP, order=order or order_payload())


def make_due(delivery):
    FlowDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


@pytest.mark.django_db
def test_an_order_creates_the_contact_with_the_order_fields_and_sends_the_flow(configured, account):
    delivery, created = record(order_payload(name="#1014"))

    delivery.refresh_from_db()
    assert created
    assert delivery.state == Status.SENT
    assert delivery.sent_at is not None
    contact = next(iter(account.contacts.values()))
    assert contact.phone == "+573001234567"  # from the shipping address, region CO
    assert (contact.first_name, contact.last_name, contact.email) == ("Ana", "Pérez", "ana@example.com")
    fields = {account.custom_fields[field_id][0]: value for field_id, value in contact.fields.items()}
    assert fields["pedido_nombre"] == "#1014"
    assert fields["pedido_total"] == "129900.00"
    assert fields["pedido_moneda"] == "COP"
    assert fields["pedido_productos"] == "2x Reloj inteligente (Negro); 1x Correa"
    assert fields["pedido_ciudad"] == "Bogotá"
    assert fields["pedido_pago"] == "Contra entrega"
    assert fields["pedido_url"].startswith(f"https://{SHOP}/admin/orders/")
    assert account.sends == [(contact.id, "9001", account.sends[0][2])]


@pytest.mark.django_db
def test_an_existing_contact_gets_its_fields_updated_and_no_duplicate(configured, account, ecomdrop_simulator):
    record(order_payload(name="#1"))
    record(order_payload(name="#2"))

    assert len(account.contacts) == 1
    contact = next(iter(account.contacts.values()))
    assert contact.fields["101"] == "#2"
    assert len(account.sends) == 2
    assert ecomdrop_simulator.count("create_contact") == 1


@pytest.mark.django_db
def test_a_duplicate_webhook_never_sends_twice(configured, account):
    order = order_payload()
    first, created = record(order)
    second, created_again = record(order)

    assert created
    assert not created_again
    assert first.pk == second.pk
    assert len(account.sends) == 1
    assert FlowDelivery.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"ecomdrop_api_key": None}, FlowDelivery.SkipReason.NO_API_KEY),
        ({"nuevo_pedido_flow_id": None}, FlowDelivery.SkipReason.NO_FLOW),
        ({"uninstalled_at": timezone.now()}, FlowDelivery.SkipReason.UNINSTALLED),
    ],
)
def test_skipped_with_a_reason_when_the_shop_is_not_ready(configured, account, change, reason):
    for field, value in change.items():
        setattr(configured, field, value)
    configured.save()

    delivery, _ = record()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.skip_reason) == (Status.SKIPPED, reason)
    assert account.sends == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (
            {"phone": None, "shipping_address": None, "customer": None, "billing_address": None},
            FlowDelivery.SkipReason.NO_PHONE,
        ),
        (
            {"shipping_address": {"phone": "12", "country_code": "CO"}, "customer": None},
            FlowDelivery.SkipReason.INVALID_PHONE,
        ),
        (
            {"shipping_address": None, "customer": {"id": None, "phone": None}, "email": None},
            FlowDelivery.SkipReason.NO_PHONE,
        ),
    ],
)
def test_buyers_without_a_usable_phone_are_skipped(configured, account, overrides, reason):
    delivery, _ = record(order_payload(**overrides))

    delivery.refresh_from_db()
    assert (delivery.state, delivery.skip_reason) == (Status.SKIPPED, reason)
    assert account.contacts == {}


@pytest.mark.django_db
def test_redacted_customer_data_is_handled(configured, account):
    order = order_payload(email=None, customer=None, billing_address=None, phone="+51 987 654 321")
    order["shipping_address"] = None

    delivery, _ = record(order)

    delivery.refresh_from_db()
    assert delivery.state == Status.SENT
    assert next(iter(account.contacts.values())).phone == "+51987654321"


@pytest.mark.django_db
def test_retryable_failures_back_off_and_then_succeed(configured, account, ecomdrop_simulator, settings):
    settings.FLOW_DELIVERY_RETRY_BASE_SECONDS = 30
    ecomdrop_simulator.fail_next("find_contact", status=503)

    delivery, _ = record()

    delivery.refresh_from_db()
    assert delivery.state == Status.PENDING
    assert delivery.attempts == 1
    assert "EcomdropUnavailable" in delivery.last_error
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 10 <= wait <= 46  # 30 s with ±50 % jitter
    assert deliveries.flow_delivery_process(delivery_id=delivery.pk) == Status.PENDING  # not due yet
    make_due(delivery)
    assert deliveries.flow_delivery_process_due() == 1
    delivery.refresh_from_db()
    assert delivery.state == Status.SENT
    assert delivery.attempts == 2
    assert len(account.sends) == 1


@pytest.mark.django_db
def test_a_flow_call_refused_with_503_was_not_sent_and_is_retried(configured, account, ecomdrop_simulator):
    ecomdrop_simulator.fail_next("send_flow", status=503)

    delivery, _ = record()
    make_due(delivery)
    deliveries.flow_delivery_process_due()

    delivery.refresh_from_db()
    assert delivery.state == Status.SENT
    assert len(account.sends) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_flow_call_failing_with_another_5xx_may_have_gone_out_and_is_unconfirmed(
    configured, account, ecomdrop_simulator, status
):
    # A gateway in front of Ecomdrop may answer 502/504 after Ecomdrop started the flow.
    ecomdrop_simulator.fail_next("send_flow", status=status)

    delivery, _ = record()
    make_due(delivery)
    deliveries.flow_delivery_process_due()

    delivery.refresh_from_db()
    assert delivery.state == Status.UNCONFIRMED
    assert "EcomdropServerError" in delivery.last_error
    with translation.override("en"):
        assert "not resent automatically" in delivery_problem(delivery)
    assert deliveries.flow_delivery_process_due() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["flows", "custom_fields", "find_contact", "create_contact", "set_field"])
def test_a_timeout_before_the_flow_call_is_retried(configured, account, ecomdrop_simulator, settings, kind):
    settings.HTTP_TIMEOUT_SECONDS = 0.3
    if kind == "set_field":  # an existing contact gets its fields set one by one
        record(order_payload(name="#0"))
    ecomdrop_simulator.stall_next(kind, seconds=0.6)

    delivery, _ = record()
    delivery.refresh_from_db()
    assert delivery.state == Status.PENDING
    assert "EcomdropTimeout" in delivery.last_error
    make_due(delivery)
    deliveries.flow_delivery_process_due()

    delivery.refresh_from_db()
    assert delivery.state == Status.SENT
    assert len(account.sends) == (2 if kind == "set_field" else 1)


@pytest.mark.django_db
def test_rate_limiting_waits_at_least_what_ecomdrop_asks(configured, account, ecomdrop_simulator, settings):
    settings.FLOW_DELIVERY_RETRY_BASE_SECONDS = 1
    ecomdrop_simulator.fail_next("find_contact", status=429)

    delivery, _ = record()

    delivery.refresh_from_db()
    assert (delivery.next_attempt_at - timezone.now()).total_seconds() >= 25


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "status"), [("find_contact", 401), ("send_flow", 404), ("create_contact", 422)])
def test_non_retryable_errors_fail_at_once_with_a_readable_reason(
    configured, account, ecomdrop_simulator, kind, status
):
    ecomdrop_simulator.fail_next(kind, status=status)

    delivery, _ = record()

    delivery.refresh_from_db()
    assert delivery.state == Status.FAILED
    assert delivery.attempts == 1
    assert delivery.last_error
    assert account.sends == []


@pytest.mark.django_db
def test_retries_stop_after_the_maximum_attempts(configured, account, ecomdrop_simulator, settings):
    settings.FLOW_DELIVERY_MAX_ATTEMPTS = 3
    ecomdrop_simulator.fail_next("find_contact", status=503, times=5)

    delivery, _ = record()
    for _ in range(4):
        make_due(delivery)
        deliveries.flow_delivery_process_due()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Status.FAILED, 3)


@pytest.mark.django_db
def test_a_send_without_answer_is_unconfirmed_and_never_resent_automatically(
    configured, account, ecomdrop_simulator, settings
):
    settings.HTTP_TIMEOUT_SECONDS = 0.3
    ecomdrop_simulator.stall_next("send_flow", seconds=0.8)

    delivery, _ = record()
    make_due(delivery)
    deliveries.flow_delivery_process_due()
    deliveries.flow_delivery_recover_stale()

    delivery.refresh_from_db()
    assert delivery.state == Status.UNCONFIRMED
    assert len(account.sends) == 1


@pytest.mark.django_db
def test_a_worker_lost_while_sending_leaves_the_delivery_unconfirmed(configured, account):
    delivery, _ = record()
    FlowDelivery.objects.filter(pk=delivery.pk).update(
        state=Status.SENDING, lease_until=timezone.now() - datetime.timedelta(seconds=1), lease_owner="gone"
    )
    lost_early = record()[0]
    FlowDelivery.objects.filter(pk=lost_early.pk).update(
        state=Status.PROCESSING, lease_until=timezone.now() - datetime.timedelta(seconds=1), lease_owner="gone"
    )
    sends_before = len(account.sends)

    result = deliveries.flow_delivery_recover_stale()

    assert result == {"requeued": 1, "unconfirmed": 1}
    lost = FlowDelivery.objects.get(pk=delivery.pk)
    assert lost.state == Status.UNCONFIRMED
    with translation.override("es"):
        assert delivery_problem(lost) == (
            "La app se detuvo mientras enviaba el flujo. "
            "El mensaje pudo haber salido, por eso no se reenvía automáticamente."
        )
    assert FlowDelivery.objects.get(pk=lost_early.pk).state == Status.SENT  # requeued and processed
    assert len(account.sends) == sends_before + 1


@pytest.mark.django_db
def test_resend_is_allowed_for_failed_skipped_and_unconfirmed_only(configured, account, ecomdrop_simulator):
    ecomdrop_simulator.fail_next("find_contact", status=401)
    failed, _ = record()
    sent, _ = record()

    resent = deliveries.flow_delivery_resend(delivery=FlowDelivery.objects.get(pk=failed.pk))

    assert resent.state == Status.SENT
    from connector.errors import ApplicationError

    with pytest.raises(ApplicationError):
        deliveries.flow_delivery_resend(delivery=FlowDelivery.objects.get(pk=sent.pk))
    assert len(account.sends) == 2


@pytest.mark.django_db
def test_abandoned_cart_waits_for_the_delay_then_sends_the_recovery_url(configured, account):
    checkout = checkout_payload()

    delivery, created = deliveries.flow_delivery_record_checkout(shop=SHOP, checkout=checkout)
    again, created_again = deliveries.flow_delivery_record_checkout(
        shop=SHOP, checkout={**checkout, "total_price": "300.00"}
    )

    assert created
    assert not created_again
    assert delivery.pk == again.pk
    assert again.state == Status.PENDING
    assert (again.next_attempt_at - timezone.now()).total_seconds() > 55 * 60
    assert account.sends == []
    make_due(again)
    deliveries.flow_delivery_process_due()
    again.refresh_from_db()
    assert again.state == Status.SENT
    contact = next(iter(account.contacts.values()))
    assert contact.phone == "+51987654321"
    assert contact.fields["109"] == checkout["abandoned_checkout_url"]
    assert contact.fields["102"] == "300.00"
    assert account.sends[0][1] == "9002"


@pytest.mark.django_db
def test_a_checkout_that_became_an_order_is_skipped(configured, account):
    checkout = checkout_payload()
    delivery, _ = deliveries.flow_delivery_record_checkout(shop=SHOP, checkout=checkout)
    record(order_payload(checkout_token=checkout["token"]))

    make_due(delivery)
    deliveries.flow_delivery_process_due()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.skip_reason) == (Status.SKIPPED, FlowDelivery.SkipReason.CONVERTED)
    assert [send[1] for send in account.sends] == ["9001"]


@pytest.mark.django_db
def test_a_completed_checkout_update_skips_the_delivery(configured, account):
    checkout = checkout_payload()
    deliveries.flow_delivery_record_checkout(shop=SHOP, checkout=checkout)

    delivery, _ = deliveries.flow_delivery_record_checkout(
        shop=SHOP, checkout={**checkout, "completed_at": "2026-11-25T10:05:00-05:00"}
    )

    assert (delivery.state, delivery.skip_reason) == (Status.SKIPPED, FlowDelivery.SkipReason.CONVERTED)


@pytest.mark.django_db
def test_the_test_event_goes_to_the_merchants_phone(configured, account):
    delivery = deliveries.flow_delivery_send_test(shop=SHOP, phone="+57 310 555 1234")

    delivery.refresh_from_db()
    assert delivery.state == Status.SENT
    assert account.contacts[account.sends[0][0]].phone == "+573105551234"


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_delivery_send_once(configured, account, ecomdrop_simulator):
    from django.test import override_settings

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
        delivery, _ = record()
    ecomdrop_simulator.latency = 0.05
    barrier = threading.Barrier(2)
    results = []

    def worker():
        barrier.wait()
        try:
            results.append(deliveries.flow_delivery_process(delivery_id=delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One worker claims and sends; the other finds it taken and does nothing.
    assert results.count(Status.SENT) == 1
    assert len(results) == 2
    assert len(account.sends) == 1
    assert FlowDelivery.objects.get(pk=delivery.pk).state == Status.SENT


@pytest.mark.django_db
def test_a_retry_continues_where_the_failed_attempt_stopped(configured, account, ecomdrop_simulator):
    record(order_payload(name="#1"))  # the contact now exists
    calls_before = {kind: ecomdrop_simulator.count(kind) for kind in ("find_contact", "set_field")}
    original = ecomdrop_simulator.handle
    set_field_calls = []

    def fail_the_third_field(request):
        if request.path.endswith(tuple(f"/custom_fields/{field_id}" for field_id in account.custom_fields)):
            set_field_calls.append(request.path)
            if len(set_field_calls) == 3:
                request.kind = "set_field"
                from simulators.base import Response

                return Response(503, {"message": "busy"})
        return original(request)

    ecomdrop_simulator.handle = fail_the_third_field
    delivery, _ = record(order_payload(name="#2"))
    make_due(delivery)
    deliveries.flow_delivery_process_due()

    delivery.refresh_from_db()
    assert delivery.state == Status.SENT
    assert delivery.attempts == 2
    # Remembered from order #1 (ECOMDROP_CONTACT_MEMORY_SECONDS): never searched, not even once.
    assert ecomdrop_simulator.count("find_contact") - calls_before["find_contact"] == 0
    fields_per_order = len(delivery.fields)
    assert len(set_field_calls) == fields_per_order + 1  # only the failed field was set again


@pytest.mark.django_db
def test_attempts_that_make_progress_do_not_use_up_the_retry_budget(configured, account, ecomdrop_simulator, settings):
    settings.FLOW_DELIVERY_MAX_ATTEMPTS = 2
    record(order_payload(name="#1"))  # the contact now exists
    original = ecomdrop_simulator.handle
    set_field_calls = []

    def every_second_field_fails(request):
        if "/custom_fields/" in request.path:
            set_field_calls.append(request.path)
            if len(set_field_calls) % 2 == 0:
                from simulators.base import Response

                request.kind = "set_field"
                return Response(503, {"message": "busy"})
        return original(request)

    ecomdrop_simulator.handle = every_second_field_fails
    delivery, _ = record(order_payload(name="#2"))
    for _ in range(20):
        make_due(delivery)
        deliveries.flow_delivery_process_due()

    delivery.refresh_from_db()
    assert delivery.state == Status.SENT
    assert delivery.attempts > settings.FLOW_DELIVERY_MAX_ATTEMPTS
    assert len(account.sends) == 2


def _take_over_during(monkeypatch, method, change):
    """Run ``change`` (what another worker or the recovery sweep does) while ``method`` of the
    Ecomdrop client is in flight, once."""
    from connector.ecomdrop.client import EcomdropClient

    original = getattr(EcomdropClient, method)
    done = []

    def call(self, **kwargs):
        result = original(self, **kwargs)
        if not done:
            done.append(True)
            change()
        return result

    monkeypatch.setattr(EcomdropClient, method, call)


@pytest.mark.django_db
def test_a_worker_taken_over_stops_before_its_next_call(configured, account, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    delivery, _ = record()
    # While this worker waits for Ecomdrop, its lease runs out and another worker claims it.
    real_now = timezone.now

    def lease_runs_out_and_another_worker_claims():
        FlowDelivery.objects.filter(pk=delivery.pk).update(lease_owner="another-worker")
        monkeypatch.setattr("connector.work.leases.timezone.now", lambda: real_now() + datetime.timedelta(hours=1))

    _take_over_during(monkeypatch, "find_contact_by_phone", lease_runs_out_and_another_worker_claims)

    result = deliveries.flow_delivery_process(delivery_id=delivery.pk)

    assert result == Status.PROCESSING
    delivery.refresh_from_db()
    assert (delivery.state, delivery.lease_owner) == (Status.PROCESSING, "another-worker")
    assert account.sends == []
    assert account.contacts == {}  # it stopped before creating the contact


@pytest.mark.django_db
def test_a_send_that_outlived_its_lease_is_still_recorded_as_sent(configured, account, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    delivery, _ = record()

    def sweep_marks_it_unconfirmed():
        FlowDelivery.objects.filter(pk=delivery.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
        assert deliveries.flow_delivery_recover_stale()["unconfirmed"] == 1

    _take_over_during(monkeypatch, "send_flow", sweep_marks_it_unconfirmed)

    assert deliveries.flow_delivery_process(delivery_id=delivery.pk) == Status.SENT
    delivery.refresh_from_db()
    assert delivery.state == Status.SENT
    assert len(account.sends) == 1


@pytest.mark.django_db
def test_a_flow_deleted_in_ecomdrop_is_skipped_not_reported_sent(configured, account):
    account.flows.pop("9001")

    delivery, _ = record()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.skip_reason) == (Status.SKIPPED, FlowDelivery.SkipReason.FLOW_MISSING)
    assert account.sends == []
    with translation.override("en"):
        assert delivery_problem(delivery) == "The chosen flow no longer exists in Ecomdrop"


@pytest.mark.django_db
def test_a_flow_created_after_the_list_was_cached_is_found(configured, account):
    account.flows.pop("9001")
    record(order_payload(name="#1"))  # caches the list without 9001
    account.flows["9001"] = "Confirmación de pedido"

    delivery, _ = record(order_payload(name="#2"))

    delivery.refresh_from_db()
    assert delivery.state == Status.SENT


@pytest.mark.django_db
def test_fields_the_account_lacks_are_recorded_and_never_sent(configured, account, ecomdrop_simulator):
    kept = {field_id: spec for field_id, spec in account.custom_fields.items() if spec[0] != "pedido_total"}
    account.custom_fields.clear()
    account.custom_fields.update(kept)

    delivery, _ = record()

    delivery.refresh_from_db()
    assert delivery.state == Status.SENT
    assert delivery.contact["progress"]["missing_fields"] == ["pedido_total"]
    (created,) = ecomdrop_simulator.requests_of("create_contact")
    sent_names = {action.get("field_name") for action in created.json()["actions"]}
    assert "pedido_nombre" in sent_names
    assert "pedido_total" not in sent_names


@pytest.mark.django_db
def test_the_flow_pickers_list_still_works_after_a_delivery_checked_the_flows(configured, account):
    from shops.services.configuration import ecomdrop_flows_list

    listed_first = ecomdrop_flows_list(configuration=configured)
    record()  # checks the flow against the account's list

    listed_again = ecomdrop_flows_list(configuration=configured)

    assert [(flow.id, flow.name) for flow in listed_again] == [(flow.id, flow.name) for flow in listed_first]
    assert {flow.id for flow in listed_again} == {"9001", "9002"}


@pytest.mark.django_db
def test_a_worker_taken_over_before_skipping_leaves_the_delivery_to_the_other(
    configured, account, monkeypatch, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    delivery, _ = record()

    def taken_over_meanwhile(delivery, configuration):
        FlowDelivery.objects.filter(pk=delivery.pk).update(lease_owner="another-worker")
        return FlowDelivery.SkipReason.NO_FLOW, ""

    monkeypatch.setattr(delivery_job, "delivery_skip_reason", taken_over_meanwhile)

    assert deliveries.flow_delivery_process(delivery_id=delivery.pk) == Status.PROCESSING
    delivery.refresh_from_db()
    assert (delivery.state, delivery.skip_reason) == (Status.PROCESSING, "")


@pytest.mark.django_db
def test_a_vendor_wait_of_centuries_is_clamped_and_the_delivery_retries(configured, account, monkeypatch, settings):
    # Retry-After: 1e12 once raised OverflowError here: the delivery looped with no error recorded.
    from connector.ecomdrop.client import EcomdropClient
    from connector.ecomdrop.errors import EcomdropRateLimited

    settings.HTTP_MAX_RETRY_AFTER_SECONDS = 300

    def rate_limited(self, **kwargs):
        raise EcomdropRateLimited("slow down", retry_after=1e12)

    monkeypatch.setattr(EcomdropClient, "find_contact_by_phone", rate_limited)

    delivery, _ = record()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Status.PENDING, 1)
    assert delivery.last_error.startswith("EcomdropRateLimited")
    assert delivery.next_attempt_at <= timezone.now() + datetime.timedelta(seconds=300)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("record_it", "payload"),
    [
        (deliveries.flow_delivery_record_order, order_payload(id="9" * 40)),
        (deliveries.flow_delivery_record_checkout, checkout_payload(token="t" * 256)),
    ],
    ids=["order id of 40 digits", "checkout token of 256 characters"],
)
def test_an_id_longer_than_shopify_gives_is_refused_with_a_typed_error_and_nothing_stored(
    configured, record_it, payload
):
    """Shopify's ids are at most 20 digits and its checkout tokens 32 characters; a payload
    with a longer one is refused as invalid (never a database error from a column too short)."""
    key = "order" if record_it is deliveries.flow_delivery_record_order else "checkout"

    with pytest.raises(ApplicationError) as refused:
        record_it(shop=SHOP, **{key: payload})

    assert refused.value.code == "invalid_payload"
    assert not FlowDelivery.objects.exists()
    assert not DropiOrder.objects.exists()
