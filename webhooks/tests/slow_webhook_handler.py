"""A test-only webhook handler for worker subprocesses (mapped to its topic by worker_settings.py).

It appends "start" and "finish" lines (with its process id) to CONNECTOR_TEST_MARKER and
spends CONNECTOR_TEST_HANDLER_SECONDS in between, so a test can kill the worker mid-task and
count how often the handler really completed.
"""

import os
import time
from pathlib import Path
from typing import Any

from webhooks.registry import WebhookEventInfo

TOPIC = "connector_test/slow"


def _record(line: str) -> None:
    with Path(os.environ["CONNECTOR_TEST_MARKER"]).open("a") as marker:
        marker.write(line + "\n")


def handle_connector_test_slow(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    _record(f"start {os.getpid()} event={event.id} attempt={event.attempt}")
    deadline = time.monotonic() + float(os.environ.get("CONNECTOR_TEST_HANDLER_SECONDS", "0"))
    while time.monotonic() < deadline:
        time.sleep(0.05)
    _record(f"finish {os.getpid()} event={event.id} attempt={event.attempt}")
