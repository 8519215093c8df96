"""Background tasks of the assistant app: thin wrappers that load ids and call services."""

from __future__ import annotations

from django_tasks import TaskContext, task

from assistant.sync import AI_PROFILE_SYNC
from connector.work import work_task_run


@task(takes_context=True)
def sync_ai_profile(context: TaskContext, configuration_id: int) -> str:
    """Sync one AI profile to Ecomdrop: a job on the leased-work machine, whose states and
    transitions are ``assistant.sync`` (a task replaced by a newer one, or a sync that is not
    due or is taken, does nothing)."""
    return work_task_run(job=AI_PROFILE_SYNC, pk=configuration_id, context=context)
