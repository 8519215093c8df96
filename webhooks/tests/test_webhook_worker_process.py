"""The real `manage.py worker` process: killed mid-task it loses nothing, stopped with
SIGTERM it finishes the task at hand first.

Each test starts worker subprocesses against this test run's database (MySQL/MariaDB, so
both processes see committed rows) with a test-only handler that takes its time
(slow_webhook_handler.py), a 2-second processing lease and a recovery sweep every 0.5 s.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from webhooks.models import WebhookEvent

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
TOPIC = "connector_test/slow"  # handled by slow_webhook_handler.py, in the worker processes only
Status = WebhookEvent.Status


def database_url_of_this_run() -> str:
    """DATABASE_URL pointing at the database pytest-django created for this run."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


# How a worker runs webhook events and deliveries: "tasks" — a task row each, one at a time (the
# design before polled jobs, still the path of jobs that are not polled); "polled" — the rows
# are the queue, run by the worker's runner with 4 slots (concurrency > 1). The ``mode`` fixture
# (conftest.py) runs a test in both.
MODES = {"tasks": 0, "polled": 4}


class WorkerProcess:
    def __init__(
        self,
        tmp_path: Path,
        name: str,
        *,
        handler_seconds: float,
        env: dict[str, str] | None = None,
        mode: str = "polled",
    ) -> None:
        self.log_path = tmp_path / f"{name}.log"
        extra = {**({"CONNECTOR_TEST_NO_POLLED": "1"} if mode == "tasks" else {}), **(env or {})}
        env = {
            **os.environ,
            "DATABASE_URL": database_url_of_this_run(),
            "DJANGO_SETTINGS_MODULE": "webhooks.tests.worker_settings",
            "TASKS_BACKEND": "database",
            "WEBHOOK_PROCESSING_LEASE_SECONDS": "2",
            "WEBHOOK_RECOVERY_INTERVAL_SECONDS": "0.5",
            "CONNECTOR_TEST_MARKER": str(tmp_path / "marker.txt"),
            "CONNECTOR_TEST_HANDLER_SECONDS": str(handler_seconds),
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
        command = [sys.executable, "manage.py", "worker", "--no-startup-delay", "--no-reload", "--interval", "0.1"]
        command += ["--concurrency", str(MODES[mode])]
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [*command, "--worker-id", name], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def stop(self, signum: int = signal.SIGTERM, *, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            raise

    def log(self) -> str:
        return self.log_path.read_text()


def wait_for(condition, *, timeout: float, what: str, workers=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    logs = "\n".join(f"--- {worker.log_path.name}\n{worker.log()[-3000:]}" for worker in workers)
    pytest.fail(f"timed out waiting for {what}\n{logs}")


def marker_lines(tmp_path: Path) -> list[str]:
    path = tmp_path / "marker.txt"
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def slow_event(mode, post_webhook):
    assert post_webhook(TOPIC, {"id": 42}).status_code == 200
    return WebhookEvent.objects.get()


def test_a_worker_killed_mid_task_loses_nothing_and_the_event_completes_exactly_once(tmp_path, slow_event, mode):
    first = WorkerProcess(tmp_path, "worker-a", handler_seconds=60, mode=mode)
    second = None
    try:
        wait_for(lambda: marker_lines(tmp_path), timeout=30, what="worker A to start the handler", workers=[first])
        # A holds the event longer than its 2-second lease: its own recovery sweeps must not
        # steal it while the handler runs.
        time.sleep(2.5)
        event = WebhookEvent.objects.get()
        assert (event.state, event.attempts) == (Status.PROCESSING, 1)
        killed_task_id = event.task_id

        assert first.stop(signal.SIGKILL) == -signal.SIGKILL

        second = WorkerProcess(tmp_path, "worker-b", handler_seconds=0, mode=mode)
        wait_for(
            lambda: WebhookEvent.objects.get().state == Status.PROCESSED,
            timeout=30,
            what="worker B to recover and process the event",
            workers=[first, second],
        )
        time.sleep(1.5)  # three more recovery sweeps: nothing may run again

        lines = marker_lines(tmp_path)
        starts = [line for line in lines if line.startswith("start")]
        finishes = [line for line in lines if line.startswith("finish")]
        assert len(starts) == 2, lines
        assert starts[0].split()[1] == str(first.process.pid)
        assert finishes == [f"finish {second.process.pid} event={event.pk} attempt=2"]

        event = WebhookEvent.objects.get()
        assert (event.state, event.attempts) == (Status.PROCESSED, 2)
        assert "worker stopped during attempt 1" in event.attempt_errors[0]["error"]
        if mode == "tasks":
            assert DBTaskResult.objects.get(id=killed_task_id).status == TaskResultStatus.FAILED
            assert DBTaskResult.objects.get(id=event.task_id).status == TaskResultStatus.SUCCESSFUL
            assert not DBTaskResult.objects.filter(
                status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
            ).exists()
        else:
            assert killed_task_id is None
            assert not DBTaskResult.objects.exists()  # polled: the event row was the queue

        # An idle worker stops at once on SIGTERM, cleanly.
        assert second.stop(signal.SIGTERM, timeout=10) == 0
    finally:
        for worker in (first, second):
            if worker is not None and worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait(timeout=5)


def test_sigterm_lets_the_running_task_finish_before_the_worker_exits(tmp_path, slow_event, mode):
    worker = WorkerProcess(tmp_path, "worker-c", handler_seconds=2, mode=mode)
    try:
        wait_for(lambda: marker_lines(tmp_path), timeout=30, what="the worker to start the handler", workers=[worker])

        assert worker.stop(signal.SIGTERM, timeout=20) == 0

        assert [line.split()[0] for line in marker_lines(tmp_path)] == ["start", "finish"]
        event = WebhookEvent.objects.get()
        assert (event.state, event.attempts) == (Status.PROCESSED, 1)
        assert "shutting down gracefully" in worker.log()
    finally:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(timeout=5)
