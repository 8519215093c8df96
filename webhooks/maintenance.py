"""Recovery of lost webhook events, run by every task worker (see connector.maintenance)."""

from __future__ import annotations

from typing import Any

from connector.maintenance import maintenance_hook
from webhooks.services import webhook_events_recover


@maintenance_hook("webhook_events")
def recover_webhook_events() -> Any:
    return webhook_events_recover()
