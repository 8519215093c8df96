"""connector/limits.py: windows count, locks have one holder, pauses only grow."""

from __future__ import annotations

import time

from django.core.cache import cache

from connector import limits


def test_a_window_counts_every_hit_and_says_when_the_limit_is_passed():
    windows = [limits.rate_limit_hit(scope="test", key="a", limit=2) for _ in range(3)]

    assert [window.count for window in windows] == [1, 2, 3]
    assert [window.exceeded for window in windows] == [False, False, True]
    assert 1 <= windows[-1].retry_after <= 60
    assert limits.rate_limit_peek(scope="test", key="a", limit=2).count == 3
    assert limits.rate_limit_peek(scope="test", key="a", limit=3).used_up
    assert not limits.rate_limit_peek(scope="test", key="a", limit=4).used_up
    assert limits.rate_limit_peek(scope="test", key="b", limit=2).count == 0


def test_a_new_window_starts_from_zero(monkeypatch):
    limits.rate_limit_hit(scope="test", key="a", limit=1)
    later = time.time() + 60
    monkeypatch.setattr(limits.time, "time", lambda: later)

    assert limits.rate_limit_hit(scope="test", key="a", limit=1).count == 1


def test_keys_are_short_whatever_the_key():
    limits.rate_limit_hit(scope="test", key="x" * 1000, limit=1)
    limits.pause_start(scope="test", key="y" * 1000, seconds=30)

    assert all(len(key) < 120 for key in cache._cache)  # type: ignore[attr-defined]


def test_a_lock_has_one_holder_until_released():
    first = limits.lock_acquire(scope="test", key="k", seconds=60)

    assert first is not None
    assert limits.lock_acquire(scope="test", key="k", seconds=60) is None
    limits.lock_release(first)
    assert limits.lock_acquire(scope="test", key="k", seconds=60) is not None


def test_releasing_an_expired_lock_leaves_the_next_holder_alone():
    first = limits.lock_acquire(scope="test", key="k", seconds=60)
    cache.delete(first.cache_key)  # expired
    second = limits.lock_acquire(scope="test", key="k", seconds=60)

    limits.lock_release(first)

    assert second is not None
    assert limits.lock_acquire(scope="test", key="k", seconds=60) is None


def test_a_pause_counts_down_and_a_shorter_one_does_not_cut_it():
    limits.pause_start(scope="test", key="shop", seconds=600)
    limits.pause_start(scope="test", key="shop", seconds=5)

    assert 590 < limits.pause_remaining(scope="test", key="shop") <= 600
    assert limits.pause_remaining(scope="test", key="other") == 0
