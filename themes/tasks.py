"""Background tasks of the theme install: thin wrappers that call the services.

An install is a job on the leased-work machine, whose states and transitions are
``themes.services`` (``THEME_INSTALL``): each step queues the next one itself, deferred on
backends that schedule (the database queue). The immediate backend (tests,
``TASKS_BACKEND=immediate``) cannot schedule, so the task waits in place for each next step
instead; the polling is bounded by the services either way.
"""

from __future__ import annotations

from django_tasks import TaskContext, task

from connector.work import SUPERSEDED, work_task_run
from themes import services


@task(takes_context=True)
def run_theme_install(context: TaskContext, install_id: int) -> str:
    """Run the install's next step: download and send to Shopify, or check Shopify's processing."""
    return work_task_run(job=services.THEME_INSTALL, pk=install_id, context=context)


@task(takes_context=True)
def poll_theme_install(context: TaskContext, install_id: int, polls: int | None = None) -> str:
    """Kept for status checks queued before installs ran on the leased-work machine (every step
    now queues ``run_theme_install``): a check whose count of checks has moved does nothing."""
    if polls is not None and not services.theme_install_poll_is_current(install_id=install_id, polls=polls):
        return SUPERSEDED
    return work_task_run(job=services.THEME_INSTALL, pk=install_id, context=context)
