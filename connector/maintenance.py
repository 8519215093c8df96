"""Periodic housekeeping that every task worker runs: recovery of lost work.

Owns: running, in order, the functions named in settings.WORKER_MAINTENANCE (dotted paths:
functions without arguments that return a small summary). Each must be safe to run from
several workers at once and must not hold a transaction across a vendor call. The task
worker (``manage.py worker``) runs them at start and every WEBHOOK_RECOVERY_INTERVAL_SECONDS.
Must not know the apps whose work it recovers (their functions are named in settings).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

MaintenanceHook = Callable[[], Any]


def maintenance_hooks() -> list[tuple[str, MaintenanceHook]]:
    """(dotted path, function) of every entry of settings.WORKER_MAINTENANCE, in order."""
    return [(path, import_string(path)) for path in settings.WORKER_MAINTENANCE]


def run_maintenance() -> dict[str, Any]:
    """Run every hook; a hook whose database work fails is logged and tried at the next sweep."""
    results: dict[str, Any] = {}
    for name, hook in maintenance_hooks():
        try:
            results[name] = hook()
        except DatabaseError:
            logger.exception("Maintenance hook %s failed; trying again at the next sweep", name)
            results[name] = None
    return results
