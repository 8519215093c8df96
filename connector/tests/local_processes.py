"""Helpers for the tests that start the app's local processes (`make run`, `make demo`) as a
developer would: a free port, the environment of a developer's shell, the output as it comes."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Variables connector/settings_test.py puts in this process's environment for the suite: a
# developer's shell has none of them.
SUITE_VARIABLES = set(
    re.findall(r'os\.environ\.setdefault\("(\w+)"', (ROOT / "connector" / "settings_test.py").read_text())
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def developer_environment(database: Path) -> dict[str, str]:
    """This environment without the suite's variables, on a new SQLite database at ``database``."""
    environment = {name: value for name, value in os.environ.items() if name not in SUITE_VARIABLES}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return environment | {"DATABASE_URL": f"sqlite:///{database}", "PYTHONUNBUFFERED": "1"}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until_gone(pids: list[int], *, timeout: float = 10) -> list[int]:
    """Wait for ``pids`` to end; return those still running after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [pid for pid in pids if alive(pid)]


def started_pids(text: str) -> list[int]:
    """The process ids honcho reports for the web and worker processes it started."""
    return [int(pid) for pid in re.findall(r"(?:web|worker)\.1 started \(pid=(\d+)\)", text)]


def stop_everything(process: subprocess.Popen[str], output: Output) -> None:
    """Whatever happened in the test: Ctrl-C if still running, then kill what is left, honcho's
    children included (each runs in a session of its own, out of reach of the job's group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for pid in started_pids(output.text):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


class Output:
    """The lines a process prints, collected by a thread as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, *, timeout: float = 90) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.text)
            if match:
                return match
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"no {pattern!r} in the output:\n{self.text}")
