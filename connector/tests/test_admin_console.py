"""The admin console: every table browsable, searchable, editable; secrets never shown."""

import csv
import html
import io
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from assistant.models import AIConfiguration
from assistant.tests.factories import AIConfigurationFactory
from connector.admin_tools import SHOP_TABLES, shop_links
from connector.models import ShopifySession
from connector.tests.factories import ShopifySessionFactory
from products.models import ProductAssociation, VariantMapping
from products.tests.factories import ProductAssociationFactory, VariantMappingFactory
from shops.models import ShopConfiguration
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

SHOP = "tienda-uno.myshopify.com"
SECRETS = {
    "access": "shpat_SECRET_access_token_0001",
    "refresh": "shprt_SECRET_refresh_token_0002",
    "ecomdrop": "ECOMDROP_SECRET_api_key_0003",
    "dropi": "DROPI_SECRET_integration_0004",
}


@pytest.fixture
def shop_rows():
    configuration = ShopConfigurationFactory(
        shop=SHOP, ecomdrop_api_key=SECRETS["ecomdrop"], dropi_token=SECRETS["dropi"], nuevo_pedido_flow_id="flow-1"
    )
    session = ShopifySessionFactory(shop=SHOP, access_token=SECRETS["access"], refresh_token=SECRETS["refresh"])
    association = ProductAssociationFactory(
        shop=SHOP, dropi_product_id="4242", shopify_product_id="gid://shopify/Product/777"
    )
    mapping = VariantMappingFactory(association=association)
    ai_configuration = AIConfigurationFactory(shop=SHOP)
    return {
        ShopConfiguration: configuration,
        ShopifySession: session,
        ProductAssociation: association,
        VariantMapping: mapping,
        AIConfiguration: ai_configuration,
    }


def all_secret_texts(configuration):
    return [*SECRETS.values(), configuration.callback_secret.reveal()]


def assert_no_secret(response, configuration):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode()
    for secret in all_secret_texts(configuration):
        assert secret not in text
        assert secret[:-4] not in text  # nothing but the last four characters, ever
    return text


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


MODELS = [ShopConfiguration, ShopifySession, ProductAssociation, VariantMapping, AIConfiguration]
SEARCHES = {
    ShopConfiguration: SHOP,
    ShopifySession: "tienda-uno",
    ProductAssociation: "4242",
    VariantMapping: "tienda-uno",
    AIConfiguration: "Andrés",
}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelist_search_add_change_pages_render_without_secrets(admin_client, shop_rows, model):
    configuration = shop_rows[ShopConfiguration]
    obj = shop_rows[model]

    for response in (
        admin_client.get(url(model, "changelist")),
        admin_client.get(url(model, "changelist"), {"q": SEARCHES[model]}),
        admin_client.get(url(model, "add")),
        admin_client.get(url(model, "change", obj.pk)),
        admin_client.get(url(model, "changelist"), {"created_at__year": obj.created_at.year}),
    ):
        assert response.status_code == 200
        assert_no_secret(response, configuration)

    search = admin_client.get(url(model, "changelist"), {"q": SEARCHES[model]})
    assert search.context["cl"].result_count == 1


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_csv_export_of_the_selection_has_every_column_and_no_secret(admin_client, shop_rows, model):
    configuration = shop_rows[ShopConfiguration]
    obj = shop_rows[model]

    response = admin_client.post(url(model, "changelist"), {"action": "export_as_csv", "_selected_action": [obj.pk]})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = assert_no_secret(response, configuration)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 2
    assert len(rows[0]) == len(model._meta.concrete_fields)


def test_csv_export_neutralises_spreadsheet_formulas(admin_client):
    association = ProductAssociationFactory(dropi_product_name='=HYPERLINK("http://evil")')

    response = admin_client.post(
        url(ProductAssociation, "changelist"), {"action": "export_as_csv", "_selected_action": [association.pk]}
    )

    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in text


def test_secrets_show_as_status_and_last_four_characters(admin_client, shop_rows):
    configuration = shop_rows[ShopConfiguration]

    page = admin_client.get(url(ShopConfiguration, "change", configuration.pk), HTTP_ACCEPT_LANGUAGE="es")

    text = assert_no_secret(page, configuration)
    assert "configurado ••••0003" in text
    assert "configurado ••••0004" in text
    listing = admin_client.get(url(ShopConfiguration, "changelist")).content.decode()
    assert "configurado ••••0003" in listing


