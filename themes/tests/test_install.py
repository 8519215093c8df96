"""Installing the theme end to end against the Git host and Shopify simulators.

Tasks run with the immediate backend (as in every test): the POST returns once the install has
finished, so each test reads the outcome right after it.
"""

import datetime
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from connector.models import ShopifySession
from simulators.git_host import GitHostSimulator, demo_theme_files
from themes import services
from themes.models import ThemeArchive, ThemeInstall
from themes.tests.conftest import GIT_TOKEN, REPO, SHOP
from themes.tests.factories import ThemeInstallFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_at_once")]

State = ThemeInstall.State
Error = ThemeInstall.Error


@pytest.fixture
def ready(github_theme, shopify_themes, offline_session):
    """Source configured, Shopify simulated, the shop authorised."""
    return github_theme


def post_install(client, session_token, shop=SHOP, **extra):
    return client.post("/app/theme/install", HTTP_AUTHORIZATION=f"Bearer {session_token(shop)}", **extra)


def get_json(client, session_token, path, shop=SHOP):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {session_token(shop)}")


def test_the_whole_install_from_click_to_ready(client, session_token, ready, shopify_themes, settings):
    shopify_themes.processing_polls = 3

    response = post_install(client, session_token)

    assert response.status_code == 202
    body = response.json()["install"]
    assert body["state"] == "ready"
    install = ThemeInstall.objects.get()
    assert install.state == State.READY
    assert install.running_shop is None
    assert install.error_code == ""
    assert install.polls == 3
    assert install.attempts == 1
    assert install.theme_role == "UNPUBLISHED"
    assert install.requested_by_user_id is not None
    assert install.version == ready.repositories[REPO].refs["main"]
    created = shopify_themes.created(SHOP)
    assert len(created) == 1
    assert install.theme_id == created[0].gid
    assert created[0].name == settings.THEME_NAME
    assert created[0].role == "UNPUBLISHED"
    assert created[0].source.startswith(f"{settings.SHOPIFY_APP_URL}/themes/download/")
    # Links for the installed theme, not the live one (Dawn).
    numeric = created[0].gid.rsplit("/", 1)[-1]
    assert body["editor_url"] == f"https://{SHOP}/admin/themes/{numeric}/editor"
    assert body["preview_url"] == f"https://{SHOP}/?preview_theme_id={numeric}"
    assert "Ecomdrop Theme 2.5" in body["message"]
    status = get_json(client, session_token, "/app/theme/status").json()["install"]
    assert status["state"] == "ready"
    assert status["editor_url"] == body["editor_url"]


def test_the_theme_list_shows_roles_and_marks_the_installed_theme(client, session_token, ready, shopify_themes):
    post_install(client, session_token)

    body = get_json(client, session_token, "/app/theme/themes").json()

    assert body["count"] == 2
    assert body["limit"] == 20
    by_name = {theme["name"]: theme for theme in body["themes"]}
    assert by_name["Dawn"]["role"] == "MAIN"
    assert by_name["Dawn"]["role_label"] == "Publicado"
    assert by_name["Dawn"]["installed_by_app"] is False
    assert by_name["Ecomdrop Theme 2.5"]["role_label"] == "Sin publicar"
    assert by_name["Ecomdrop Theme 2.5"]["installed_by_app"] is True
    assert by_name["Ecomdrop Theme 2.5"]["editor_url"].endswith("/editor")


def test_the_theme_list_without_the_theme_permission_asks_to_accept_it(client, session_token, ready, shopify_simulator):
    session = ShopifySession.objects.get(shop=SHOP)
    shopify_simulator.scope = "read_products,write_products"
    shopify_simulator.tokens.clear()
    session.access_token = shopify_simulator.issue_token(SHOP)
    session.save()

    response = get_json(client, session_token, "/app/theme/themes")

    assert response.status_code == 403
    assert response.json()["code"] == "missing_permission"
    assert "write_themes" in response.json()["error"]


