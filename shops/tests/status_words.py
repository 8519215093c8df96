"""The Dropi status words the shipping tests use, in the status map.

Migration 0016 seeds them, but a transactional test (browser, worker process) empties every
table when it ends, seeded rows included; the shipping tests therefore bring their own.
"""

import pytest

from shops.models import DropiStatusWord

WORDS = {
    "PENDIENTE CONFIRMACION": "pending",
    "PENDIENTE": "pending",
    "GUIA GENERADA": "guide_generated",
    "EN PROCESAMIENTO": "guide_generated",
    "EN BODEGA": "in_transit",
    "EN TRANSPORTE": "in_transit",
    "EN REPARTO": "out_for_delivery",
    "NOVEDAD": "incident",
    "ENTREGADO": "delivered",
    "CANCELADO": "cancelled",
    "DEVOLUCION": "returned",
    "DEVUELTO": "returned",
}


@pytest.fixture
def status_words():
    for word, stage in WORDS.items():
        DropiStatusWord.objects.update_or_create(word=word, defaults={"stage": stage})
