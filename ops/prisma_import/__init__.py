"""Moving data from the old Node/Prisma app for ``manage.py import_prisma``.

Owns: reading the old app's four tables (``Session``, ``ShopConfiguration``,
``ProductAssociation``, ``AIConfiguration``, camelCase columns as its Prisma migration created
them) from MySQL or from its SQLite file, read-only, and upserting them into this app's models
after checking every value against this app's constraints. Rows are matched on their natural
keys (session id, shop, the association triple), so a second run changes nothing and a run that
was interrupted completes on the next one. Must not write to the source, put secret values in
a report, or stop at a bad row.

Rules (docs/operations.md › manage.py import_prisma):
- A value this app's database would refuse (too long for its column, a shop that is not
  ``*.myshopify.com``, an unknown import type or Dropi country, unreadable JSON, a missing
  required value) skips the row, with the reason.
- A value only the admin forms would refuse (AI lists that do not match their shape, texts
  over the form limits) is imported unchanged and reported as a warning.
- An existing row is kept, not overwritten, when this app changed it after the import (its
  ``updated_at`` is later than the source's ``updatedAt``) or, for sessions, when this app has
  already refreshed the token; ``overwrite`` replaces it anyway.
- Every shop seen in the source gets a ShopConfiguration (with a callback secret).

Modules: ``tables`` (columns, conversions, the summary), ``sources`` (reading the old
database), ``importer`` (the upsert).
"""

from ops.prisma_import.importer import prisma_import
from ops.prisma_import.tables import ImportSummary, RowNote, TableSummary

__all__ = [
    "ImportSummary",
    "RowNote",
    "TableSummary",
    "prisma_import",
]