def change_form_data(configuration, **overrides):
    data = {
        "shop": configuration.shop,
        "ecomdrop_api_key": "",
        "nuevo_pedido_flow_id": configuration.nuevo_pedido_flow_id or "",
        "carrito_abandonado_flow_id": "",
        "dropi_store_name": configuration.dropi_store_name or "",
        "dropi_country": configuration.dropi_country or "",
        "dropi_token": "",
        "abandoned_cart_delay_minutes": "60",
        "ecomdrop_field_names": "{}",
    }
    data.update(overrides)
    return data


def test_leaving_a_secret_empty_keeps_it(admin_client, shop_rows):
    configuration = shop_rows[ShopConfiguration]

    response = admin_client.post(
        url(ShopConfiguration, "change", configuration.pk), change_form_data(configuration, dropi_store_name="Nueva")
    )

    assert response.status_code == 302
    configuration.refresh_from_db()
    assert configuration.dropi_store_name == "Nueva"
    assert configuration.ecomdrop_api_key.reveal() == SECRETS["ecomdrop"]
    assert configuration.dropi_token.reveal() == SECRETS["dropi"]


def test_typing_a_new_secret_replaces_it_and_the_clear_box_removes_it(admin_client, shop_rows):
    configuration = shop_rows[ShopConfiguration]

    response = admin_client.post(
        url(ShopConfiguration, "change", configuration.pk),
        change_form_data(configuration, ecomdrop_api_key="  new-ecomdrop-key-9999 ", dropi_token__clear="on"),
    )

    assert response.status_code == 302
    configuration.refresh_from_db()
    assert configuration.ecomdrop_api_key.reveal() == "new-ecomdrop-key-9999"
    assert configuration.dropi_token is None


def test_an_invalid_shop_domain_or_country_is_a_form_error_and_changes_nothing(admin_client, shop_rows):
    configuration = shop_rows[ShopConfiguration]

    for overrides, field in (
        ({"shop": "evil.com"}, "shop"),
        ({"shop": "x.myshopify.com.evil.com"}, "shop"),
        ({"dropi_country": "AR"}, "dropi_country"),
    ):
        response = admin_client.post(
            url(ShopConfiguration, "change", configuration.pk),
            change_form_data(configuration, ecomdrop_api_key="should-not-be-saved-1234", **overrides),
        )
        assert response.status_code == 200
        assert field in response.context["adminform"].form.errors
        assert_no_secret(response, configuration)
        assert "should-not-be-saved" not in response.content.decode()

    configuration.refresh_from_db()
    assert configuration.shop == SHOP
    assert configuration.ecomdrop_api_key.reveal() == SECRETS["ecomdrop"]


def test_adding_a_configuration_generates_a_callback_secret(admin_client):
    response = admin_client.post(
        url(ShopConfiguration, "add"),
        {
            "shop": "nueva.myshopify.com",
            "ecomdrop_api_key": "",
            "dropi_token": "",
            "dropi_country": "PE",
            "abandoned_cart_delay_minutes": "60",
            "ecomdrop_field_names": "{}",
        },
    )

    assert response.status_code == 302
    configuration = ShopConfiguration.objects.get(shop="nueva.myshopify.com")
    assert len(configuration.callback_secret.reveal()) >= 32
    assert configuration.callback_secret_hash


def test_adding_a_session_requires_an_access_token(admin_client):
    response = admin_client.post(
        url(ShopifySession, "add"), {"id": "offline_x.myshopify.com", "shop": "x.myshopify.com", "state": ""}
    )

    assert response.status_code == 200
    assert "access_token" in response.context["adminform"].form.errors
    assert not ShopifySession.objects.exists()


def test_invalid_ai_notifications_are_a_form_error(admin_client, shop_rows):
    configuration = shop_rows[AIConfiguration]
    duplicated = (
        '[{"type": "Garantía", "phone": "+573001234567", "name": "A"},'
        ' {"type": "Garantía", "phone": "+51987654321", "name": "B"}]'
    )

    response = admin_client.post(
        url(AIConfiguration, "change", configuration.pk),
        {
            "shop": configuration.shop,
            "notifications": duplicated,
            "payment_methods": "[]",
            "faq": "[]",
            "post_sale_faq": "[]",
            "rules": "[]",
        },
    )

    assert response.status_code == 200
    assert "notifications" in response.context["adminform"].form.errors


def test_view_only_staff_see_masked_secrets(client, shop_rows):
    configuration = shop_rows[ShopConfiguration]
    user = User.objects.create_user("soporte", password="pw-123456789", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_shopconfiguration", "view_shopifysession"])
    )
    client.force_login(user)

    for model, obj in ((ShopConfiguration, configuration), (ShopifySession, shop_rows[ShopifySession])):
        response = client.get(url(model, "change", obj.pk))
        assert response.status_code == 200
        assert_no_secret(response, configuration)


