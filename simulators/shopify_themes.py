"""Theme operations of the Shopify simulator: ``themeCreate``, ``theme(id)`` and ``themes``.

``ShopifyThemes.install(simulator)`` registers the handlers on a ``ShopifySimulator`` (by
operation name, like every other handler) and returns the theme state for tests to inspect and
steer. Kept in its own module so other operations are added to the simulator independently.

Behaviour, after Shopify's:
- ``themeCreate`` needs ``write_themes`` on the shop's token (else a top-level ``ACCESS_DENIED``
  error); a role other than UNPUBLISHED/DEVELOPMENT, a theme-limited plan or a full theme library
  (``theme_limit``, 20 by default) answer ``userErrors``. The new theme is ``processing``.
- Each ``theme(id)`` query counts ``processing_polls`` down; at zero the theme is processed. With
  ``fetch_sources`` on, the simulator then downloads ``source`` over HTTP as Shopify does and
  fails processing unless it is a zip with ``layout/theme.liquid`` at its root;
  ``fail_processing`` fails it regardless.
- ``themes`` needs ``read_themes`` (``write_themes`` implies it). Every shop starts with a live
  ("MAIN") theme called Dawn.

``local_simulator()`` is the Shopify of local development (``make shopify-simulator``, ``python
-m simulators.shopify_themes``): every operation the app's pages use, these included (it fetches
theme sources, as Shopify does), and every scope the app asks for granted.
"""

from __future__ import annotations

import argparse
import datetime
import io
import itertools
import threading
import zipfile
from dataclasses import dataclass, field
from typing import Any

import requests

from simulators.base import serve_until_interrupted
from simulators.shopify import ShopifySimulator

GID_PREFIX = "gid://shopify/OnlineStoreTheme/"
# Shopify documents no userError code for a full theme library; the wording is the simulator's.
THEME_LIMIT_MESSAGE = "Your theme library is full: a store can have at most {limit} themes. Delete a theme first."