def test_the_theme_list_with_a_token_shopify_refuses_answers_401(client, session_token, ready, shopify_simulator):
    shopify_simulator.tokens.clear()

    response = get_json(client, session_token, "/app/theme/themes")

    assert response.status_code == 401
    assert response.json() == {
        "error": "Shopify no autorizó la app. Ábrela de nuevo desde tu panel de Shopify.",
        "code": "shopify_auth",
    }


@pytest.mark.parametrize("status", [500, 503])
def test_the_theme_list_when_shopify_does_not_answer_is_503(client, session_token, ready, shopify_simulator, status):
    shopify_simulator.fail_next("graphql:ThemesList", status=status)

    response = get_json(client, session_token, "/app/theme/themes")

    assert response.status_code == 503
    assert response.json()["code"] == "shopify_unavailable"
    assert response.json()["error"] == "Shopify no respondió. Inténtalo de nuevo en un minuto."


def test_browser_supplied_urls_and_parameters_are_ignored(client, session_token, ready, shopify_themes, settings):
    with GitHostSimulator() as attacker:
        evil = attacker.add_file("evil.zip", b"PK not a theme")
        response = client.post(
            f"/app/theme/install?themeUrl={evil}&source={evil}",
            data={"themeUrl": evil, "url": evil, "source": evil, "themeName": "Evil", "repo": "evil/repo"},
            HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}",
        )
        json_response = client.post(
            "/app/theme/install",
            data=f'{{"themeUrl": "{evil}", "source": "{evil}", "again": true}}',  # a second copy, confirmed
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}",
        )

        assert attacker.requests == []
    assert response.status_code == 202
    assert json_response.status_code == 202
    for created in shopify_themes.created(SHOP):
        assert created.source.startswith(f"{settings.SHOPIFY_APP_URL}/themes/download/")
        assert created.name == "Ecomdrop Theme 2.5"
    assert ready.count("github:repo") == 2


def test_source_not_configured_is_refused_and_records_nothing(client, session_token, settings, shopify_themes):
    settings.THEME_ARCHIVE_URL = ""
    settings.THEME_GIT_REPO = ""

    response = post_install(client, session_token)

    assert response.status_code == 409
    assert response.json()["code"] == "source_not_configured"
    assert "not been configured" in response.json()["error"] or "no se ha configurado" in response.json()["error"]
    assert not ThemeInstall.objects.exists()
    assert shopify_themes.created(SHOP) == []


def test_an_invalid_git_token_fails_clearly_and_frees_the_shop(client, session_token, ready, settings, shopify_themes):
    settings.THEME_GIT_TOKEN = "ghp_expired_token"

    body = post_install(client, session_token).json()["install"]

    assert body["state"] == "failed"
    assert body["error_code"] == "source_auth"
    assert "token" in body["message"]
    install = ThemeInstall.objects.get()
    assert install.running_shop is None
    assert "401" in install.error_detail
    assert "ghp_expired_token" not in install.error_detail
    assert shopify_themes.created(SHOP) == []
    settings.THEME_GIT_TOKEN = GIT_TOKEN
    assert post_install(client, session_token).json()["install"]["state"] == "ready"


def test_a_forbidden_git_token_fails_as_refused(client, session_token, ready):
    ready.forbidden_tokens.add(GIT_TOKEN)

    body = post_install(client, session_token).json()["install"]

    assert body["error_code"] == "source_auth"


def test_an_archive_over_the_cap_fails_without_calling_shopify(client, session_token, ready, settings, shopify_themes):
    settings.THEME_MAX_ARCHIVE_BYTES = 2048

    body = post_install(client, session_token).json()["install"]

    assert body["error_code"] == "archive_too_large"
    assert "(2,0\xa0KB)" in body["message"]
    assert "50" not in body["message"]
    assert shopify_themes.created(SHOP) == []
    assert not ThemeArchive.objects.exists()


