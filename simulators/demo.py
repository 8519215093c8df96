"""`make demo` (``python -m simulators.demo``): the app and every simulator, started by one command.

Owns: starting the local Shopify (with the theme operations), Ecomdrop, Dropi and Git host in
this process, on ports the system picks; the environment that points the app at them (DEBUG on,
files on this machine, the demo theme); refusing to go on when any URL the app would call, as
its settings resolve with that environment, leads to a host that is not this machine; then
``migrate``, forgetting the demo shop's Shopify tokens of an earlier run, the Procfile's web and
worker under honcho (as ``make run``), and a ``dev_link`` printed once the app answers. Ctrl-C
stops the app and the simulators.
Must not: be imported by the product code; let the app reach a host other than this machine.
"""

from __future__ import annotations

import argparse
import io
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import LazySettings

from simulators import dropi, ecomdrop, git_host
from simulators.dropi import DropiSimulator
from simulators.ecomdrop import EcomdropSimulator
from simulators.git_host import GitHostSimulator, demo_theme_files
from simulators.shopify import ShopifySimulator
from simulators.shopify_themes import ShopifyThemes

ROOT = Path(__file__).resolve().parent.parent
DEMO_SHOP = "demo.myshopify.com"


@dataclass
class DemoSimulators:
    shopify: ShopifySimulator
    themes: ShopifyThemes
    ecomdrop: EcomdropSimulator
    dropi: DropiSimulator
    git_host: GitHostSimulator

    def stop(self) -> None:
        for simulator in (self.shopify, self.ecomdrop, self.dropi, self.git_host):
            simulator.stop()


def demo_simulators_start() -> DemoSimulators:
    """Start the four simulators on free ports of 127.0.0.1, with the demo accounts and theme.

    The Shopify simulator's app credentials and scopes are set once the app's settings are
    known (``demo_shopify_configure``)."""
    shopify = ShopifySimulator(api_key="", api_secret="")
    themes = ShopifyThemes.install(shopify)
    themes.fetch_sources = True  # as Shopify does: the theme is downloaded from the app's signed URL
    shopify.start()
    ecomdrop_simulator = EcomdropSimulator()
    ecomdrop_simulator.add_account(ecomdrop.DEMO_API_KEY)
    ecomdrop_simulator.start()
    dropi_simulator = DropiSimulator()
    dropi_simulator.add_account(dropi.DEMO_TOKEN, country=dropi.DEMO_COUNTRY)
    dropi_simulator.seed(dropi.DEMO_TOKEN)
    dropi_simulator.start()
    git_simulator = GitHostSimulator()
    git_simulator.start()
    git_simulator.add_repository(git_host.DEMO_REPOSITORY, files=demo_theme_files(), tokens=(git_host.DEMO_TOKEN,))
    return DemoSimulators(shopify, themes, ecomdrop_simulator, dropi_simulator, git_simulator)


def demo_environment(simulators: DemoSimulators, *, host: str, port: int) -> dict[str, str]:
    """The variables that point the app at ``simulators`` (they win over the app's .env file)."""
    return {
        "DJANGO_SETTINGS_MODULE": "connector.settings",
        "DEBUG": "true",
        "SHOPIFY_APP_URL": f"http://{host}:{port}",
        "SHOPIFY_ADMIN_ORIGIN": simulators.shopify.origin_template(),
        "ECOMDROP_API_URL": simulators.ecomdrop.base_api_url(),
        "DROPI_API_URLS": ",".join(f"{country}={url}" for country, url in simulators.dropi.api_urls().items()),
        # The simulator serves no pictures: product images stay blank rather than come from Dropi's CDN.
        "DROPI_IMAGE_BASE_URL": f"{simulators.dropi.base_url}/images/",
        "THEME_ARCHIVE_URL": "",
        "THEME_GIT_PROVIDER": "github",
        "THEME_GIT_API_URL": simulators.git_host.github_api_url(),
        "THEME_GIT_REPO": git_host.DEMO_REPOSITORY,
        "THEME_GIT_REF": "main",
        "THEME_GIT_TOKEN": git_host.DEMO_TOKEN,
        "AWS_STORAGE_BUCKET_NAME": "",  # theme archives in MEDIA_ROOT, not in a bucket
        "TASKS_BACKEND": "database",
    }


def demo_outbound_urls(settings: LazySettings) -> dict[str, str]:
    """Every URL the app's ``settings`` would call (or send the browser to), by setting name."""
    from themes.sources import DEFAULT_API_URLS  # the provider's public API when THEME_GIT_API_URL is empty

    urls = {
        "SHOPIFY_APP_URL": settings.SHOPIFY_APP_URL,
        "SHOPIFY_ADMIN_ORIGIN": settings.SHOPIFY_ADMIN_ORIGIN.replace("{shop}", DEMO_SHOP),
        "ECOMDROP_API_URL": settings.ECOMDROP_API_URL,
        "DROPI_IMAGE_BASE_URL": settings.DROPI_IMAGE_BASE_URL,
    }
    urls |= {f"DROPI_API_URLS[{country}]": url for country, url in settings.DROPI_API_URLS.items()}
    if settings.THEME_ARCHIVE_URL:
        urls["THEME_ARCHIVE_URL"] = settings.THEME_ARCHIVE_URL
    if settings.THEME_GIT_REPO:
        urls["THEME_GIT_API_URL"] = settings.THEME_GIT_API_URL or DEFAULT_API_URLS[settings.THEME_GIT_PROVIDER]
    if settings.AWS_STORAGE_BUCKET_NAME:
        storage = settings.STORAGES["default"]
        options = storage.get("OPTIONS") if isinstance(storage, dict) else None
        endpoint = options.get("endpoint_url") if isinstance(options, dict) else None
        urls["AWS_S3_ENDPOINT_URL"] = str(endpoint or "https://s3.amazonaws.com")
    return urls


