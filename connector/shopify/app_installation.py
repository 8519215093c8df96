"""The app's own installation on a shop, through the Admin GraphQL API.

Owns: the ``currentAppInstallation`` query (document ``app_installation_current`` in
``queries/``) and the ``AppInstallation`` value it returns. Shopify answers it only to a token
of an installed app: an uninstall revokes the token, and the call then fails with
ShopifyAuthError. Must not import models.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.values import read_object, read_text


@dataclass(frozen=True)
class AppInstallation:
    id: str  # gid://shopify/AppInstallation/…
    scopes: tuple[str, ...]  # the access scopes granted, as Shopify names them ("read_orders")


def app_installation_current(client: ShopifyAdminClient) -> AppInstallation:
    """The installation the client's token belongs to. Raises ShopifyAuthError when Shopify
    refuses the token (the app is not installed), and the client's other errors."""
    installation = read_object(client.execute("app_installation_current").data, "currentAppInstallation")
    scopes = installation.get("accessScopes")
    handles = [read_text(scope, "handle") for scope in scopes or [] if isinstance(scope, dict)]
    return AppInstallation(id=read_text(installation, "id"), scopes=tuple(handle for handle in handles if handle))
