"""Shopify vendor code: session tokens, OAuth/token exchange, webhooks and the Admin GraphQL API.

The Admin API is reached through typed operations, one function per document in ``queries/``,
one module per resource: ``orders``, ``tags``, ``products`` and ``product_set``, ``locations``,
``shop``, ``themes``. They take primitives (or a typed input) and return frozen dataclasses;
``ids`` holds the GID helpers and ``failures`` the one translation of Shopify errors into
application errors. Callers outside this package never see GraphQL dictionaries. Nothing here
imports models.
"""
