"""Checks that keep the layout honest: who may import what, and services scoped by account."""

import ast
import inspect
from pathlib import Path

import pytest

import hookdesk.assets.service
import hookdesk.categories.service
import hookdesk.clients.service
import hookdesk.teammates.service

SRC = Path(__file__).parents[1] / "src" / "hookdesk"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((SRC / folder).rglob("*.py"))


def test_the_receiver_sdk_imports_nothing_of_the_server() -> None:
    for path in modules("receiver"):
        server = {m for m in imports_of(path) if m.startswith("hookdesk") and "receiver" not in m}
        assert not server, path
        if "frameworks" in path.parts:
            continue  # a framework helper needs its framework, imported only by those who use it
        third_party = {
            m for m in imports_of(path) if m.split(".")[0] in {"fastapi", "sqlalchemy", "aiohttp"}
        }
        assert not third_party, path


@pytest.mark.parametrize("folder", ["webhooks"])
def test_only_api_modules_import_fastapi(folder: str) -> None:
    for path in modules(folder):
        uses_fastapi = any(m.split(".")[0] in {"fastapi", "starlette"} for m in imports_of(path))
        assert uses_fastapi == (path.name == "api.py"), path


def test_the_payload_renderer_is_pure() -> None:
    imported = imports_of(SRC / "webhooks" / "payloads.py")
    assert imported <= {"json", "dataclasses", "typing"}


def test_no_module_is_named_endpoints() -> None:
    assert not list(SRC.rglob("endpoints.py"))


@pytest.mark.parametrize(
    "module",
    [
        hookdesk.clients.service,
        hookdesk.teammates.service,
        hookdesk.categories.service,
        hookdesk.assets.service,
    ],
)
def test_service_functions_that_touch_the_database_take_account_id(module: object) -> None:
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if function.__module__ != getattr(module, "__name__", None) or name.startswith("_"):
            continue
        parameters = inspect.signature(function).parameters
        if "session" in parameters:
            assert "account_id" in parameters, f"{name} takes a session but no account_id"
            assert parameters["account_id"].kind is inspect.Parameter.KEYWORD_ONLY, name


TESTS = Path(__file__).parent


def _test_modules_imported(path: Path) -> set[str]:
    """The test modules (`test_*.py`) and conftest files that `path` imports."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            named.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {
        name
        for name in named
        if name.startswith("tests.")
        and any(part.startswith("test_") or part == "conftest" for part in name.split("."))
    }


def test_no_test_imports_another_test_module_or_a_conftest() -> None:
    """Helpers shared by tests live in tests/support/ (or beside the tests of one concern), so
    that running one test file never runs or depends on another's module."""
    found = {
        str(path.relative_to(TESTS)): imported
        for path in sorted(TESTS.rglob("*.py"))
        if (imported := _test_modules_imported(path))
    }
    assert found == {}
