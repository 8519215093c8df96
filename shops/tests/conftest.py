"""Fixtures of the shops tests."""

from __future__ import annotations

import pytest

from shops.tests.dropi_shop import dropi_shop  # noqa: F401 (a fixture of the Dropi order tests)


@pytest.fixture(autouse=True)
def _queued_work_runs_at_once(on_commit_at_once: None) -> None:
    """An inline task backend (the tests' default) runs queued work once the caller's
    transaction commits; inside a test's transaction, which never commits, it runs when queued."""
