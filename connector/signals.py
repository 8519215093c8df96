"""Signals the platform sends, and its own receivers.

Sent, so that apps built on the platform react without connector importing them:

- ``shop_authorized(sender=ShopifySession, shop=..., requested_at=...)``: Shopify is granting
  an offline token for ``shop`` (token exchange or the OAuth fallback), asked for at
  ``requested_at``. Sent BEFORE the token is stored, in the caller's flow (no transaction
  open): an installation recorded by a receiver is then older than the token, and an
  exception of a receiver propagates, so the token is not stored.

Received: refusing database connections that are not encrypted when DATABASE_URL asks for
TLS. Some client libraries (MariaDB Connector/C with ssl-mode=REQUIRED) connect in clear text
when the server has no TLS, so the check is made on the connection itself.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.signals import connection_created
from django.dispatch import Signal, receiver

shop_authorized = Signal()


@receiver(connection_created)
def refuse_unencrypted_connection(*, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "mysql" or not getattr(settings, "DATABASE_REQUIRES_TLS", False):
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        row = cursor.fetchone()
    if not row or not row[1]:
        connection.close()
        raise ImproperlyConfigured(
            "DATABASE_URL asks for TLS (ssl-mode/ssl-ca) but the connection to the database is not "
            "encrypted: enable TLS on the server or fix ssl-mode."
        )
