"""Use cases for a shop's product associations outside an import.

Owns: removing an association (and its variant mappings). Only this app's record goes: the
Shopify product is left as it is. Ownership is part of every look-up.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from products.models import ProductAssociation

logger = logging.getLogger(__name__)


def product_association_delete(*, shop: str, association_id: int) -> None:
    """Delete the shop's association ``association_id`` with its variant mappings.

    Raises ApplicationError 404 when the shop has no such association (another shop's id
    included: its existence is not revealed).
    """
    deleted, _by_model = ProductAssociation.objects.filter(shop=shop, pk=association_id).delete()
    if not deleted:
        raise ApplicationError(_("Association not found."), code="not_found", status=404)
    logger.info("Deleted a product association", extra={"shop": shop, "association": association_id})
