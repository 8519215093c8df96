"""Theme operations of the Admin API against the Shopify simulator's theme handlers."""

import pytest

from connector.shopify.errors import ShopifyForbidden, ShopifyUserErrors
from connector.shopify.graphql import ShopifyAdminClient, load_document
from connector.shopify.themes import theme_create, theme_get, themes_list
from simulators.git_host import GitHostSimulator, build_zip, demo_theme_files
from simulators.shopify_themes import ShopifyThemes

SHOP = "tienda.myshopify.com"
THEME_SCOPES = "read_products,write_products,read_orders,write_orders,read_themes,write_themes"


class StaticTokens:
    def __init__(self, token):
        self.token = token

    def access_token(self):
        return self.token

    def refreshed_access_token(self, stale_token):
        return self.token


@pytest.fixture
def themes(shopify_simulator):
    return ShopifyThemes.install(shopify_simulator)


def client_for(simulator, scope=THEME_SCOPES):
    simulator.scope = scope
    return ShopifyAdminClient(shop=SHOP, tokens=StaticTokens(simulator.issue_token(SHOP)))


def test_documents_are_named_like_the_functions_that_use_them():
    assert load_document("theme_create").operation_name == "ThemeCreate"
    assert load_document("theme_get").operation_name == "ThemeGet"
    assert load_document("themes_list").operation_name == "ThemesList"


def test_create_returns_a_processing_unpublished_theme_and_polling_sees_it_finish(shopify_simulator, themes):
    client = client_for(shopify_simulator)
    themes.processing_polls = 2

    created = theme_create(client, source="https://connector.test/themes/download/abc", name="Ecomdrop Theme 2.5")
    first = theme_get(client, theme_id=created.id)
    second = theme_get(client, theme_id=created.id)

    assert created.role == "UNPUBLISHED"
    assert created.processing is True
    assert created.numeric_id == created.id.rsplit("/", 1)[-1]
    assert first.processing is True
    assert second.processing is False
    assert second.processing_failed is False
    request = shopify_simulator.requests_of("graphql:ThemeCreate")[0].json()
    assert request["variables"] == {
        "source": "https://connector.test/themes/download/abc",
        "name": "Ecomdrop Theme 2.5",
        "role": "UNPUBLISHED",
    }
    assert themes.created(SHOP)[0].source == "https://connector.test/themes/download/abc"


def test_themes_list_has_the_live_theme_and_the_new_one(shopify_simulator, themes):
    client = client_for(shopify_simulator)
    theme_create(client, source="https://connector.test/x", name="Ecomdrop Theme 2.5")

    listed = themes_list(client)

    assert [(theme.name, theme.role) for theme in listed] == [("Dawn", "MAIN"), ("Ecomdrop Theme 2.5", "UNPUBLISHED")]


def test_a_missing_theme_is_none(shopify_simulator, themes):
    assert theme_get(client_for(shopify_simulator), theme_id="gid://shopify/OnlineStoreTheme/1") is None


def test_without_write_themes_create_is_forbidden(shopify_simulator, themes):
    client = client_for(shopify_simulator, scope="read_products,read_themes")

    with pytest.raises(ShopifyForbidden, match="write_themes"):
        theme_create(client, source="https://connector.test/x", name="Ecomdrop Theme 2.5")
    assert themes_list(client)


def test_a_full_theme_library_and_a_limited_plan_are_user_errors(shopify_simulator, themes):
    client = client_for(shopify_simulator)
    themes.theme_limit = 2
    themes.add_theme(SHOP, name="Old")

    with pytest.raises(ShopifyUserErrors) as full:
        theme_create(client, source="https://connector.test/x", name="Ecomdrop Theme 2.5")
    themes.theme_limit = 20
    themes.plan_limited.add(SHOP)
    with pytest.raises(ShopifyUserErrors) as plan:
        theme_create(client, source="https://connector.test/x", name="Ecomdrop Theme 2.5")

    assert "full" in full.value.user_errors[0].message
    assert plan.value.user_errors[0].code == "THEME_CREATION_NOT_ALLOWED_FOR_THEME_LIMITED_PLAN"


def test_injected_user_errors_are_answered_once(shopify_simulator, themes):
    client = client_for(shopify_simulator)
    themes.reject_next_create({"field": ["source"], "message": "Zip is empty.", "code": "ZIP_IS_EMPTY"})

    with pytest.raises(ShopifyUserErrors) as rejected:
        theme_create(client, source="https://connector.test/x", name="Ecomdrop Theme 2.5")
    theme_create(client, source="https://connector.test/x", name="Ecomdrop Theme 2.5")

    assert rejected.value.user_errors[0].code == "ZIP_IS_EMPTY"
    assert rejected.value.user_errors[0].field == ("source",)


def test_fetching_sources_fails_processing_unless_the_source_is_a_theme_at_the_root(shopify_simulator, themes):
    client = client_for(shopify_simulator)
    themes.fetch_sources = True
    with GitHostSimulator() as files:
        good = files.add_file("good.zip", build_zip(demo_theme_files()))
        wrapped = files.add_file("wrapped.zip", build_zip(demo_theme_files(), prefix="repo-main/"))
        outcomes = {}
        for name, url in (("good", good), ("wrapped", wrapped), ("missing", f"{files.base_url}/files/none.zip")):
            created = theme_create(client, source=url, name=name)
            outcomes[name] = theme_get(client, theme_id=created.id).processing_failed

    assert outcomes == {"good": False, "wrapped": True, "missing": True}


def test_processing_failure_can_be_forced(shopify_simulator, themes):
    client = client_for(shopify_simulator)
    themes.fail_processing = True

    created = theme_create(client, source="https://connector.test/x", name="Ecomdrop Theme 2.5")

    assert theme_get(client, theme_id=created.id).processing_failed is True
