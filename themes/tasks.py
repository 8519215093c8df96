"""Background tasks of the theme install: thin wrappers that call the services step by step.

A step that must wait (Shopify still processing, a retry after a host error) is enqueued again
with ``run_after`` on backends that schedule (the database queue). The immediate backend (tests,
``TASKS_BACKEND=immediate``) cannot schedule, so the task waits in place instead; the polling is
bounded by the services either way.
"""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from themes import services

logger = logging.getLogger(__name__)


@task()
def run_theme_install(install_id: int) -> None:
    """Download the archive (or reuse the cached version) and send it to Shopify."""
    _drive(install_id, _guarded(install_id, services.theme_install_run))


@task()
def poll_theme_install(install_id: int, polls: int | None = None) -> None:
    """Check Shopify's processing of the theme until it is ready or failed.

    ``polls``: the install's count of checks when this one was scheduled (a duplicate task then
    does nothing); absent in tasks queued before that count was passed.
    """
    _drive(install_id, _guarded(install_id, services.theme_install_poll, polls=polls))


def _guarded(install_id: int, step: services.StepFunction, **arguments: Any) -> services.InstallStep:
    try:
        return step(install_id=install_id, **arguments)
    except Exception:
        # A bug must not leave the shop with an install that never ends: record it, then re-raise
        # so the task backend reports the failure with its traceback.
        logger.exception("Theme install step crashed", extra={"install_id": install_id})
        services.theme_install_fail_unexpectedly(install_id=install_id)
        raise


def _drive(install_id: int, step: services.InstallStep) -> None:
    while step.next != "done":
        polling = step.next == "poll"
        follow_up: Task[..., None] = poll_theme_install if polling else run_theme_install
        if follow_up.get_backend().supports_defer:
            run_after = timezone.now() + datetime.timedelta(seconds=step.wait_seconds)
            if polling:
                follow_up.using(run_after=run_after).enqueue(install_id, step.polls)
            else:
                follow_up.using(run_after=run_after).enqueue(install_id)
            return
        time.sleep(step.wait_seconds)
        if polling:
            step = _guarded(install_id, services.theme_install_poll, polls=step.polls)
        else:
            step = _guarded(install_id, services.theme_install_run)
