"""Signals the shops app sends, so that apps built on it can react without shops importing them.

- ``ecomdrop_connected(sender=ShopConfiguration, shop=...)``: an Ecomdrop API key was verified
  and saved for ``shop`` (sent by ``ecomdrop_connect`` after the save, outside any transaction).
"""

from __future__ import annotations

from django.dispatch import Signal

ecomdrop_connected = Signal()
