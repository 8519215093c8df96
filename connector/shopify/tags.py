"""Tag operations of the Admin GraphQL API, on top of ``ShopifyAdminClient``.

Owns: ``tagsAdd`` (document ``tags_add`` in ``queries/``), which works on any taggable
resource (orders, draft orders, products, customers) by its GID. Must not import models.
"""

from __future__ import annotations

from collections.abc import Sequence

from connector.shopify.graphql import ShopifyAdminClient


def tags_add(client: ShopifyAdminClient, *, resource_id: str, tags: Sequence[str]) -> None:
    """Add ``tags`` to the resource ``resource_id``; its other tags stay, and adding a tag it
    already has changes nothing (Shopify adds atomically: no read-modify-write race).

    Raises ShopifyUserErrors (e.g. the resource does not exist), ShopifyForbidden (no write
    scope for the resource) and the client's other errors.
    """
    client.execute("tags_add", {"id": resource_id, "tags": list(tags)}, user_errors_at="tagsAdd")
