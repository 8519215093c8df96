"""Tag operations of the Admin GraphQL API, on top of ``ShopifyAdminClient``.

Owns: ``tagsAdd`` (document ``tags_add`` in ``queries/``), which works on any taggable
resource (orders, draft orders, products, customers) by its GID, and ``tags_replace`` (document
``tags_replace``: ``tagsAdd`` then ``tagsRemove`` in one request). Must not import models.
"""

from __future__ import annotations

from collections.abc import Sequence

from connector.shopify.errors import ShopifyUserErrors
from connector.shopify.graphql import ShopifyAdminClient, user_errors_of


def tags_add(client: ShopifyAdminClient, *, resource_id: str, tags: Sequence[str]) -> None:
    """Add ``tags`` to the resource ``resource_id``; its other tags stay, and adding a tag it
    already has changes nothing (Shopify adds atomically: no read-modify-write race).

    Raises ShopifyUserErrors (e.g. the resource does not exist), ShopifyForbidden (no write
    scope for the resource) and the client's other errors.
    """
    client.execute("tags_add", {"id": resource_id, "tags": list(tags)}, user_errors_at="tagsAdd")


def tags_replace(client: ShopifyAdminClient, *, resource_id: str, add: Sequence[str], remove: Sequence[str]) -> None:
    """Add ``add`` and remove ``remove`` (tags it lacks are ignored) in one request: a stage tag
    replacing the previous stage's. Both halves are idempotent. Raises ShopifyUserErrors (the
    resource does not exist), ShopifyForbidden and the client's other errors."""
    data = client.execute("tags_replace", {"id": resource_id, "tagsAdd": list(add), "tagsRemove": list(remove)}).data
    errors = [error for field in ("tagsAdd", "tagsRemove") for error in user_errors_of(data.get(field))]
    if errors:
        raise ShopifyUserErrors(errors)
