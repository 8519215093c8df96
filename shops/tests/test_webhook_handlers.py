"""Shop lifecycle topics, end to end (signed delivery → worker): app/uninstalled and shop/redact."""

import datetime

import pytest
from django.utils import timezone

from assistant.models import AIConfiguration
from assistant.tests.factories import AIConfigurationFactory
from connector.models import OAuthState, ShopifySession
from connector.tests.factories import ShopifySessionFactory
from products.models import ProductAssociation, VariantMapping
from products.tests.factories import VariantMappingFactory
from shops.models import DeliveryRules, DropiOrder, DropiTrackingSync, FlowDelivery, ShippingUpdate, ShopConfiguration
from shops.tests.factories import ShopConfigurationFactory
from themes.models import ThemeInstall
from webhooks import privacy
from webhooks.models import CustomerDataExport, WebhookEvent

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"
OTHER_SHOP = "otra.myshopify.com"
Status = WebhookEvent.Status
UNINSTALLED_AT = "2026-05-01T10:00:00Z"


@pytest.fixture(autouse=True)
def shopify(shopify_simulator):
    """Shopify, which knows none of the tokens the factories make up: to it they are revoked,
    as they are once the app is uninstalled."""
    return shopify_simulator


def shop_resource(shop=SHOP):
    return {"id": 548380009, "name": "Tienda", "myshopify_domain": shop, "domain": "tienda.co"}


