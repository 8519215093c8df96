"""Shopify vendor code: session tokens, OAuth/token exchange and the Admin GraphQL client.

Clients here take primitives and return small dataclasses; they never import models.
"""
