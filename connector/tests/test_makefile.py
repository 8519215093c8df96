"""The Makefile's targets that CI relies on: `make check` runs every check CI runs, `.ci/run`
runs `make check` and nothing else, and the bench target runs every benchmark script."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVERY_CHECK = {"lint", "typecheck", "migrations-check", "docker-config", "deploy-check", "db-check", "test"}


def _rules() -> dict[str, tuple[list[str], list[str]]]:
    """target -> (prerequisites with $(CHECKS) expanded, recipe lines joined across backslashes)."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    variables = dict(re.findall(r"^([A-Z_]+) :?= (.+)$", text, re.MULTILINE))
    rules: dict[str, tuple[list[str], list[str]]] = {}
    target = None
    for line in text.splitlines():
        rule = re.match(r"^([a-z][a-z-]*):(?!=)([^#]*)", line)
        if rule:
            target = rule.group(1)
            prerequisites = re.sub(r"\$\((\w+)\)", lambda name: variables.get(name.group(1), ""), rule.group(2))
            rules[target] = (prerequisites.split(), [])
        elif line.startswith("\t") and target:
            rules[target][1].append(line.strip())
        elif line.strip() and not line.startswith("#"):
            target = None
    return rules


def _recipe(rules: dict[str, tuple[list[str], list[str]]], target: str) -> str:
    return "\n".join(rules[target][1])


def test_make_bench_lists_exactly_the_runnable_benchmarks():
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"^BENCHES := (.+)$", makefile, re.MULTILINE).group(1).split()
    runnable = sorted(
        path.stem for path in (ROOT / "bench").glob("*.py") if 'if __name__ == "__main__":' in path.read_text()
    )

    assert sorted(listed) == runnable


def test_make_check_runs_every_check_ci_runs():
    rules = _rules()

    assert set(rules["check"][0]) == EVERY_CHECK
    assert "lint-imports" in rules["lint"][0]
    assert "ruff check ." in _recipe(rules, "lint")
    assert "ruff format --check ." in _recipe(rules, "lint")
    assert "lint-imports" in _recipe(rules, "lint-imports")
    assert "mypy" in _recipe(rules, "typecheck")
    assert "makemigrations --check --dry-run" in _recipe(rules, "migrations-check")
    assert "docker/check_config.py" in _recipe(rules, "docker-config")
    assert "DEBUG=false" in _recipe(rules, "deploy-check")
    assert "check --deploy --fail-level WARNING" in _recipe(rules, "deploy-check")
    assert "migrate --noinput" in _recipe(rules, "db-check")
    assert "check --database default" in _recipe(rules, "db-check")
    assert "pytest" in _recipe(rules, "test")


def test_ci_sets_up_the_database_then_runs_make_check_and_nothing_else():
    script = (ROOT / ".ci" / "run").read_text()
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.strip().startswith("#")]

    assert [re.sub(r"^make (--no-print-directory )?", "", line) for line in commands if line.startswith("make ")] == [
        "check"
    ]
    assert commands[-1] == "make --no-print-directory check"
    for tool in ("manage.py", "pytest", "ruff", "mypy", "lint-imports", "pre-commit"):
        assert not [line for line in commands if tool in line], f".ci/run runs {tool} itself, not through make check"
    assert "export DATABASE_URL=" in script
    assert "export CONNECTOR_CI=1" in script


def test_pre_commit_runs_the_checks_of_make_lint_and_typecheck():
    config = (ROOT / ".pre-commit-config.yaml").read_text()
    hook_ids = re.findall(r"^\s+- id: (\S+)", config, re.MULTILINE)

    assert set(hook_ids) >= {"ruff", "ruff-format", "lint-imports", "mypy"}
    assert "repo: local" in config
    assert "hooks" in _rules()
