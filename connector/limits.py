"""Rate limits, locks and pauses that hold across every process.

Owns: counting events per key in fixed windows, single-holder locks that expire, and pauses
(a key that says "not before"), all in the default cache. Every process sees the same cache:
the database's by default (connector/cache.py), Redis with CACHE_URL=redis://…; settings
refuse a per-process cache when more than one process serves. Keys are a readable scope and
a hash of the rest (shop domains, client addresses), so that no key is too long for the cache.
Must not call anything but the cache; callers decide what a limit answers.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from django.core.cache import cache


def _key(kind: str, scope: str, key: str) -> str:
    return f"limits:{kind}:{scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


# --------------------------------------------------------------------------- rate limits
@dataclass(frozen=True)
class RateWindow:
    """One key's count in the current window."""

    count: int
    limit: int
    retry_after: int  # seconds until the window ends

    @property
    def exceeded(self) -> bool:
        """After a hit: this event was one too many."""
        return self.count > self.limit

    @property
    def used_up(self) -> bool:
        """After a peek: the next event would be one too many."""
        return self.count >= self.limit


def _window(window_seconds: int) -> tuple[int, int]:
    """The current window's number and the seconds left in it."""
    now = time.time()
    number = int(now // window_seconds)
    return number, max(1, math.ceil((number + 1) * window_seconds - now))


def rate_limit_hit(*, scope: str, key: str, limit: int, window_seconds: int = 60) -> RateWindow:
    """Count one event of ``key`` in the current window and return the count so far.

    Atomic in every process at once: the cache's ``incr`` (one Redis command, or a locked row).
    """
    number, left = _window(window_seconds)
    cache_key = f"{_key('rate', scope, key)}:{number}"
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The window's first event, unless another process counted it at the same moment.
        count = 1 if cache.add(cache_key, 1, window_seconds * 2) else cache.incr(cache_key)
    return RateWindow(count=int(count), limit=limit, retry_after=left)


def rate_limit_peek(*, scope: str, key: str, limit: int, window_seconds: int = 60) -> RateWindow:
    """The count of ``key`` in the current window, without counting."""
    number, left = _window(window_seconds)
    count = cache.get(f"{_key('rate', scope, key)}:{number}", 0)
    return RateWindow(count=int(count), limit=limit, retry_after=left)


# --------------------------------------------------------------------------- locks
@dataclass(frozen=True)
class Lock:
    cache_key: str
    token: str


def lock_acquire(*, scope: str, key: str, seconds: int) -> Lock | None:
    """Hold the lock of ``key`` for at most ``seconds``; None when another holder has it."""
    lock = Lock(cache_key=_key("lock", scope, key), token=secrets.token_hex(16))
    return lock if cache.add(lock.cache_key, lock.token, seconds) else None


def lock_release(lock: Lock) -> None:
    """Give the lock up, unless it expired and someone else holds it now."""
    if cache.get(lock.cache_key) == lock.token:
        cache.delete(lock.cache_key)


# --------------------------------------------------------------------------- pauses
def pause_start(*, scope: str, key: str, seconds: float) -> None:
    """Pause ``key`` for ``seconds`` from now (a longer pause already running is kept)."""
    cache_key = _key("pause", scope, key)
    until = time.time() + seconds
    if until > float(cache.get(cache_key) or 0):
        cache.set(cache_key, until, timeout=math.ceil(seconds))


def pause_remaining(*, scope: str, key: str) -> float:
    """Seconds left of the pause of ``key`` (0 when there is none)."""
    until = cache.get(_key("pause", scope, key))
    return max(0.0, float(until) - time.time()) if until else 0.0
