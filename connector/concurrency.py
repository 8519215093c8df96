"""Calls of one vendor account at once, in this process.

Owns: a bounded semaphore per (vendor, account) — the account by a hash of its key, never the
key itself — that a vendor client holds for the length of each call, so a worker running many
rows at once (``connector.work.runner``) never sends one merchant's account more calls at a
time than its limit (ECOMDROP_ACCOUNT_CONCURRENCY; Dropi's clients may take their own). A
process-local bound: with N worker processes an account gets at most N × the limit at once
(docs/configuration.md › Worker). Must not wait for anything but a free slot.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_slots: dict[tuple[str, str, int], threading.BoundedSemaphore] = {}


@contextmanager
def account_slot(vendor: str, account_key: str, limit: int) -> Iterator[None]:
    """Hold one of the account's ``limit`` slots while the block runs (waits for a free one)."""
    name = (vendor, hashlib.sha256(account_key.encode()).hexdigest()[:32], max(1, limit))
    with _lock:
        slot = _slots.get(name)
        if slot is None:
            slot = _slots[name] = threading.BoundedSemaphore(name[2])
    with slot:
        yield
