"""Settings of the `manage.py worker` subprocesses started by test_webhook_worker_process.py:
the test settings with the database queue and a test-only handler (slow_webhook_handler).
CONNECTOR_TEST_NO_POLLED=1: no job is polled (every job's rows get tasks, run one at a time)."""

import os

os.environ.setdefault("TASKS_BACKEND", "database")
# A worker next to the test run is a second process: the cache they share is the database's.
os.environ["CACHE_URL"] = "dbcache://connector_cache"

from connector.settings_test import *  # noqa: F403

WEBHOOK_HANDLERS = {
    **WEBHOOK_HANDLERS,  # noqa: F405
    "connector_test/slow": "webhooks.tests.slow_webhook_handler.handle_connector_test_slow",
}

if os.environ.get("CONNECTOR_TEST_NO_POLLED"):
    WORKER_POLLED_JOBS = []
