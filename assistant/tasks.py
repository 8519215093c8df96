"""Background tasks of the assistant app: thin wrappers that load ids and call services."""

from __future__ import annotations

from django_tasks import task

from assistant import services


@task()
def sync_ai_profile(configuration_id: int) -> str:
    """Sync one AI profile to Ecomdrop (idempotent: a sync that is not due or is taken does nothing)."""
    return services.ai_profile_sync(configuration_id=configuration_id)
