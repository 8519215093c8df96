"""Periodic housekeeping that every task worker runs: recovery of lost work.

Owns: a registry of maintenance hooks (``@maintenance_hook(name)``, functions without
arguments returning a small summary) and running them all. Each app registers its hooks in
``<app>/maintenance.py``, imported at start-up. Hooks must be safe to run from several
workers at once and must not hold a transaction across a vendor call.

The task worker (``manage.py db_worker``) runs the hooks at start and every
WEBHOOK_RECOVERY_INTERVAL_SECONDS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

MaintenanceHook = Callable[[], Any]
_hooks: dict[str, MaintenanceHook] = {}


def maintenance_hook(name: str) -> Callable[[MaintenanceHook], MaintenanceHook]:
    """Register the decorated function to run at every maintenance sweep."""

    def register(function: MaintenanceHook) -> MaintenanceHook:
        _hooks[name] = function
        return function

    return register


def registered_hooks() -> list[str]:
    return sorted(_hooks)


def run_maintenance() -> dict[str, Any]:
    """Run every hook; a hook whose database work fails is logged and tried at the next sweep."""
    results: dict[str, Any] = {}
    for name, hook in sorted(_hooks.items()):
        try:
            results[name] = hook()
        except DatabaseError:
            logger.exception("Maintenance hook %s failed; trying again at the next sweep", name)
            results[name] = None
    return results


def autodiscover() -> None:
    autodiscover_modules("maintenance")