def is_this_machine(hostname: str) -> bool:
    """Whether every address ``hostname`` resolves to is a loopback address (unresolvable: no)."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except (socket.gaierror, UnicodeError):
        return False
    return bool(addresses) and all(
        ipaddress.ip_address(str(address).split("%")[0]).is_loopback for address in addresses
    )


def demo_urls_elsewhere(urls: Mapping[str, str]) -> list[str]:
    """The entries of ``urls`` whose host is not this machine, as "NAME=URL"."""
    return [f"{name}={url}" for name, url in urls.items() if not is_this_machine(urlsplit(url).hostname or "")]


def demo_shopify_configure(simulators: DemoSimulators, settings: LazySettings) -> None:
    """Give the Shopify simulator the app's credentials and scopes, so token exchange succeeds."""
    simulators.shopify.api_key = settings.SHOPIFY_API_KEY
    simulators.shopify.api_secret = settings.SHOPIFY_API_SECRET
    simulators.shopify.scope = settings.SHOPIFY_SCOPES


def demo_announce_when_ready(*, app_url: str, text: str, timeout: float = 120.0) -> None:
    """Print ``text`` once the app answers /healthz (so that it follows the servers' start-up lines)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{app_url}/healthz", timeout=2):  # noqa: S310 (a local URL)
                print(text, flush=True)  # noqa: T201
                return
        except OSError:
            time.sleep(0.3)
    print(f"The app did not answer at {app_url} within {timeout:.0f} s; see its output above.", flush=True)  # noqa: T201


def demo_banner(*, link: str, simulators: DemoSimulators) -> str:
    return "\n".join(
        [
            "",
            "  Demo ready: the app with a local Shopify, Ecomdrop, Dropi and theme host (nothing leaves this machine).",
            f"  Open (valid one hour): {link}",
            f"  Ecomdrop API key: {ecomdrop.DEMO_API_KEY}",
            f"  Dropi token: {dropi.DEMO_TOKEN} (Colombia)",
            f"  Simulators: Shopify {simulators.shopify.base_url}, Ecomdrop {simulators.ecomdrop.base_url},"
            f" Dropi {simulators.dropi.base_url}, Git host {simulators.git_host.base_url}",
            "  Ctrl-C stops everything.",
            "",
        ]
    )


def demo_app_run(*, host: str, port: int) -> int:
    """Run the Procfile's web and worker under honcho until they stop; Ctrl-C stops them."""
    bin_dir = Path(sys.executable).parent
    environment = os.environ | {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "GUNICORN_CMD_ARGS": f"--bind {host}:{port}",
    }
    # --env /dev/null: the app reads .env itself, where the environment wins; honcho's own reading
    # would let .env replace the simulators' URLs.
    command = [str(bin_dir / "honcho"), "start", "--procfile", "Procfile", "--env", os.devnull, "--port", str(port)]
    app = subprocess.Popen([*command, "web", "worker"], cwd=ROOT, env=environment)  # noqa: S603
    try:
        return app.wait()
    except KeyboardInterrupt:
        # A terminal's Ctrl-C reaches honcho too; a signal sent to this process alone does not.
        app.send_signal(signal.SIGINT)
        return app.wait()


def demo_app_prepare(simulators: DemoSimulators) -> str | None:
    """With the demo environment in place: check the app's outbound URLs, migrate, and return a
    ``dev_link`` to open; None (after saying why) when a URL would leave this machine."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    elsewhere = demo_urls_elsewhere(demo_outbound_urls(settings))
    if elsewhere:
        print("make demo refuses to start: these would reach another machine:", *elsewhere, sep="\n  ")  # noqa: T201
        return None
    demo_shopify_configure(simulators, settings)
    call_command("migrate", interactive=False, verbosity=0)
    from connector.sessions import shopify_sessions_delete

    # Tokens of an earlier demo came from a Shopify simulator that is gone: without them, the
    # first page load exchanges its session token for a new one.
    shopify_sessions_delete(shop=DEMO_SHOP)
    link = io.StringIO()
    page = "/app/configuration?tab=ecomdrop"
    call_command("dev_link", shop=DEMO_SHOP, path=page, base_url=settings.SHOPIFY_APP_URL, stdout=link)
    return link.getvalue().strip()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the app against every local simulator (make demo)")
    parser.add_argument("--host", default="127.0.0.1", help="address the app listens on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port the app listens on (default 8000)")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # stopped like Ctrl-C: the app first, then the simulators
    simulators = demo_simulators_start()
    try:
        environment = demo_environment(simulators, host=options.host, port=options.port)
        os.environ.update(environment)
        link = demo_app_prepare(simulators)
        if link is None:
            return 1
        banner = demo_banner(link=link, simulators=simulators)
        announce = {"app_url": environment["SHOPIFY_APP_URL"], "text": banner}
        threading.Thread(target=demo_announce_when_ready, kwargs=announce, daemon=True).start()
        return demo_app_run(host=options.host, port=options.port)
    finally:
        simulators.stop()


if __name__ == "__main__":
    sys.exit(main())
