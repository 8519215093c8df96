"""Two tabs saving at once, two workers syncing at once: whole profiles, one sync."""

import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from assistant import services
from assistant.models import AIConfiguration
from assistant.tests.profiles import profile
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "tienda.myshopify.com"
KEY = "ecomdrop-key-ABCDEFGH-123456"
QUEUE_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def run_together(*functions):
    barrier = threading.Barrier(len(functions))
    results, errors = [], []

    def worker(function):
        barrier.wait()
        try:
            results.append(function())
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(function,)) for function in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


@pytest.mark.mysql  # SQLite refuses concurrent writers ("table is locked"); row locks need a server
def test_two_tabs_saving_at_once_leave_one_whole_profile_never_a_mix():
    tab_one = profile(agent_name="Uno", rules=[{"text": "Uno A"}, {"text": "Uno B"}], faq=[])
    tab_two = profile(agent_name="Dos", rules=[{"text": "Dos A"}], notifications=[])
    expected = {
        "Uno": (["Uno A", "Uno B"], 0, 2),
        "Dos": (["Dos A"], 1, 0),
    }
    with override_settings(TASKS=QUEUE_ONLY):
        for round_number in range(1, 6):
            run_together(
                lambda: services.ai_profile_save(shop=SHOP, data=tab_one),
                lambda: services.ai_profile_save(shop=SHOP, data=tab_two),
            )
            saved = AIConfiguration.objects.get(shop=SHOP)
            rules, faq_count, notification_count = expected[saved.agent_name]
            assert [rule["text"] for rule in saved.rules] == rules
            assert (len(saved.faq), len(saved.notifications)) == (faq_count, notification_count)
            assert saved.revision == 2 * round_number
    assert AIConfiguration.objects.filter(shop=SHOP).count() == 1


def test_two_workers_syncing_the_same_profile_write_it_once(ecomdrop_simulator):
    ecomdrop_simulator.add_account(KEY)
    ecomdrop_simulator.latency = 0.02
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, installed_at=timezone.now())
    with override_settings(TASKS=QUEUE_ONLY):
        configuration = services.ai_profile_save(shop=SHOP, data=profile()).configuration

    results = run_together(
        lambda: services.ai_profile_sync(configuration_id=configuration.pk),
        lambda: services.ai_profile_sync(configuration_id=configuration.pk),
    )

    assert sorted(results) == ["pending", "synced"]  # the second found it taken
    assert ecomdrop_simulator.count("bot_field") == 10
    assert AIConfiguration.objects.get(pk=configuration.pk).state == AIConfiguration.SyncStatus.SYNCED
