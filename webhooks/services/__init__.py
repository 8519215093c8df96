"""Use cases of the webhooks app, one module per concern; import them from here.

- inbox: storing a verified delivery and processing it with its topic's handler.
- recovery: queueing again what a worker lost, the admin's retry/ignore, pruning.
- customer_data: customer data exports and redaction (the privacy topics).
"""

from webhooks.services.customer_data import customer_data_export_create, customer_data_redact  # noqa: F401
from webhooks.services.inbox import (  # noqa: F401
    webhook_event_process,
    webhook_event_receive,
    webhook_retry_delay,
)
from webhooks.services.recovery import (  # noqa: F401
    RecoverySummary,
    webhook_events_ignore,
    webhook_events_prune,
    webhook_events_recover,
    webhook_events_retry,
)
