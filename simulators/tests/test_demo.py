"""`make demo`: every simulator and the app pointed at them, by one command that never lets the
app reach another machine."""

import ast
import os
import signal
import subprocess
import sys

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
from simulators import demo, ecomdrop


def test_the_ecomdrop_simulator_documents_the_key_of_its_demo_account():
    docstring = ast.get_docstring(ast.parse((ROOT / "simulators" / "ecomdrop.py").read_text()))

    assert ecomdrop.DEMO_API_KEY in docstring
    assert "demo-key " not in docstring
    assert ecomdrop.DEMO_API_KEY in (ROOT / "docs" / "development.md").read_text()


def test_outbound_urls_that_leave_this_machine_are_named(settings):
    settings.SHOPIFY_APP_URL = "http://127.0.0.1:8000"
    settings.SHOPIFY_ADMIN_ORIGIN = "http://localhost:9100/{shop}"
    settings.ECOMDROP_API_URL = "https://panel.ecomdrop.app/api"
    settings.DROPI_API_URLS = {"CO": "http://127.0.0.1:9300/co", "PY": "https://api.dropi.com.py"}
    settings.DROPI_IMAGE_BASE_URL = "http://[::1]:9300/images/"
    settings.THEME_ARCHIVE_URL = ""
    settings.THEME_GIT_REPO = "ecomdrop/theme"
    settings.THEME_GIT_API_URL = ""  # the provider's public API
    settings.AWS_STORAGE_BUCKET_NAME = ""

    elsewhere = demo.demo_urls_elsewhere(demo.demo_outbound_urls(settings))

    assert elsewhere == [
        "ECOMDROP_API_URL=https://panel.ecomdrop.app/api",
        "DROPI_API_URLS[PY]=https://api.dropi.com.py",
        "THEME_GIT_API_URL=https://api.github.com",
    ]


def test_the_demo_environment_points_every_outbound_url_at_this_machine(settings):
    simulators = demo.demo_simulators_start()
    try:
        environment = demo.demo_environment(simulators, host="127.0.0.1", port=8000)
    finally:
        simulators.stop()
    settings.SHOPIFY_APP_URL = environment["SHOPIFY_APP_URL"]
    settings.SHOPIFY_ADMIN_ORIGIN = environment["SHOPIFY_ADMIN_ORIGIN"]
    settings.ECOMDROP_API_URL = environment["ECOMDROP_API_URL"]
    settings.DROPI_API_URLS = dict(pair.split("=", 1) for pair in environment["DROPI_API_URLS"].split(","))
    settings.DROPI_IMAGE_BASE_URL = environment["DROPI_IMAGE_BASE_URL"]
    settings.THEME_ARCHIVE_URL = environment["THEME_ARCHIVE_URL"]
    settings.THEME_GIT_REPO = environment["THEME_GIT_REPO"]
    settings.THEME_GIT_API_URL = environment["THEME_GIT_API_URL"]
    settings.AWS_STORAGE_BUCKET_NAME = environment["AWS_STORAGE_BUCKET_NAME"]

    assert demo.demo_urls_elsewhere(demo.demo_outbound_urls(settings)) == []
    # Every country the app knows is pointed at the simulator, none keeps Dropi's own host.
    assert set(settings.DROPI_API_URLS) >= {"CO", "EC", "CL", "GT", "MX", "PA", "PE", "PY"}


def start_demo(tmp_path, port):
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "simulators.demo", "--port", str(port)],
        cwd=ROOT,
        env=developer_environment(tmp_path / "db.sqlite3"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    return process, Output(process)


def stop(process):
    """Ctrl-C, as a terminal sends it to its foreground job."""
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=30) in (0, -signal.SIGINT, 130)


@pytest.mark.browser
def test_make_demo_runs_the_app_against_the_simulators_and_ctrl_c_stops_everything(tmp_path, browser_page):
    port = free_port()
    process, output = start_demo(tmp_path, port)
    try:
        link = output.wait_for(r"Open \(valid one hour\): (\S+)").group(1)
        assert link.startswith(f"http://127.0.0.1:{port}/app/configuration?tab=ecomdrop&shop=demo.myshopify.com&")
        pids = started_pids(output.text)
        assert len(pids) == 2
        output.wait_for(r"Starting worker")

        page = browser_page
        page.goto(link)
        page.get_by_label("Clave API de Ecomdrop").fill(ecomdrop.DEMO_API_KEY)
        page.get_by_role("button", name="Conectar Ecomdrop IA y Refrescar Flujos").click()
        page.get_by_text("Tienda Demo").first.wait_for()
        page.locator("#nuevo_pedido_flow_id option", has_text="Confirmación de pedido").wait_for(state="attached")
        stop(process)
    finally:
        stop_everything(process, output)

    assert wait_until_gone(pids) == []
    assert "Traceback" not in output.text, output.text


@pytest.mark.browser
def test_make_demo_started_again_on_the_same_database_talks_to_its_new_shopify(tmp_path, browser_page):
    for round_number in (1, 2):
        process, output = start_demo(tmp_path, free_port())
        try:
            link = output.wait_for(r"Open \(valid one hour\): (\S+)").group(1)
            page = browser_page
            page.goto(link.replace("/app/configuration?tab=ecomdrop&", "/app/theme?"))
            page.get_by_role("cell", name="Dawn").wait_for()  # the shop's themes, read from the simulator
            stop(process)
        finally:
            stop_everything(process, output)
        assert "Traceback" not in output.text, f"round {round_number}:\n{output.text}"


def test_make_demo_refuses_to_start_when_a_url_would_leave_this_machine(tmp_path):
    port = free_port()
    process = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "simulators.demo", "--host", "connector.invalid", "--port", str(port)],
        cwd=ROOT,
        env=developer_environment(tmp_path / "db.sqlite3"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert process.returncode == 1
    assert "make demo refuses to start" in process.stdout
    assert f"SHOPIFY_APP_URL=http://connector.invalid:{port}" in process.stdout
    assert "started (pid=" not in process.stdout
    assert not (tmp_path / "db.sqlite3").exists()  # refused before migrate


def test_make_demo_is_this_module_on_make_runs_host_and_port():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]

    assert "-m simulators.demo --host $(HOST) --port $(PORT)" in recipe
