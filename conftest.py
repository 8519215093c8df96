"""Suite-wide pytest configuration.

- Tests marked ``mysql`` run only against a MySQL-family DATABASE_URL; elsewhere they skip.
- With CONNECTOR_CI=1 (set by .ci/run) any skipped test fails the run: CI must exercise all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

IS_MYSQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.mysql"
IN_CI = os.environ.get("CONNECTOR_CI") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if IS_MYSQL:
        return
    skip_mysql = pytest.mark.skip(reason="needs DATABASE_URL=mysql://… (MySQL 8 / MariaDB 10.6+)")
    for item in items:
        if "mysql" in item.keywords:
            item.add_marker(skip_mysql)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {reason}"


@pytest.fixture(autouse=True)
def _reset_caches() -> Iterator[None]:
    from django.core.cache import cache

    from connector.health import reset_readiness_cache

    cache.clear()
    reset_readiness_cache()
    return
