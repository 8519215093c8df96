"""Clients of the Dropi integrations API, by country: the catalogue (client.py) and orders (orders.py)."""
