"""docs/configuration.md and .env.example name every environment variable, with its true default."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = (ROOT / "connector" / "settings.py", ROOT / "connector" / "settings_work.py")
REFERENCE = ROOT / "docs" / "configuration.md"
NAME = r"[A-Z][A-Z0-9_]+"


def settings_calls() -> dict[str, ast.Call]:
    """Every ``env(...)``, ``env.<type>(...)`` and ``_required(...)`` call of the settings, by variable."""
    calls = {}
    nodes = [node for path in SETTINGS for node in ast.walk(ast.parse(path.read_text()))]
    for node in nodes:
        if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        function = node.func
        is_env = (isinstance(function, ast.Name) and function.id in ("env", "_required")) or (
            isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) and function.value.id == "env"
        )
        if is_env and isinstance(node.args[0].value, str):
            calls[node.args[0].value] = node
    return calls


def literal_default(call: ast.Call) -> object:
    """The ``default=`` of ``call`` when it is a number or a boolean, else None."""
    for keyword in call.keywords:
        if keyword.arg == "default":
            try:
                value = ast.literal_eval(keyword.value)
            except ValueError:
                return None
            return value if isinstance(value, (bool, int, float)) else None
    return None


def variables_read() -> set[str]:
    names = set(settings_calls())
    for path in [*ROOT.glob("*/**/*.py"), ROOT / "manage.py"]:
        if ".venv" in path.parts or "tests" in path.parts or "bench" in path.parts:
            continue
        names |= set(re.findall(rf"os\.environ\.get\(\"({NAME})\"", path.read_text()))
    for path in (ROOT / "docker" / "entrypoint.sh", ROOT / "docker" / "compose.yaml", ROOT / "Procfile"):
        names |= set(re.findall(rf"\$\{{({NAME})", path.read_text()))
    return names - {"DJANGO_SETTINGS_MODULE"}


def reference_table() -> dict[str, str]:
    """{variable: default cell} of the table in docs/configuration.md › Environment variables."""
    section = REFERENCE.read_text().split("\n## Environment variables\n", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(rf"^\| `({NAME})` \| ([^|]*) \|", section, flags=re.MULTILINE))


def env_example() -> str:
    return ROOT.joinpath(".env.example").read_text()


def same_value(text: str, default: object) -> bool:
    text = text.strip().strip("`").lower()
    if isinstance(default, bool):
        return text == str(default).lower()
    try:
        return float(text) == float(default)
    except ValueError:
        return False


def test_the_parsers_find_the_variables_of_each_kind():
    names = variables_read()

    assert {"SECRET_KEY", "DATABASE_URL", "THEME_RETRY_DELAY_SECONDS", "CONNECTOR_TRACEBACK"} <= names
    assert {"WAIT_SECONDS", "WEB_CONCURRENCY", "MYSQL_ROOT_PASSWORD"} <= names


def test_every_variable_is_in_the_configuration_reference_table():
    missing = sorted(variables_read() - set(reference_table()))

    assert missing == []


def test_every_variable_is_in_env_example():
    listed = set(re.findall(NAME, env_example()))

    assert sorted(variables_read() - listed) == []


def test_numeric_and_boolean_defaults_are_the_true_ones():
    table = reference_table()
    commented = dict(re.findall(rf"^# ({NAME})=(.*)$", env_example(), flags=re.MULTILINE))
    compared = 0
    for name, call in settings_calls().items():
        default = literal_default(call)
        if default is None:
            continue
        documented_default = re.match(r"`([^`]*)`", table[name])
        assert documented_default, f"documented default of {name}: {table[name]}"
        assert same_value(documented_default.group(1), default), f"documented default of {name}"
        if name in commented:
            assert same_value(commented[name], default), f".env.example default of {name}"
        compared += 1

    assert compared > 20


def test_connector_settings_takes_every_setting_of_settings_work():
    from django.conf import settings

    from connector import settings_work

    names = {name for name in vars(settings_work) if name.isupper()}
    assert set(settings_work.__all__) == names
    assert all(hasattr(settings, name) for name in names)