def test_one_click_from_configuration_to_related_rows_and_back(admin_client, shop_rows):
    configuration = shop_rows[ShopConfiguration]

    page = admin_client.get(url(ShopConfiguration, "change", configuration.pk)).content.decode()
    sessions_link = f"{url(ShopifySession, 'changelist')}?shop={SHOP}"
    associations_link = f"{url(ProductAssociation, 'changelist')}?shop={SHOP}"
    ai_link = reverse("admin:assistant_aiconfiguration_by_shop", args=[SHOP])
    for link in (sessions_link, associations_link, ai_link):
        assert link in page

    sessions = admin_client.get(sessions_link)
    assert sessions.context["cl"].result_count == 1
    assert admin_client.get(associations_link).context["cl"].result_count == 1
    assert admin_client.get(ai_link)["Location"] == url(AIConfiguration, "change", shop_rows[AIConfiguration].pk)

    back = reverse("admin:shops_shopconfiguration_by_shop", args=[SHOP])
    assert back in sessions.content.decode()
    assert admin_client.get(back)["Location"] == url(ShopConfiguration, "change", configuration.pk)


def test_every_link_between_a_shops_rows_opens_a_page_of_that_shop(admin_client, shop_rows):
    links = re.findall(r'href="([^"]+)"', shop_links(SHOP))

    assert len(links) == 1 + len(SHOP_TABLES)
    for link in links:
        response = admin_client.get(html.unescape(link))
        assert response.status_code in (200, 302), link


def test_by_shop_for_a_shop_without_configuration_opens_a_prefilled_add_form(admin_client):
    response = admin_client.get(reverse("admin:shops_shopconfiguration_by_shop", args=["otra.myshopify.com"]))

    assert response["Location"] == url(ShopConfiguration, "add") + "?shop=otra.myshopify.com"


def test_association_search_by_bare_shopify_number_finds_the_gid(admin_client, shop_rows):
    response = admin_client.get(url(ProductAssociation, "changelist"), {"q": "777"})

    assert response.context["cl"].result_count == 1


def test_filters_narrow_the_lists(admin_client, shop_rows):
    ShopConfigurationFactory(shop="sin-clave.myshopify.com", dropi_country="MX")

    with_key = admin_client.get(url(ShopConfiguration, "changelist"), {"ecomdrop_key": "yes"})
    mexico = admin_client.get(url(ShopConfiguration, "changelist"), {"dropi_country__exact": "MX"})
    installed = admin_client.get(url(ShopConfiguration, "changelist"), {"installed": "no"})

    assert [row.shop for row in with_key.context["cl"].result_list] == [SHOP]
    assert [row.shop for row in mexico.context["cl"].result_list] == ["sin-clave.myshopify.com"]
    assert installed.context["cl"].result_count == 0


def test_console_speaks_spanish_by_default_and_english_on_request(admin_client, shop_rows):
    spanish = admin_client.get(url(ShopConfiguration, "changelist"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = admin_client.get(url(ShopConfiguration, "changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Ecomdrop IA Connector" in spanish
    assert "configuraciones de tienda" in spanish.lower()
    assert "shop configurations" in english.lower()


def test_rotate_callback_secret_action_replaces_secret_and_hash(admin_client, shop_rows):
    configuration = shop_rows[ShopConfiguration]
    old_secret, old_hash = configuration.callback_secret.reveal(), configuration.callback_secret_hash

    admin_client.post(
        url(ShopConfiguration, "changelist"),
        {"action": "rotate_callback_secret", "_selected_action": [configuration.pk]},
    )

    configuration.refresh_from_db()
    assert configuration.callback_secret.reveal() != old_secret
    assert configuration.callback_secret_hash != old_hash


def test_sessions_are_found_by_the_beginning_of_a_staff_first_or_last_name_or_the_user_id(admin_client):
    ana = ShopifySessionFactory(is_online=True, user_id=4242, first_name="Ana", last_name="Pérez Gómez")
    ShopifySessionFactory(is_online=True, user_id=77, first_name="Andrés", last_name="López")
    changelist = url(ShopifySession, "changelist")

    def found(term):
        return [row.pk for row in admin_client.get(changelist, {"q": term}).context["cl"].result_list]

    assert found("Ana Pér") == [ana.pk]
    assert found("pérez") == [ana.pk]
    assert found("4242") == [ana.pk]
    assert found("Gómez") == []  # names match from their first letter only
