"""Ecomdrop vendor code: the API client and its typed errors."""
