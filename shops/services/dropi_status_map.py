"""Dropi's status words and the shipping stage each one means.

Owns: the normal form of a status word (upper case, accents removed, ``_`` read as a space,
single spaces) and reading the staff-editable map (``DropiStatusWord``) into a dictionary once
per sync run. A word the map does not know is stage *other*; the order keeps the word itself.
Must not call Dropi nor change orders.
"""

from __future__ import annotations

import unicodedata

from shops.models import DropiStatusWord, ShippingStage


def status_word_normalise(word: str) -> str:
    """``"Guía_generada "`` → ``"GUIA GENERADA"``."""
    decomposed = unicodedata.normalize("NFKD", (word or "").replace("_", " ").upper())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.split())


def status_map_load() -> dict[str, str]:
    """The map as it is now: normalised word → stage."""
    return {status_word_normalise(word): stage for word, stage in DropiStatusWord.objects.values_list("word", "stage")}


def stage_for_status(status: str, status_map: dict[str, str]) -> str:
    """The stage a Dropi status means (*other* for a word the map does not know; *pending* when
    Dropi sent no status at all)."""
    word = status_word_normalise(status)
    if not word:
        return ShippingStage.PENDING
    return status_map.get(word, ShippingStage.OTHER)
