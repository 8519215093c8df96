"""The Shopify boundary holds: GraphQL stays inside connector/shopify/.

Apps reach the Admin API through the typed operations of ``connector.shopify`` and never see
GraphQL: no ``.execute(`` of a document, no GraphQL field names. Inside the package, every
document in ``queries/`` is run by exactly one function named like it, and its operation is
named like it too (``orders_recent`` runs ``query OrdersRecent``).
"""

import ast
import re
from pathlib import Path

import pytest

from connector.shopify.graphql import QUERIES_DIR, load_document

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("connector", "webhooks", "shops", "products", "assistant", "themes", "ops")
SHOPIFY_PACKAGE = ROOT / "connector" / "shopify"
GRAPHQL_NAMES_RE = re.compile(r"\b(totalPriceSet|shopMoney|nodes|edges|legacyResourceId|userErrors)\b")
DOCUMENTS = sorted(path.stem for path in QUERIES_DIR.glob("*.graphql"))
EXECUTE_RE = re.compile(r"\.execute\(\s*[\"'](?P<document>\w+)[\"']")
CLIENT_EXECUTE_RE = re.compile(r"(client|shopify_admin_client\([^)]*\))\s*\.execute\(")


def product_modules():
    for package in PRODUCT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.is_relative_to(SHOPIFY_PACKAGE):
                continue
            yield path


def violations(text):
    """What in ``text`` (a module's source) would let GraphQL out of connector/shopify/."""
    found = [f".execute of the document {match['document']}" for match in EXECUTE_RE.finditer(text)
             if match["document"] in DOCUMENTS]  # fmt: skip
    found += [f"a GraphQL client's {match.group(0)}" for match in CLIENT_EXECUTE_RE.finditer(text)]
    found += [f"the GraphQL name {match.group(0)}" for match in GRAPHQL_NAMES_RE.finditer(text)]
    return found


def test_the_guard_sees_graphql_where_it_does_not_belong():
    assert violations('result = shopify_admin_client(shop=shop).execute("orders_recent", {})') == [
        ".execute of the document orders_recent",
        "a GraphQL client's shopify_admin_client(shop=shop).execute(",
    ]
    assert violations('money = node["totalPriceSet"]["shopMoney"]') == [
        "the GraphQL name totalPriceSet",
        "the GraphQL name shopMoney",
    ]
    assert violations('cursor.execute("SELECT 1")') == []


def test_product_code_never_sees_graphql():
    found = {
        str(path.relative_to(ROOT)): problems
        for path in product_modules()
        if (problems := violations(path.read_text(encoding="utf-8")))
    }

    assert found == {}


def documents_run_by_functions():
    """Each document name and the functions of connector/shopify/ that execute it."""
    runners = {name: [] for name in DOCUMENTS}
    for path in sorted(SHOPIFY_PACKAGE.glob("*.py")):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, ast.FunctionDef):
                continue
            for call in ast.walk(function):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "execute"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                ):
                    runners.setdefault(call.args[0].value, []).append(function.name)
    return runners


def test_every_document_is_run_by_one_function_named_like_it():
    assert documents_run_by_functions() == {name: [name] for name in DOCUMENTS}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_operation_is_named_like_its_document(name):
    assert load_document(name).operation_name == "".join(part.capitalize() for part in name.split("_"))
