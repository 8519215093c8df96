"""Recovery of theme installs whose worker vanished (the task workers' maintenance sweep).

Tasks go to the database queue, as in production; ``run_worker`` runs what is due.
"""

import datetime

import pytest
from django.utils import timezone

from connector.maintenance import maintenance_hooks, run_maintenance
from themes import tasks
from themes.models import ThemeInstall
from themes.services import theme_install_recover_stale
from themes.tests.conftest import SHOP
from themes.tests.factories import ThemeInstallFactory
from themes.views import install_message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_at_once")]

State = ThemeInstall.State
Error = ThemeInstall.Error


@pytest.fixture
def ready(github_theme, shopify_themes, offline_session, database_queue):
    """Source configured, Shopify simulated, the shop authorised, tasks in the database queue."""
    return github_theme


def stall(install, *, minutes=30, created_minutes=None):
    """Make ``install`` look untouched for ``minutes`` (longer than any step stays silent)."""
    now = timezone.now()
    ThemeInstall.objects.filter(pk=install.pk).update(
        updated_at=now - datetime.timedelta(minutes=minutes),
        created_at=now - datetime.timedelta(minutes=created_minutes or minutes),
    )
    install.refresh_from_db()
    return install


def processing_install(shopify_themes, *, polls_left=0, submitted_minutes=30):
    theme = shopify_themes.add_theme(SHOP, name="Ecomdrop Theme 2.5")
    theme.source = "https://app.example/themes/download/x"
    theme.processing = polls_left > 0
    theme.polls_left = polls_left
    return ThemeInstallFactory(
        shop=SHOP,
        state=State.PROCESSING,
        running_shop=SHOP,
        theme_id=theme.gid,
        attempts=1,
        submitted_at=timezone.now() - datetime.timedelta(minutes=submitted_minutes),
    )


def test_the_hook_runs_with_every_worker_sweep(ready):
    assert theme_install_recover_stale in dict(maintenance_hooks()).values()
    assert run_maintenance()["themes.services.theme_install_recover_stale"] == {}


def test_a_stalled_processing_install_is_checked_again_and_finishes(ready, shopify_themes, run_worker):
    # Its poll task was lost long ago, past THEME_POLL_TIMEOUT_SECONDS: Shopify is asked before giving up.
    install = stall(processing_install(shopify_themes))

    summary = theme_install_recover_stale()
    run_worker()

    assert summary == {"polls_queued": 1}
    install.refresh_from_db()
    assert install.state == State.READY
    assert install.running_shop is None
    assert shopify_themes.simulator.count("graphql:ThemeGet") == 1


def test_a_late_poll_task_beside_the_recovery_poll_does_not_start_a_second_chain(
    ready, shopify_themes, run_worker, settings
):
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    settings.THEME_POLL_TIMEOUT_SECONDS = 3600
    settings.THEME_POLL_INTERVAL_SECONDS = 1  # follow-up checks wait: one round at a time
    install = stall(processing_install(shopify_themes, polls_left=3), minutes=60)
    tasks.poll_theme_install.enqueue(install.pk, 0)  # the lost task was only late: it runs too

    theme_install_recover_stale()
    run_worker()  # the late task and the recovery's: only one of them checks

    assert shopify_themes.simulator.count("graphql:ThemeGet") == 1
    assert ThemeInstall.objects.get(pk=install.pk).polls == 1
    waiting = DBTaskResult.objects.filter(task_path="themes.tasks.run_theme_install", status=TaskResultStatus.READY)
    assert waiting.count() == 1  # one chain of checks goes on


def test_two_sweeps_at_once_queue_one_poll(ready, shopify_themes):
    from django_tasks_db.models import DBTaskResult

    stall(processing_install(shopify_themes))

    assert theme_install_recover_stale() == {"polls_queued": 1}
    assert theme_install_recover_stale() == {}
    assert DBTaskResult.objects.count() == 1


def test_a_lost_queued_install_is_queued_again_and_completes(ready, shopify_themes, run_worker):
    install = stall(ThemeInstallFactory(shop=SHOP, state=State.QUEUED, running_shop=SHOP))

    summary = theme_install_recover_stale()
    run_worker()

    assert summary == {"queued": 1}
    install.refresh_from_db()
    assert install.state == State.READY
    assert len(shopify_themes.created(SHOP)) == 1


def test_a_download_interrupted_with_attempts_left_starts_again(ready, shopify_themes, run_worker):
    install = stall(ThemeInstallFactory(shop=SHOP, state=State.DOWNLOADING, running_shop=SHOP, attempts=1))

    assert theme_install_recover_stale() == {"queued": 1}
    install.refresh_from_db()
    assert install.state == State.QUEUED
    assert "se detuvo mientras preparaba" in install.error_detail
    run_worker()

    install.refresh_from_db()
    assert install.state == State.READY
    assert install.attempts == 2


def test_a_download_interrupted_on_its_last_attempt_is_abandoned(ready, shopify_themes, run_worker):
    install = stall(ThemeInstallFactory(shop=SHOP, state=State.DOWNLOADING, running_shop=SHOP, attempts=3))

    assert theme_install_recover_stale() == {"abandoned": 1}
    run_worker()

    install.refresh_from_db()
    assert install.state == State.FAILED
    assert install.error_code == Error.ABANDONED
    assert install.running_shop is None
    assert "30 minutos" in install.error_detail
    assert install_message(install) == "La instalación se detuvo antes de terminar. Inténtalo de nuevo."
    assert shopify_themes.created(SHOP) == []


def test_an_install_interrupted_while_sending_to_shopify_is_not_sent_again(ready, shopify_themes, run_worker):
    install = stall(ThemeInstallFactory(shop=SHOP, state=State.CREATING, running_shop=SHOP, attempts=1))

    assert theme_install_recover_stale() == {"unconfirmed": 1}
    run_worker()

    install.refresh_from_db()
    assert install.state == State.FAILED
    assert install.error_code == Error.UNCONFIRMED
    assert install.running_shop is None
    assert "Tienda online › Temas" in install_message(install)
    assert shopify_themes.simulator.count("graphql:ThemeCreate") == 0


def test_an_install_older_than_any_recovery_is_ended(ready, shopify_themes, run_worker):
    queued = stall(ThemeInstallFactory(shop=SHOP, state=State.QUEUED, running_shop=SHOP), created_minutes=24 * 60)
    other = "otra.myshopify.com"
    processing = stall(
        ThemeInstallFactory(shop=other, state=State.PROCESSING, running_shop=other, theme_id="gid://x/1"),
        created_minutes=24 * 60,
    )

    assert theme_install_recover_stale() == {"abandoned": 1, "unconfirmed": 1}
    run_worker()

    queued.refresh_from_db()
    processing.refresh_from_db()
    assert (queued.state, queued.error_code) == (State.FAILED, Error.ABANDONED)
    assert (processing.state, processing.error_code) == (State.FAILED, Error.UNCONFIRMED)
    assert shopify_themes.simulator.requests == []


def test_installs_that_are_moving_or_finished_are_left_alone(ready, shopify_themes):
    ThemeInstallFactory(shop=SHOP, state=State.DOWNLOADING, running_shop=SHOP)
    stall(ThemeInstallFactory(shop=SHOP, state=State.FAILED, error_code=Error.THEME_LIMIT))

    assert theme_install_recover_stale() == {}
    assert ThemeInstall.objects.filter(state=State.DOWNLOADING).count() == 1
