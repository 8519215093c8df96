"""Fixtures shared by the connector app's tests."""

import pytest

from connector.tests.http_server import CountingServer


@pytest.fixture
def server(settings):
    """A local HTTP server that records what it receives (``connector/tests/http_server.py``)."""
    settings.HTTP_TIMEOUT_SECONDS = 5
    running = CountingServer().start()
    yield running
    running.stop()