def test_the_too_large_message_names_the_configured_limit(client, session_token, ready, settings):
    settings.THEME_MAX_ARCHIVE_BYTES = 20 * 1024 * 1024
    ThemeInstallFactory(shop=SHOP, state=State.FAILED, error_code=Error.ARCHIVE_TOO_LARGE)

    message = get_json(client, session_token, "/app/theme/status").json()["install"]["message"]

    assert "(20,0\xa0MB)" in message


def test_shopify_refusing_a_too_large_zip_is_reported_as_too_large(client, session_token, ready, shopify_themes):
    shopify_themes.reject_next_create({"field": ["source"], "message": "Zip is too large.", "code": "ZIP_TOO_LARGE"})

    body = post_install(client, session_token).json()["install"]

    assert body["error_code"] == "archive_too_large"
    assert "Zip is too large." in ThemeInstall.objects.get().error_detail


@pytest.mark.parametrize(
    ("setting", "value", "answer"),
    [("THEME_GIT_REF", "v9.9.9", "HTTP 422"), ("THEME_GIT_REPO", "ecomdrop/missing", "404")],
)
def test_an_unknown_repository_or_version_fails_as_not_found(
    client, session_token, ready, settings, shopify_themes, setting, value, answer
):
    setattr(settings, setting, value)

    body = post_install(client, session_token).json()["install"]

    assert body["state"] == "failed"
    assert body["error_code"] == "source_not_found"
    assert body["message"].startswith("No se encontró el repositorio o la versión del tema.")
    install = ThemeInstall.objects.get()
    assert install.running_shop is None
    assert install.attempts == 1  # not retried
    assert answer in install.error_detail
    assert shopify_themes.created(SHOP) == []


def test_a_source_removed_before_the_worker_ran_fails_as_not_configured(client, session_token, ready, settings):
    install = ThemeInstallFactory(shop=SHOP, state=State.QUEUED, running_shop=SHOP)
    settings.THEME_GIT_REPO = ""

    assert services.theme_install_run(install_id=install.pk) == services.DONE

    body = get_json(client, session_token, "/app/theme/status").json()["install"]
    assert body["state"] == "failed"
    assert body["error_code"] == "source_not_configured"
    assert body["message"].startswith("El tema aún no está disponible")
    install.refresh_from_db()
    assert install.running_shop is None


def test_a_shopify_token_that_no_longer_works_fails_as_not_authorised(
    client, session_token, ready, shopify_simulator, shopify_themes
):
    shopify_simulator.tokens.clear()  # revoked: Shopify answers 401 and no refresh token is stored

    body = post_install(client, session_token).json()["install"]

    assert body["state"] == "failed"
    assert body["error_code"] == "shopify_auth"
    assert body["message"] == "Shopify no autorizó la app. Ábrela de nuevo desde tu panel de Shopify."
    install = ThemeInstall.objects.get()
    assert install.running_shop is None
    assert shopify_simulator.count("graphql:ThemeCreate") == 1
    assert shopify_themes.created(SHOP) == []


def test_a_repository_that_is_not_a_theme_fails_without_calling_shopify(client, session_token, ready, shopify_themes):
    ready.push(REPO, files={"README.md": "# notes", "src/app.js": "x"})

    body = post_install(client, session_token).json()["install"]

    assert body["error_code"] == "archive_invalid"
    assert "layout/" in body["message"]
    assert "layout/theme.liquid is missing" in ThemeInstall.objects.get().error_detail
    assert shopify_themes.created(SHOP) == []


def test_shopify_user_errors_are_shown(client, session_token, ready, shopify_themes):
    shopify_themes.reject_next_create({"field": ["source"], "message": "Zip is empty.", "code": "ZIP_IS_EMPTY"})

    body = post_install(client, session_token).json()["install"]

    assert body["error_code"] == "shopify_rejected"
    assert "Zip is empty." in body["message"]


