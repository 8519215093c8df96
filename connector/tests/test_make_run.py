"""`make run`: one command starts the web server and the task worker (honcho runs the Procfile's
web and worker), and Ctrl-C stops both."""

import os
import re
import signal
import subprocess
import urllib.error
import urllib.request

import pytest

from connector.tests.local_processes import (
    ROOT,
    Output,
    developer_environment,
    free_port,
    started_pids,
    stop_everything,
    wait_until_gone,
)


def test_make_run_starts_the_web_server_and_the_worker_and_ctrl_c_stops_both(tmp_path):
    port = free_port()
    # -o install: the virtualenv is the one running these tests (no pip install here).
    make = subprocess.Popen(  # noqa: S603
        ["make", "--no-print-directory", "-o", "install", "run", f"PORT={port}"],  # noqa: S607
        cwd=ROOT,
        env=developer_environment(tmp_path / "db.sqlite3"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    output = Output(make)
    try:
        output.wait_for(r"Starting worker")
        output.wait_for(rf"Listening at: http://127\.0\.0\.1:{port}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
        pids = started_pids(output.text)
        assert len(pids) == 2

        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
        make.wait(timeout=30)
    finally:
        stop_everything(make, output)

    assert wait_until_gone(pids) == []
    assert not re.search(r"Traceback", output.text), output.text
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
