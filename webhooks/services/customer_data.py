"""Customer privacy requests: assembling a customer's data export and redacting it.

Owns: running every registered exporter or eraser (webhooks.privacy) for one customer of a
shop. Must not know any app's tables.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from webhooks import privacy
from webhooks.models import CustomerDataExport

logger = logging.getLogger(__name__)


def customer_data_export_create(
    *, shop: str, customer: privacy.Customer, data_request_id: str = "", source_event_id: int | None = None
) -> CustomerDataExport:
    """Assemble everything held about ``customer`` in ``shop`` (every registered exporter,
    one section each) and keep it as a CustomerDataExport for the operator.

    Idempotent per source webhook event: processing the same request again rebuilds the same
    export instead of adding one.
    """
    document = {
        "shop": shop,
        "customer": customer.as_dict(),
        "data_request_id": data_request_id or None,
        "generated_at": timezone.now().isoformat(),
        "sections": {name: exporter(shop=shop, customer=customer) for name, exporter in privacy.customer_exporters()},
    }
    values = {
        "shop": shop,
        "customer_id": customer.shopify_id,
        "data_request_id": data_request_id,
        "document": document,
    }
    if source_event_id is None:
        export = CustomerDataExport.objects.create(**values)
    else:
        export, _ = CustomerDataExport.objects.update_or_create(source_event_id=source_event_id, defaults=values)
    logger.info("Assembled a customer data export", extra={"shop": shop, "data_export": export.pk})
    return export


def customer_data_redact(*, shop: str, customer: privacy.Customer) -> dict[str, int]:
    """Delete or anonymise ``customer``'s data in ``shop`` in every table (every registered
    eraser), in one transaction. Idempotent; returns rows changed per eraser."""
    with transaction.atomic():
        counts = {name: eraser(shop=shop, customer=customer) for name, eraser in privacy.customer_erasers()}
    logger.info("Redacted a customer's data", extra={"shop": shop, "rows": sum(counts.values())})
    return counts