def test_a_full_theme_library_is_explained(client, session_token, ready, shopify_themes):
    shopify_themes.theme_limit = 1

    body = post_install(client, session_token).json()["install"]

    assert body["error_code"] == "theme_limit"
    assert "Tienda online › Temas" in body["message"]


def test_a_plan_without_theme_creation_is_explained(client, session_token, ready, shopify_themes):
    shopify_themes.plan_limited.add(SHOP)

    assert post_install(client, session_token).json()["install"]["error_code"] == "plan_not_allowed"


def test_missing_write_themes_in_the_stored_scope_is_refused_before_starting(client, session_token, ready):
    ready_session = ShopifySession.objects.get(shop=SHOP)
    ready_session.scope = "read_products,write_products,read_themes"
    ready_session.save()

    response = post_install(client, session_token)

    assert response.status_code == 403
    assert response.json()["code"] == "missing_permission"
    assert "write_themes" in response.json()["error"]
    assert not ThemeInstall.objects.exists()


def test_shopify_refusing_themecreate_for_lack_of_scope_is_missing_permission(
    client, session_token, ready, shopify_simulator
):
    # The stored scope says nothing, but the token Shopify holds lacks write_themes.
    session = ShopifySession.objects.get(shop=SHOP)
    shopify_simulator.scope = "read_products,read_themes"
    session.access_token = shopify_simulator.issue_token(SHOP)
    session.scope = ""
    session.save()
    shopify_simulator.tokens = {
        token: issued for token, issued in shopify_simulator.tokens.items() if "write_themes" not in issued.scope
    }

    body = post_install(client, session_token).json()["install"]

    assert body["error_code"] == "missing_permission"


def test_a_processing_failure_is_reported(client, session_token, ready, shopify_themes):
    shopify_themes.fail_processing = True

    body = post_install(client, session_token).json()["install"]

    assert body["error_code"] == "processing_failed"
    install = ThemeInstall.objects.get()
    assert install.theme_id == shopify_themes.created(SHOP)[0].gid
    assert body["editor_url"] == ""


def test_polling_is_bounded(client, session_token, ready, shopify_themes, settings):
    shopify_themes.processing_polls = 10_000
    settings.THEME_POLL_TIMEOUT_SECONDS = 0

    body = post_install(client, session_token).json()["install"]

    assert body["error_code"] == "processing_timeout"


def test_a_theme_deleted_while_processing_fails(client, session_token, ready, shopify_themes, monkeypatch):
    original = shopify_themes.theme_create

    def create_then_delete(simulator, shop, variables):
        answer = original(simulator, shop, variables)
        shopify_themes.themes[shop] = [theme for theme in shopify_themes.themes[shop] if not theme.source]
        return answer

    shopify_themes.simulator.graphql_handlers["ThemeCreate"] = create_then_delete

    assert post_install(client, session_token).json()["install"]["error_code"] == "theme_deleted"


def test_a_second_click_while_an_install_runs_is_refused(client, session_token, ready, shopify_themes):
    running = ThemeInstallFactory(shop=SHOP, state=State.PROCESSING, running_shop=SHOP)

    response = post_install(client, session_token)

    assert response.status_code == 409
    assert response.json()["code"] == "already_running"
    assert response.json()["install"]["id"] == running.pk
    assert response.json()["install"]["active"] is True
    assert ThemeInstall.objects.count() == 1
    assert shopify_themes.created(SHOP) == []


def test_another_shop_may_install_meanwhile(client, session_token, ready, shopify_simulator):
    ThemeInstallFactory(shop="otra.myshopify.com", state=State.PROCESSING, running_shop="otra.myshopify.com")

    assert post_install(client, session_token).status_code == 202