@dataclass
class SimulatedTheme:
    id: int
    name: str
    role: str
    processing: bool = False
    processing_failed: bool = False
    source: str = ""
    polls_left: int = 0
    fetch_status: int | None = None
    created_at: str = field(default_factory=lambda: _now())
    updated_at: str = field(default_factory=lambda: _now())

    @property
    def gid(self) -> str:
        return f"{GID_PREFIX}{self.id}"

    def node(self) -> dict[str, Any]:
        return {
            "id": self.gid,
            "name": self.name,
            "role": self.role,
            "processing": self.processing,
            "processingFailed": self.processing_failed,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


def _now() -> str:
    return datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ShopifyThemes:
    """Theme state of one simulator, and the knobs tests turn."""

    def __init__(self, simulator: ShopifySimulator) -> None:
        self.simulator = simulator
        self.themes: dict[str, list[SimulatedTheme]] = {}
        self.theme_limit = 20
        self.processing_polls = 1
        self.fetch_sources = False
        self.fetch_timeout = 10.0
        self.fail_processing = False
        self.plan_limited: set[str] = set()
        self.next_user_errors: list[list[dict[str, Any]]] = []
        self._ids = itertools.count(120_000_000_001)
        self._lock = threading.RLock()

    @classmethod
    def install(cls, simulator: ShopifySimulator) -> ShopifyThemes:
        """Register the theme handlers on ``simulator``; return their state."""
        state = cls(simulator)
        simulator.graphql_handlers.update(
            {"ThemeCreate": state.theme_create, "ThemeGet": state.theme_get, "ThemesList": state.themes_list}
        )
        return state

    # -- helpers for tests
    def of(self, shop: str) -> list[SimulatedTheme]:
        with self._lock:
            if shop not in self.themes:
                self.themes[shop] = [SimulatedTheme(id=next(self._ids), name="Dawn", role="MAIN")]
            return self.themes[shop]

    def add_theme(self, shop: str, *, name: str, role: str = "UNPUBLISHED") -> SimulatedTheme:
        theme = SimulatedTheme(id=next(self._ids), name=name, role=role)
        with self._lock:
            self.of(shop).append(theme)
        return theme

    def created(self, shop: str) -> list[SimulatedTheme]:
        """Themes made by ``themeCreate`` (not the seeded ones)."""
        return [theme for theme in self.of(shop) if theme.source]

    def reject_next_create(self, *user_errors: dict[str, Any]) -> None:
        """Make the next ``themeCreate`` answer these ``userErrors``."""
        with self._lock:
            self.next_user_errors.append(list(user_errors))

    # -- handlers
    def theme_create(self, simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.simulator.require_scope(shop, "write_themes", field_name="themeCreate")
        source = str(variables.get("source") or "")
        role = str(variables.get("role") or "UNPUBLISHED")
        with self._lock:
            injected = self.next_user_errors.pop(0) if self.next_user_errors else None
            themes = self.of(shop)
            if injected is not None:
                errors = injected
            elif role not in ("UNPUBLISHED", "DEVELOPMENT"):
                errors = [
                    {
                        "field": ["role"],
                        "message": "Invalid theme role for theme creation.",
                        "code": "INVALID_THEME_ROLE_FOR_THEME_CREATION",
                    }
                ]
            elif not source.startswith(("https://", "http://")):
                errors = [{"field": ["source"], "message": "Source must be a URL.", "code": None}]
            elif shop in self.plan_limited:
                errors = [
                    {
                        "field": None,
                        "message": "Theme creation is not allowed for your shop's plan.",
                        "code": "THEME_CREATION_NOT_ALLOWED_FOR_THEME_LIMITED_PLAN",
                    }
                ]
            elif len(themes) >= self.theme_limit:
                errors = [{"field": None, "message": THEME_LIMIT_MESSAGE.format(limit=self.theme_limit), "code": None}]
            else:
                errors = []
            if errors:
                return {"themeCreate": {"theme": None, "userErrors": errors}}
            theme = SimulatedTheme(
                id=next(self._ids),
                name=str(variables.get("name") or "Untitled"),
                role=role,
                processing=True,
                source=source,
                polls_left=self.processing_polls,
            )
            themes.append(theme)
        return {"themeCreate": {"theme": theme.node(), "userErrors": []}}

    def theme_get(self, simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.simulator.require_scope(shop, "read_themes", field_name="theme")
        wanted = str(variables.get("id") or "")
        with self._lock:
            theme = next((theme for theme in self.of(shop) if theme.gid == wanted), None)
            if theme is None:
                return {"theme": None}
            finish = False
            if theme.processing:
                theme.polls_left -= 1
                finish = theme.polls_left <= 0
        if finish:
            # Outside the lock: the download may take a while (Shopify fetches asynchronously).
            failed = self.fail_processing or (self.fetch_sources and not self._fetch_is_a_theme(theme))
            with self._lock:
                theme.processing = False
                theme.processing_failed = failed
                theme.updated_at = _now()
        with self._lock:
            return {"theme": theme.node()}

    def themes_list(self, simulator: ShopifySimulator, shop: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.simulator.require_scope(shop, "read_themes", field_name="themes")
        first = int(variables.get("first") or 50)
        with self._lock:
            return {"themes": {"nodes": [theme.node() for theme in self.of(shop)[:first]]}}

    def _fetch_is_a_theme(self, theme: SimulatedTheme) -> bool:
        try:
            response = requests.get(theme.source, timeout=self.fetch_timeout)
        except requests.RequestException:
            theme.fetch_status = 0
            return False
        theme.fetch_status = response.status_code
        if response.status_code != 200:
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                return "layout/theme.liquid" in archive.namelist()
        except zipfile.BadZipFile:
            return False


# Every scope the app asks for (shopify.app.toml, SHOPIFY_SCOPES): the local Shopify grants them all.
LOCAL_SCOPES = ",".join(
    (
        "read_draft_orders",
        "read_locations",
        "read_merchant_managed_fulfillment_orders",
        "read_orders",
        "read_products",
        "read_themes",
        "write_inventory",
        "write_merchant_managed_fulfillment_orders",
        "write_orders",
        "write_products",
        "write_publications",
        "write_themes",
    )
)


def local_simulator(*, api_key: str, api_secret: str, processing_polls: int = 3) -> ShopifySimulator:
    """The Shopify of local development: every operation the pages use, themes included (it
    downloads a theme from the app's signed URL, as Shopify does), and every scope granted."""
    simulator = ShopifySimulator(api_key=api_key, api_secret=api_secret, scope=LOCAL_SCOPES)
    themes = ShopifyThemes.install(simulator)
    themes.fetch_sources = True
    themes.processing_polls = processing_polls
    return simulator


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the local Shopify simulator (every page's operations)")
    parser.add_argument("--api-key", default="dev-api-key")
    parser.add_argument("--api-secret", default="dev-api-secret-for-local-development-only")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--processing-polls", type=int, default=3, help="theme status checks before it is ready")
    options = parser.parse_args()
    simulator = local_simulator(
        api_key=options.api_key, api_secret=options.api_secret, processing_polls=options.processing_polls
    )
    simulator.start(options.port)
    print(f"Shopify simulator (every page's operations, themes included) on {simulator.base_url}")  # noqa: T201
    print(f"SHOPIFY_ADMIN_ORIGIN={simulator.origin_template()}")  # noqa: T201
    serve_until_interrupted(simulator)


if __name__ == "__main__":
    main()
