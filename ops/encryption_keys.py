"""Re-encrypting every stored secret with the newest FIELD_ENCRYPTION_KEYS key.

Owns: walking every encrypted column in batches and rewriting values that an older key wrote
(``manage.py rotate_encryption_keys``). Must not hold a transaction across more than one batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from connector import crypto
from connector.checks import encrypted_fields
from connector.secrets import Secret


@dataclass
class RotationSummary:
    rows_seen: int = 0
    values_rotated: int = 0
    values_current: int = 0
    columns: list[str] = field(default_factory=list)


def encryption_keys_rotate(*, batch_size: int = 500, dry_run: bool = False) -> RotationSummary:
    """Re-encrypt every encrypted column with the newest FIELD_ENCRYPTION_KEYS key.

    Works in batches, each in its own transaction with the rows locked, so concurrent writes
    are never overwritten with stale values. Idempotent: values already under the newest key
    are left alone. Raises EncryptionKeyError when a value cannot be decrypted by any key.
    """
    summary = RotationSummary()
    for model, model_field in encrypted_fields():
        summary.columns.append(f"{model._meta.db_table}.{model_field.column}")
        manager = model._default_manager
        raw_name = f"_raw_{model_field.attname}"
        last_pk = None
        while True:
            page = manager.exclude(**{f"{model_field.name}__isnull": True}).order_by("pk")
            if last_pk is not None:
                page = page.filter(pk__gt=last_pk)
            keys = list(page.values_list("pk", flat=True)[:batch_size])
            if not keys:
                break
            last_pk = keys[-1]
            with transaction.atomic():
                rows = (
                    manager.select_for_update()
                    .filter(pk__in=keys)
                    .annotate(**{raw_name: Cast(model_field.name, TextField())})
                    .values_list("pk", raw_name)
                )
                for pk, raw in rows:
                    summary.rows_seen += 1
                    if not raw or crypto.is_encrypted_with_newest_key(raw):
                        summary.values_current += 1
                        continue
                    plaintext = Secret(crypto.decrypt(raw))
                    summary.values_rotated += 1
                    if not dry_run:
                        # The field encrypts with the newest key on the way in.
                        manager.filter(pk=pk).update(**{model_field.name: plaintext})
    return summary
