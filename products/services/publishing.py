"""Putting a newly created product on sale: the shop's sales channels (publications) and
publishing the product to the Online Store and the other channels the merchant ticked.

Owns: the choice the import dialog sends (``PublishChoice``), which publications that means,
the ``publishablePublish`` after ``productSet`` (through ``connector.shopify.publications``),
and the merchant's words when it cannot be done. A product created through the API is on no
sales channel; publishing is what makes it visible. Publishing never undoes the import: the
product is created and saved whatever happens here, and a warning says what did not happen.
Linking an existing product leaves its channels as they are (nothing here is called).

Needs ``write_publications``: a shop whose stored scope lacks it gets the warning without a
call; a shop whose token lacks it although the stored scope is unknown gets it from
Shopify's ``ACCESS_DENIED``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from connector.selectors import shopify_session_has_scope
from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError, ShopifyForbidden, ShopifyUserErrors
from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.publications import Publication, publications_list, publishable_publish
from products.services.shopify_errors import shopify_error_as_product_error

logger = logging.getLogger(__name__)

SCOPE = "write_publications"
MAX_CHOSEN = 20


@dataclass(frozen=True)
class PublishChoice:
    """Where the dialog asked to publish a new product: the Online Store (on by default) and
    other publications by id (those the shop has; any other id is ignored)."""

    online_store: bool = True
    publication_ids: tuple[str, ...] = ()

    @property
    def wanted(self) -> bool:
        return self.online_store or bool(self.publication_ids)


@dataclass(frozen=True)
class ShopChannels:
    """The shop's publications for the dialog, or why they cannot be listed."""

    online_store: Publication | None
    others: tuple[Publication, ...]
    scope_missing: bool = False
    problem: str = ""


@dataclass(frozen=True)
class Published:
    names: tuple[str, ...]  # the channels the product is now on ("Online Store")
    warnings: tuple[str, ...]


PUBLICATION_GID_PREFIX = "gid://shopify/Publication/"


def publish_choice_from_input(raw: object) -> PublishChoice:
    """The dialog's ``publish`` object (absent: the Online Store only). Raises ApplicationError
    (field ``publish``) for anything else than ``{"online_store": bool, "publication_ids": [GIDs]}``."""
    if raw is None:
        return PublishChoice()
    invalid = ApplicationError(_("Choose the sales channels again."), field="publish", code="invalid")
    if not isinstance(raw, dict):
        raise invalid
    online_store = raw.get("online_store", True)
    ids = raw.get("publication_ids", [])
    if not isinstance(online_store, bool) or not isinstance(ids, list) or len(ids) > MAX_CHOSEN:
        raise invalid
    if not all(isinstance(value, str) and value.startswith(PUBLICATION_GID_PREFIX) for value in ids):
        raise invalid
    return PublishChoice(online_store=online_store, publication_ids=tuple(dict.fromkeys(ids)))


def scope_missing_warning() -> str:
    return _(
        "The product was created but is not on sale yet: the app does not have the permission to publish products "
        "(write_publications). Open the app again from Shopify Admin to accept it, or add the product to the Online "
        "Store yourself in Shopify Admin › Products › Sales channels."
    )


def _split(found: tuple[Publication, ...]) -> tuple[Publication | None, tuple[Publication, ...]]:
    name = settings.SHOPIFY_ONLINE_STORE_PUBLICATION.strip().casefold()
    online = next((publication for publication in found if publication.name.strip().casefold() == name), None)
    return online, tuple(publication for publication in found if publication is not online)


def shop_channels(*, shop: str, client: ShopifyAdminClient | None = None) -> ShopChannels:
    """The shop's Online Store publication and its other publications. Without the permission
    ``scope_missing`` is set (no call when the stored scope says so); another Shopify failure
    is ``problem``, in the merchant's words."""
    if not shopify_session_has_scope(shop=shop, scope=SCOPE):
        return ShopChannels(online_store=None, others=(), scope_missing=True, problem=scope_missing_warning())
    try:
        found = publications_list(client or shopify_admin_client(shop=shop))
    except ShopifyForbidden:
        return ShopChannels(online_store=None, others=(), scope_missing=True, problem=scope_missing_warning())
    except ShopifyError as error:
        return ShopChannels(online_store=None, others=(), problem=shopify_error_as_product_error(error).message)
    online, others = _split(found)
    return ShopChannels(online_store=online, others=others)


def _targets(channels: ShopChannels, choice: PublishChoice) -> tuple[list[Publication], list[str]]:
    targets: list[Publication] = []
    warnings: list[str] = []
    if choice.online_store:
        if channels.online_store is None:
            warnings.append(
                _(
                    "The product was created but not published: the shop has no Online Store sales channel. "
                    "Add it to a sales channel in Shopify Admin › Products."
                )
            )
        else:
            targets.append(channels.online_store)
    chosen = set(choice.publication_ids)
    targets.extend(publication for publication in channels.others if publication.id in chosen)
    return targets, warnings


def _publish_failed_warning(error: ShopifyError) -> str:
    if error.retryable:
        # A timeout or a 5xx after the call was sent: Shopify may have published it.
        return _(
            "The product was created, but Shopify did not confirm that it was published. Check its sales channels "
            "in Shopify Admin › Products."
        )
    reason = str(error) if isinstance(error, ShopifyUserErrors) else shopify_error_as_product_error(error).message
    return _not_published(reason)


def _not_published(reason: str) -> str:
    warning = _("The product was created but not published (%(reason)s). Publish it in Shopify Admin › Products.")
    return warning % {"reason": reason}


def product_publish(*, shop: str, client: ShopifyAdminClient, product_id: str, choice: PublishChoice) -> Published:
    """Publish the new product ``product_id`` as ``choice`` asks: list the shop's publications,
    then one ``publishablePublish`` to those chosen. Never raises for Shopify's answers: what
    could not be done comes back as warnings (the product stays created either way)."""
    if not choice.wanted:
        return Published(names=(), warnings=())
    channels = shop_channels(shop=shop, client=client)
    if channels.scope_missing:
        return Published(names=(), warnings=(channels.problem,))
    if channels.problem:  # the list failed: nothing was published
        return Published(names=(), warnings=(_not_published(channels.problem),))
    targets, warnings = _targets(channels, choice)
    if not targets:
        return Published(names=(), warnings=tuple(warnings))
    try:
        publishable_publish(client, resource_id=product_id, publication_ids=[target.id for target in targets])
    except ShopifyForbidden:
        return Published(names=(), warnings=(*warnings, scope_missing_warning()))
    except ShopifyError as error:
        logger.info("Shopify did not publish the new product: %s", type(error).__name__, extra={"shop": shop})
        return Published(names=(), warnings=(*warnings, _publish_failed_warning(error)))
    return Published(names=tuple(target.name for target in targets), warnings=tuple(warnings))