def test_an_install_stalled_for_too_long_is_abandoned_by_the_next_click(client, session_token, ready):
    stalled = ThemeInstallFactory(shop=SHOP, state=State.DOWNLOADING, running_shop=SHOP)
    ThemeInstall.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=2))

    response = post_install(client, session_token)

    assert response.status_code == 202
    stalled.refresh_from_db()
    assert stalled.state == State.FAILED
    assert stalled.error_code == Error.ABANDONED
    assert response.json()["install"]["state"] == "ready"


def test_status_shows_a_stalled_install_as_failed_so_the_merchant_can_click_again(client, session_token, ready):
    stalled = ThemeInstallFactory(shop=SHOP, state=State.DOWNLOADING, running_shop=SHOP)
    ThemeInstall.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=2))

    body = get_json(client, session_token, "/app/theme/status").json()["install"]

    assert body["id"] == stalled.pk
    assert body["active"] is False
    assert body["state"] == "failed"
    assert body["error_code"] == "abandoned"
    assert body["message"] == "La instalación se detuvo antes de terminar. Inténtalo de nuevo."
    # Only shown so: the sweep or the next click records it.
    stalled.refresh_from_db()
    assert stalled.state == State.DOWNLOADING
    assert post_install(client, session_token).status_code == 202


def test_a_stalled_install_that_reached_shopify_warns_that_the_theme_may_be_there(client, session_token, ready):
    stalled = ThemeInstallFactory(
        shop=SHOP, state=State.PROCESSING, running_shop=SHOP, theme_id="gid://shopify/OnlineStoreTheme/7"
    )
    ThemeInstall.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=2))

    body = get_json(client, session_token, "/app/theme/status").json()["install"]

    assert body["active"] is False
    assert body["error_code"] == "unconfirmed"
    assert "Tienda online › Temas" in body["message"]
    assert body["editor_url"] == ""
    response = post_install(client, session_token)
    assert response.status_code == 202
    stalled.refresh_from_db()
    assert (stalled.state, stalled.error_code) == (State.FAILED, Error.UNCONFIRMED)


def test_a_running_install_that_moves_is_shown_running(client, session_token, ready):
    ThemeInstallFactory(shop=SHOP, state=State.PROCESSING, running_shop=SHOP)

    body = get_json(client, session_token, "/app/theme/status").json()["install"]

    assert body["active"] is True
    assert body["state"] == "processing"


def test_a_transient_git_host_error_is_retried(client, session_token, ready):
    ready.fail_next("github:repo", status=503)

    body = post_install(client, session_token).json()["install"]

    assert body["state"] == "ready"
    assert ThemeInstall.objects.get().attempts == 2


def test_a_git_host_that_stays_down_fails_after_the_attempts(client, session_token, ready):
    ready.fail_next("github:repo", status=502, times=10)

    body = post_install(client, session_token).json()["install"]

    assert body["error_code"] == "source_unavailable"
    assert ThemeInstall.objects.get().attempts == services.MAX_ATTEMPTS
    assert ready.count("github:repo") == services.MAX_ATTEMPTS


def test_themecreate_is_not_repeated_after_a_shopify_server_error(client, session_token, ready, shopify_simulator):
    shopify_simulator.fail_next("graphql:ThemeCreate", status=500)

    body = post_install(client, session_token).json()["install"]

    assert body["error_code"] == "shopify_unavailable"
    assert shopify_simulator.count("graphql:ThemeCreate") == 1


def test_a_transient_error_while_polling_costs_one_poll(client, session_token, ready, shopify_simulator):
    shopify_simulator.fail_next("graphql:ThemeGet", status=503)

    body = post_install(client, session_token).json()["install"]

    assert body["state"] == "ready"
    assert shopify_simulator.count("graphql:ThemeGet") == 2


