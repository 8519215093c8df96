"""THEME_* settings: documented, and contradictory values stop the app at start-up."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_theme_setting_is_in_the_configuration_reference_table():
    reference = (ROOT / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"^\| `(THEME_[A-Z_]+)` \|", reference, re.MULTILINE))
    defined = {name for name in dir(settings) if name.startswith("THEME_")}

    assert documented == defined


def test_the_app_asks_for_the_theme_scopes():
    assert {"read_themes", "write_themes"} <= set(settings.SHOPIFY_SCOPES.split(","))


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"THEME_ARCHIVE_URL": "https://files.example.com/t.zip", "THEME_GIT_REPO": "a/b"},
            "THEME_ARCHIVE_URL or THEME_GIT_REPO, not both",
        ),
        ({"THEME_GIT_PROVIDER": "bitbucket"}, "THEME_GIT_PROVIDER must be github or gitlab"),
    ],
)
def test_contradictory_theme_settings_stop_the_app(variables, message):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "connector.settings_test", **variables}

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert message in result.stderr
