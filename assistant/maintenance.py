"""Recovery of lost AI profile syncs, run by every task worker (settings.WORKER_MAINTENANCE)."""

from __future__ import annotations

from assistant.sync import ai_profile_syncs_recover


def recover_profile_syncs() -> dict[str, int]:
    """Syncs of vanished workers, and pending ones whose task was lost, queued again (the sweep
    never syncs itself: a slow Ecomdrop must not hold up the other recoveries)."""
    return ai_profile_syncs_recover()