def test_every_shop_reuses_the_cached_archive_of_the_same_commit(client, session_token, ready, shopify_simulator):
    from connector.tests.factories import ShopifySessionFactory

    other = "otra.myshopify.com"
    ShopifySessionFactory(shop=other, access_token=shopify_simulator.issue_token(other), scope=shopify_simulator.scope)

    post_install(client, session_token)
    post_install(client, session_token, shop=other)

    assert ThemeInstall.objects.filter(state=State.READY).count() == 2
    assert ThemeArchive.objects.count() == 1
    assert ready.count("github:zipball") == 1


def test_status_shows_only_the_shops_own_installs(client, session_token, ready):
    ThemeInstallFactory(shop="otra.myshopify.com", state=State.FAILED, error_code=Error.THEME_LIMIT)

    assert get_json(client, session_token, "/app/theme/status").json() == {"install": None}


def test_the_endpoints_need_a_session_token(client, ready):
    assert client.post("/app/theme/install").status_code in (401, 200)
    assert client.post("/app/theme/install", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.get("/app/theme/status", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.get("/app/theme/themes", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert not ThemeInstall.objects.exists()


def test_a_post_with_the_token_in_the_query_string_is_refused(client, session_token, ready):
    response = client.post(f"/app/theme/install?shop={SHOP}&id_token={session_token(SHOP)}")

    assert response.status_code == 401
    assert not ThemeInstall.objects.exists()


def test_a_duplicate_task_for_a_finished_install_does_nothing(client, session_token, ready, shopify_simulator):
    post_install(client, session_token)
    install = ThemeInstall.objects.get()
    calls = len(shopify_simulator.requests)

    assert services.theme_install_run(install_id=install.pk) == services.DONE
    assert services.theme_install_poll(install_id=install.pk) == services.DONE
    assert len(shopify_simulator.requests) == calls


def test_an_unexpected_crash_fails_the_install_instead_of_leaving_it_running(client, session_token, ready, monkeypatch):
    def crash(*, source):
        raise RuntimeError("bug")

    monkeypatch.setattr(services, "theme_archive_fetch", crash)

    post_install(client, session_token)

    install = ThemeInstall.objects.get()
    assert install.state == State.FAILED
    assert install.error_code == Error.INTERNAL
    assert install.running_shop is None


def test_with_a_scheduling_backend_the_poll_is_enqueued_for_later(client, session_token, ready, settings):
    from django_tasks import TaskContext, default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    settings.THEME_POLL_INTERVAL_SECONDS = 7
    from themes import tasks

    post_install(client, session_token)
    (queued,) = default_task_backend.results
    assert queued.task.name == "run_theme_install"
    assert ThemeInstall.objects.get().state == State.QUEUED

    before = timezone.now()
    tasks.run_theme_install.call(TaskContext(task_result=queued), *queued.args)
    follow_up = default_task_backend.results[-1]

    assert follow_up.task.name == "run_theme_install"
    assert follow_up.task.run_after >= before + datetime.timedelta(seconds=6)
    assert ThemeInstall.objects.get().state == State.PROCESSING


def test_the_stored_archive_is_the_repackaged_theme(client, session_token, ready):
    post_install(client, session_token)

    archive = ThemeArchive.objects.get()
    with default_storage.open(archive.file) as handle:
        names = zipfile.ZipFile(io.BytesIO(handle.read())).namelist()
    assert set(names) == {name for name in demo_theme_files() if not name.startswith((".github", "README"))}


def test_a_second_install_after_one_succeeded_needs_the_merchants_confirmation(client, session_token, ready):
    assert post_install(client, session_token).status_code == 202
    assert ThemeInstall.objects.get().state == State.READY

    again = post_install(client, session_token)

    assert again.status_code == 409
    assert again.json()["code"] == "already_installed"
    assert again.json()["install"]["state"] == State.READY
    assert ThemeInstall.objects.count() == 1

    confirmed = post_install(client, session_token, data='{"again": true}', content_type="application/json")

    assert confirmed.status_code == 202
    assert ThemeInstall.objects.filter(state=State.READY).count() == 2
