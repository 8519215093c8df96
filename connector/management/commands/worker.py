"""`manage.py worker`: django-tasks-db's worker plus recovery of lost work.

A name of its own, so that it does not hide the library's `db_worker` behind INSTALLED_APPS
order (which then runs tasks without recovery).

Owns: running the maintenance list (settings.WORKER_MAINTENANCE through connector.maintenance:
the leased-work machine's recovery of webhook events, flow deliveries, profile syncs and theme
installs) when the worker starts and every WEBHOOK_RECOVERY_INTERVAL_SECONDS while it runs (a
background thread with its own database connection, which no error stops: a failing hook is
logged and counted, the next sweep tries again). Task execution, SIGTERM/SIGINT handling and
every option are the library's; the rows of polled jobs (settings.WORKER_POLLED_JOBS: webhook
events, flow deliveries), which have no task, run on ``connector.work.runner`` — up to
WORKER_CONCURRENCY at once, next to the task loop. Must not run tasks itself.
"""

from __future__ import annotations

import logging
import os
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from connector.maintenance import failed_hooks, run_maintenance
from connector.work import work_polled_jobs, work_run_polled
from connector.work.runner import Runner, runner_slots

logger = logging.getLogger(__name__)


def recover_once() -> int:
    """One sweep of every maintenance hook; returns how many failed (each is logged, and the
    next sweep tries again)."""
    try:
        results = run_maintenance()
    except Exception:  # whatever the sweep raises: logged, and the loop goes on
        logger.exception("Maintenance sweep failed; trying again at the next interval")
        return 1
    finally:
        connection.close()  # this thread's connection only
    failed = failed_hooks(results)
    for name, summary in results.items():
        if summary and name not in failed:
            logger.warning("Recovery (%s): %s", name, summary)
    return len(failed)


class RecoveryThread(threading.Thread):
    """Sweeps at start and then every ``interval`` seconds until the process ends."""

    def __init__(self, *, interval: float) -> None:
        super().__init__(name="webhook-recovery", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()
        self.failures = 0  # hooks that raised, over the thread's life

    def run(self) -> None:
        while not self.stopped.is_set():
            self.failures += recover_once()
            self.stopped.wait(self.interval)


class Command(DatabaseWorkerCommand):
    help = """Run queued background tasks (webhook events, deliveries, syncs, installs) until stopped.

This is django-tasks-db's `db_worker` (same options: --queue-name, --interval, --batch,
--max-tasks, --worker-id…) with one addition: it puts back in the queue the work a worker
lost (settings.WORKER_MAINTENANCE). A webhook event whose worker was killed (SIGKILL, OOM,
power loss) stays "processing" until its lease (WEBHOOK_PROCESSING_LEASE_SECONDS) runs out;
the sweep, at start and every WEBHOOK_RECOVERY_INTERVAL_SECONDS, then queues it again. Run as
many workers as needed; the sweep is safe to run from all of them at once.

SIGTERM or SIGINT stops the worker gracefully: the running task finishes first (a second
signal aborts it; recovery picks its event up later). With --batch the sweep runs once
before the queue is drained."""

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--concurrency",
            type=int,
            default=None,
            help="Rows of polled jobs (webhook events, flow deliveries) run at once in this process "
            "(default: WORKER_CONCURRENCY; 0: only the task queue, one task at a time).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch = options.get("batch", False)
        in_reloader_parent = options.get("reload") and not batch and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if batch:
            recover_once()
            self._drain(*args, **options)
            return
        if in_reloader_parent:
            super().handle(*args, **options)
            return
        RecoveryThread(interval=settings.WEBHOOK_RECOVERY_INTERVAL_SECONDS).start()
        concurrency = options.get("concurrency")
        slots = runner_slots(settings.WORKER_CONCURRENCY if concurrency is None else concurrency)
        runner = None
        if slots and work_polled_jobs():
            runner = Runner(
                slots=slots,
                share=settings.WORKER_SHOP_SHARE,
                max_interval=settings.WORKER_POLL_MAX_SECONDS,
            )
            runner.start()
        try:
            super().handle(*args, **options)
        finally:
            if runner is not None:
                _stop_runner(runner)

    def _drain(self, *args: Any, **options: Any) -> None:
        """--batch: the task queue and the polled jobs' due rows, until neither has anything."""
        while True:
            super().handle(*args, **options)
            if not work_run_polled():
                return


def _stop_runner(runner: Runner) -> None:
    """Stop claiming; the rows running finish first (a second signal aborts them: recovery
    applies each job's rule to what they leave leased)."""
    runner.stop()
    try:
        runner.join()
    except SystemExit:
        os._exit(1)
