"""What keeps text from the outside (shop names, Dropi and Shopify data, merchants' input) from
running as markup in the pages: templates escape it, data reaches scripts through
``json_script``, and the pages' scripts build the DOM without parsing HTML."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted([*ROOT.glob("static/**/*.js"), *ROOT.glob("*/static/**/*.js")])
TEMPLATES = sorted(
    path for path in ROOT.glob("**/templates/**/*.html") if ".venv" not in path.parts and "bench" not in path.parts
)
# APIs that parse a string as HTML or run it as code.
HTML_SINKS = re.compile(r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(")
UNESCAPED = re.compile(r"\|\s*safe\b|{%\s*autoescape\s+off|\bsafeseq\b")


def test_there_are_scripts_and_templates_to_check():
    assert len(SCRIPTS) >= 5
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_page_scripts_never_parse_strings_as_html(path):
    assert not HTML_SINKS.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_templates_never_switch_escaping_off(path):
    assert not UNESCAPED.findall(path.read_text(encoding="utf-8"))
