"""Recovery of lost AI profile syncs, run by every task worker (settings.WORKER_MAINTENANCE)."""

from __future__ import annotations

from assistant import services


def run_due_profile_syncs() -> int:
    """Syncs whose next attempt is due but whose task did not run (claims prevent doubles)."""
    return services.ai_profile_sync_process_due(limit=20)
