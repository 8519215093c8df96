"""Use cases of the webhooks app, one module per concern; import them from here.

- inbox: storing a verified delivery and processing it with its topic's handler.
- recovery: queueing again what a worker lost, the admin's retry/ignore, pruning.
- customer_data: customer data exports and redaction (the privacy topics).
"""

from webhooks.services.customer_data import customer_data_export_create, customer_data_redact
from webhooks.services.inbox import (
    webhook_event_process,
    webhook_event_receive,
    webhook_retry_delay,
)
from webhooks.services.recovery import (
    RecoverySummary,
    webhook_events_ignore,
    webhook_events_prune,
    webhook_events_recover,
    webhook_events_retry,
)

__all__ = [
    "RecoverySummary",
    "customer_data_export_create",
    "customer_data_redact",
    "webhook_event_process",
    "webhook_event_receive",
    "webhook_events_ignore",
    "webhook_events_prune",
    "webhook_events_recover",
    "webhook_events_retry",
    "webhook_retry_delay",
]