def installed_shop(shop, *, installed_at=None):
    configuration = ShopConfigurationFactory(shop=shop, ecomdrop_api_key="ecomdrop-key", nuevo_pedido_flow_id="f-1")
    ShopConfiguration.objects.filter(pk=configuration.pk).update(
        installed_at=installed_at or datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    ShopifySessionFactory(shop=shop)
    ShopifySessionFactory(shop=shop, id=f"{shop}_7", is_online=True, user_id=7)
    association = VariantMappingFactory(association__shop=shop).association
    AIConfigurationFactory(shop=shop)
    OAuthState.objects.create(state=f"state-{shop}", shop=shop)
    ThemeInstall.objects.create(shop=shop, theme_name="Ecomdrop Theme 2.5")
    DeliveryRules.objects.create(shop=shop)
    DropiTrackingSync.objects.create(shop=shop)
    return configuration, association


# --------------------------------------------------------------------------- app/uninstalled


def test_uninstall_deletes_sessions_and_stops_the_shop_but_keeps_its_settings(deliver):
    installed_shop(SHOP)
    installed_shop(OTHER_SHOP)

    event = deliver("app/uninstalled", shop_resource(), triggered_at=UNINSTALLED_AT)

    assert event.state == Status.PROCESSED
    assert not ShopifySession.objects.filter(shop=SHOP).exists()
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    assert not configuration.is_installed
    assert configuration.uninstalled_at.isoformat() == "2026-05-01T10:00:00+00:00"
    assert configuration.ecomdrop_api_key.reveal() == "ecomdrop-key"
    assert ProductAssociation.objects.filter(shop=SHOP).exists()
    assert ShopifySession.objects.filter(shop=OTHER_SHOP).count() == 2
    assert ShopConfiguration.objects.get(shop=OTHER_SHOP).is_installed


def test_uninstall_is_idempotent_and_keeps_the_first_time(deliver):
    installed_shop(SHOP)
    deliver("app/uninstalled", shop_resource(), triggered_at=UNINSTALLED_AT)

    again = deliver("app/uninstalled", shop_resource(), triggered_at="2026-05-02T10:00:00Z")

    assert again.state == Status.PROCESSED
    assert ShopConfiguration.objects.get().uninstalled_at.isoformat() == "2026-05-01T10:00:00+00:00"


def test_uninstall_of_a_shop_that_never_installed_is_processed_and_creates_nothing(deliver):
    event = deliver("app/uninstalled", shop_resource("nunca.myshopify.com"), shop="nunca.myshopify.com")

    assert event.state == Status.PROCESSED
    assert not ShopConfiguration.objects.exists()


def test_deliveries_for_an_uninstalled_shop_are_stored_and_handled(deliver):
    installed_shop(SHOP)
    deliver("app/uninstalled", shop_resource(), triggered_at=UNINSTALLED_AT)

    scopes = deliver("app/scopes_update", {"current": ["read_orders"]})
    order = deliver("orders/create", {"id": 1001})

    assert (scopes.state, order.state) == (Status.PROCESSED, Status.PROCESSED)
    assert not ShopifySession.objects.filter(shop=SHOP).exists()  # nothing revived
    assert not ShopConfiguration.objects.get(shop=SHOP).is_installed
    # The order is recorded and its flow skipped: the app is uninstalled.
    delivery = FlowDelivery.objects.get(shop=SHOP, shopify_object_id="1001")
    assert (delivery.state, delivery.skip_reason) == (FlowDelivery.Status.SKIPPED, FlowDelivery.SkipReason.UNINSTALLED)


def test_an_uninstall_older_than_the_last_install_changes_nothing(deliver):
    installed_shop(SHOP, installed_at=datetime.datetime(2026, 5, 3, tzinfo=datetime.UTC))

    event = deliver("app/uninstalled", shop_resource(), triggered_at=UNINSTALLED_AT)

    assert event.state == Status.PROCESSED
    assert ShopConfiguration.objects.get(shop=SHOP).is_installed
    assert ShopifySession.objects.filter(shop=SHOP).count() == 2


def test_a_late_uninstall_does_not_undo_a_reinstall_that_happened_after_it(
    client, shopify_simulator, session_token, post_webhook, run_worker
):
    """Uninstall at T1, reinstall (token exchange) at T2, the worker reaches the T1 event after T2."""
    from connector import sessions
    from connector.shopify.errors import ShopifyReauthorizationRequired

    def open_app():
        response = client.get("/app/", {"shop": SHOP, "id_token": session_token(SHOP)})
        assert response.status_code == 200

    open_app()  # installed by token exchange
    ShopConfiguration.objects.filter(shop=SHOP).update(installed_at=timezone.now() - datetime.timedelta(days=30))
    uninstalled_at = timezone.now() - datetime.timedelta(minutes=10)
    assert post_webhook("app/uninstalled", shop_resource(), triggered_at=uninstalled_at.isoformat()).status_code == 200
    # The uninstall revoked the tokens: background work finds out and flags the shop…
    old = ShopifySession.objects.get(id=f"offline_{SHOP}")
    shopify_simulator.expire_access_token(old.access_token.reveal())
    shopify_simulator.revoke_refresh_token(old.refresh_token.reveal())
    with pytest.raises(ShopifyReauthorizationRequired):
        sessions.shopify_admin_client(shop=SHOP).execute("shop_info")
    # …and the merchant, reinstalling, opens the app: a new token exchange.
    open_app()
    assert shopify_simulator.count("token_exchange") == 2
    new_token = ShopifySession.objects.get(id=f"offline_{SHOP}").access_token.reveal()

    assert run_worker() == 1

    event = WebhookEvent.objects.get(topic="app/uninstalled")
    assert event.state == Status.IGNORED  # Shopify accepts the new token: the app is installed
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    assert configuration.is_installed
    assert configuration.installed_at > uninstalled_at
    assert sessions.shopify_access_token_get(shop=SHOP) == new_token


def test_an_uninstall_after_the_last_token_exchange_still_uninstalls(
    client, shopify_simulator, session_token, post_webhook, run_worker
):
    assert client.get("/app/", {"shop": SHOP, "id_token": session_token(SHOP)}).status_code == 200
    post_webhook("app/uninstalled", shop_resource(), triggered_at=timezone.now().isoformat())
    shopify_simulator.uninstall(SHOP)  # what the uninstall did to the app's tokens

    run_worker()

    assert not ShopConfiguration.objects.get(shop=SHOP).is_installed
    assert not ShopifySession.objects.filter(shop=SHOP).exists()


def test_an_uninstall_whose_payload_names_another_shop_fails(deliver):
    installed_shop(SHOP)

    event = deliver("app/uninstalled", shop_resource(OTHER_SHOP))

    assert event.state == Status.FAILED
    assert ShopConfiguration.objects.get(shop=SHOP).is_installed


# --------------------------------------------------------------------------- shop/redact


def redact_payload(shop=SHOP):
    return {"shop_id": 954889, "shop_domain": shop}


def test_shop_redact_deletes_every_row_of_the_shop_and_nothing_else(deliver, post_webhook):
    configuration, _ = installed_shop(SHOP)
    installed_shop(OTHER_SHOP)
    ShopConfiguration.objects.filter(pk=configuration.pk).update(uninstalled_at=timezone.now())
    post_webhook("orders/create", {"id": 1, "email": "ana@example.com"})
    post_webhook("orders/create", {"id": 2}, shop=OTHER_SHOP)
    CustomerDataExport.objects.create(shop=SHOP, customer_id="1", document={"customer": {"id": "1"}})
    CustomerDataExport.objects.create(shop=OTHER_SHOP, customer_id="1", document={"customer": {"id": "1"}})
    for shop in (SHOP, OTHER_SHOP):  # a shipping transition of a bot-placed order
        order = DropiOrder.objects.create(shop=shop, shopify_order_id="99", mode="bot", state="bot")
        ShippingUpdate.objects.create(shop=shop, order=order, key="->pending", stage="pending")

    event = deliver("shop/redact", redact_payload())

    assert event.state == Status.PROCESSED
    for model in privacy.models_with_a_shop_column():
        remaining = model._default_manager.filter(shop=SHOP)
        if model is WebhookEvent:
            # Only the redact event itself stays, as the record of the purge.
            assert list(remaining.values_list("topic", flat=True)) == ["shop/redact"]
        else:
            assert not remaining.exists(), model.__name__
        assert model._default_manager.filter(shop=OTHER_SHOP).exists(), model.__name__
    assert VariantMapping.objects.filter(association__shop=OTHER_SHOP).count() == 1
    assert VariantMapping.objects.count() == 1


def test_every_table_with_a_shop_column_has_a_registered_eraser():
    missing = set(privacy.models_with_a_shop_column()) - privacy.models_erased_per_shop()

    assert not missing, f"list a shop eraser in PERSONAL_DATA for {sorted(model.__name__ for model in missing)}"
    assert VariantMapping in privacy.models_erased_per_shop()


def test_shop_redact_of_an_unknown_shop_is_processed(deliver):
    event = deliver("shop/redact", redact_payload("nunca.myshopify.com"), shop="nunca.myshopify.com")

    assert event.state == Status.PROCESSED


def test_shop_redact_leaves_a_shop_installed_again_after_the_request_alone(deliver):
    installed_shop(SHOP, installed_at=datetime.datetime(2026, 5, 3, tzinfo=datetime.UTC))

    event = deliver("shop/redact", redact_payload(), triggered_at=UNINSTALLED_AT)

    assert event.state == Status.PROCESSED
    assert ShopConfiguration.objects.filter(shop=SHOP).exists()
    assert ShopifySession.objects.filter(shop=SHOP).exists()


def test_shop_redact_naming_another_shop_fails_and_deletes_nothing(deliver):
    installed_shop(SHOP)

    event = deliver("shop/redact", redact_payload(OTHER_SHOP))

    assert event.state == Status.FAILED
    assert ShopConfiguration.objects.filter(shop=SHOP).exists()


def test_shop_redact_is_one_transaction(deliver, monkeypatch):
    installed_shop(SHOP)

    def failing_eraser(*, shop):
        raise RuntimeError("disk full")

    erasers = [*privacy.shop_erasers(), ("zz.failing", failing_eraser)]
    monkeypatch.setattr(privacy, "shop_erasers", lambda: erasers)

    event = deliver("shop/redact", redact_payload())

    assert event.state == Status.RETRYING
    for model in (ShopConfiguration, ShopifySession, ProductAssociation, AIConfiguration, OAuthState):
        assert model.objects.filter(shop=SHOP).exists(), model.__name__


# --------------------------------------------------------------------------- replayed bodies
# Shopify signs the body only: a captured body can come back with a fresh event id, shop,
# topic and Triggered-At.


def working_shop(shopify_simulator, shop=SHOP):
    """An installed shop whose offline token Shopify accepts."""
    from connector.secrets import Secret

    configuration, _ = installed_shop(shop)
    ShopifySession.objects.filter(id=f"offline_{shop}").update(access_token=Secret(shopify_simulator.issue_token(shop)))
    return configuration


def test_a_replayed_uninstall_of_an_installed_shop_is_ignored_once_shopify_accepts_its_token(deliver, shopify):
    working_shop(shopify)

    event = deliver("app/uninstalled", shop_resource(), triggered_at=timezone.now().isoformat())

    assert event.state == Status.IGNORED
    assert ShopConfiguration.objects.get(shop=SHOP).is_installed
    assert ShopifySession.objects.filter(shop=SHOP).count() == 2
    assert shopify.count("graphql:AppInstallationCurrent") == 1


def test_an_uninstall_shopify_confirms_uninstalls(deliver, shopify):
    working_shop(shopify)
    shopify.uninstall(SHOP)

    event = deliver("app/uninstalled", shop_resource(), triggered_at=timezone.now().isoformat())

    assert event.state == Status.PROCESSED
    assert not ShopConfiguration.objects.get(shop=SHOP).is_installed
    assert not ShopifySession.objects.filter(shop=SHOP).exists()


def test_an_uninstall_waits_while_shopify_cannot_say_whether_the_app_is_installed(deliver, shopify):
    working_shop(shopify)
    shopify.fail_next("graphql:AppInstallationCurrent", status=503)

    event = deliver("app/uninstalled", shop_resource(), triggered_at=timezone.now().isoformat())

    assert (event.state, event.attempts) == (Status.RETRYING, 1)
    assert ShopConfiguration.objects.get(shop=SHOP).is_installed
    assert ShopifySession.objects.filter(shop=SHOP).count() == 2


def test_an_order_body_replayed_as_an_uninstall_fails_without_asking_shopify(deliver, shopify):
    installed_shop(SHOP)

    event = deliver("app/uninstalled", {"id": 1001, "email": "ana@example.com", "line_items": []})

    assert (event.state, event.attempts) == (Status.FAILED, 1)
    assert ShopConfiguration.objects.get(shop=SHOP).is_installed
    assert shopify.count("graphql:AppInstallationCurrent") == 0


def test_a_replayed_shop_redact_of_an_installed_shop_is_ignored_and_deletes_nothing(deliver, shopify):
    working_shop(shopify)

    event = deliver("shop/redact", redact_payload(), triggered_at=timezone.now().isoformat())

    assert event.state == Status.IGNORED
    assert ShopConfiguration.objects.filter(shop=SHOP).exists()
    assert ProductAssociation.objects.filter(shop=SHOP).exists()


def test_a_data_request_body_replayed_as_shop_redact_fails_and_deletes_nothing(deliver):
    installed_shop(SHOP)
    data_request = {**redact_payload(), "customer": {"id": 1}, "orders_requested": [1], "data_request": {"id": 9}}

    event = deliver("shop/redact", data_request, triggered_at=timezone.now().isoformat())

    assert (event.state, event.attempts) == (Status.FAILED, 1)
    assert ShopConfiguration.objects.filter(shop=SHOP).exists()
    assert ProductAssociation.objects.filter(shop=SHOP).exists()
