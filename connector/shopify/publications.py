"""Publication (sales channel) operations of the Admin GraphQL API, on top of ``ShopifyAdminClient``.

Owns: the ``publications`` query (document ``publications_list`` in ``queries/``), the
``publishablePublish`` mutation (document ``publishable_publish``) and the ``Publication``
value. A product created through the API is on no sales channel until it is published to a
publication. Both need ``read_publications`` / ``write_publications``; without them Shopify
answers ``ACCESS_DENIED`` (ShopifyForbidden). Must not import models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.values import read_nodes, read_object, read_text

# A shop has a handful of publications (Online Store, Point of Sale, Shop, social channels…).
PUBLICATIONS_PAGE = 50


@dataclass(frozen=True)
class Publication:
    id: str  # gid://shopify/Publication/…
    name: str  # the channel's name as Shopify shows it ("Online Store", "Point of Sale")


def _publication(node: dict[str, Any]) -> Publication | None:
    if not node.get("id"):
        return None
    # The channel's name is its catalog's title (``Publication.name`` is deprecated).
    return Publication(id=read_text(node, "id"), name=read_text(read_object(node, "catalog"), "title"))


def publications_list(client: ShopifyAdminClient) -> tuple[Publication, ...]:
    """The shop's publications (the first 50), as Shopify lists them.

    Raises ShopifyForbidden without ``read_publications``, and the client's other errors.
    """
    data = client.execute("publications_list", {"first": PUBLICATIONS_PAGE}).data
    found = (_publication(node) for node in read_nodes(data.get("publications")))
    return tuple(publication for publication in found if publication is not None)


def publishable_publish(client: ShopifyAdminClient, *, resource_id: str, publication_ids: Sequence[str]) -> None:
    """Publish the product (or collection) ``resource_id`` to each of ``publication_ids``; a
    publication it is already on stays as it is.

    Raises ShopifyUserErrors (an unknown product or publication), ShopifyForbidden (no
    ``write_publications``) and the client's other errors.
    """
    variables = {"id": resource_id, "input": [{"publicationId": publication_id} for publication_id in publication_ids]}
    client.execute("publishable_publish", variables, user_errors_at="publishablePublish")
