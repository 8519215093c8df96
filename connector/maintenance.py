"""Periodic housekeeping that every task worker runs: recovery of lost work.

Owns: running, in order, the functions named in settings.WORKER_MAINTENANCE (dotted paths:
functions without arguments that return a small summary). Each must be safe to run from
several workers at once, must not call a vendor (a slow vendor would hold up every other
recovery) and must not hold a transaction across one. The task worker (``manage.py worker``)
runs them at start and every WEBHOOK_RECOVERY_INTERVAL_SECONDS, each sweep first recording the
worker's heartbeat (``connector.heartbeat``). One hook that raises is logged and counted, and
the others still run: no error of one job's sweep stops the rest.
Must not know the apps whose work it recovers (their functions are named in settings).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from connector.heartbeat import worker_heartbeat_record

logger = logging.getLogger(__name__)

MaintenanceHook = Callable[[], Any]


@dataclass(frozen=True)
class MaintenanceFailed:
    """The summary of a hook that raised (it is tried again at the next sweep)."""

    error: str

    def __bool__(self) -> bool:
        return True


def maintenance_hooks() -> list[tuple[str, MaintenanceHook]]:
    """(dotted path, function) of every entry of settings.WORKER_MAINTENANCE, in order."""
    return [(path, import_string(path)) for path in settings.WORKER_MAINTENANCE]


def run_maintenance() -> dict[str, Any]:
    """Run every hook; one that raises (or no longer imports) is logged, reported as
    ``MaintenanceFailed`` and tried again at the next sweep, and the next hook runs all the same.
    The sweep is the worker's heartbeat; a beat that cannot be written is logged and skipped."""
    try:
        worker_heartbeat_record()
    except Exception:  # the beat is a signal for the pages; recovery matters more
        logger.exception("Could not record the worker's heartbeat")
    results: dict[str, Any] = {}
    for path in settings.WORKER_MAINTENANCE:
        try:
            results[path] = import_string(path)()
        except Exception as error:  # any error of one hook: logged, counted, the others go on
            logger.exception("Maintenance hook %s failed; trying again at the next sweep", path)
            results[path] = MaintenanceFailed(error=type(error).__name__)
    return results


def failed_hooks(results: dict[str, Any]) -> list[str]:
    """The hooks of one ``run_maintenance`` that raised."""
    return [name for name, summary in results.items() if isinstance(summary, MaintenanceFailed)]
