"""Imports point one way (docs/contributing.md, "Architecture"): operators, sensors and triggers use
the hook; the hook uses the families and the engine; the engine uses its transports and the signer.
Checked on the source, statically: every import a module makes when it runs (those under
``if TYPE_CHECKING:`` only name types and are left out), at module level or inside a function."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "airflow_ice"

# What each layer must not import (airflow_ice.<name> prefixes; "airflow" is Airflow itself).
ABOVE = ("airflow_ice.hooks", "airflow_ice.operators", "airflow_ice.sensors", "airflow_ice.triggers")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    # The HTTP engine knows nothing of Airflow or of what sits on it.
    "client": (
        "airflow",
        *ABOVE,
        "airflow_ice.credentials",
        "airflow_ice.models",
        "airflow_ice.jobs",
        "airflow_ice.families",
        "airflow_ice.lineage",
        "airflow_ice.links",
        "airflow_ice.assets",
        "airflow_ice.emulator",
    ),
    # Credential sources sign with the client; the client never reads them back.
    "credentials": (*ABOVE, "airflow_ice.models", "airflow_ice.jobs", "airflow_ice.families"),
    # Declarations and models, read by the hook: nothing of the hook or the waiters.
    "families": ABOVE,
    "models": (*ABOVE, "airflow_ice.jobs", "airflow_ice.families"),
    "hooks": ("airflow_ice.operators", "airflow_ice.sensors", "airflow_ice.triggers"),
    # The emulator is a test tool: it must not share the client's transport or retries.
    "emulator": (*ABOVE, "airflow_ice.client.engine", "airflow_ice.client.retry", "airflow_ice.client.pool"),
}


def _type_checking_only(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports a module makes when it runs (not those under ``if TYPE_CHECKING:``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking_only(node):
            yield from (n for child in node.orelse for n in runtime_imports_of(child))
            continue
        yield from runtime_imports_of(node)


def runtime_imports_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    elif not (isinstance(node, ast.If) and _type_checking_only(node)):
        yield from runtime_imports(node)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or ""]


def _is_under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(layer: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for node in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for name in imported_names(node):
                if any(_is_under(name, prefix) for prefix in forbidden):
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports {name}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    assert violations(layer, FORBIDDEN[layer]) == []


def test_no_module_imports_another_modules_private_names() -> None:
    found = []
    for path in modules():
        own = module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("airflow_ice"):
                continue
            private = [
                alias.name
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__") and node.module != own
            ]
            if private:
                found.append(
                    f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports {node.module}.{private}"
                )
    assert found == []


def test_the_checks_see_a_violation() -> None:
    """The checks are not blind: a forbidden import and a private name are found in sample source."""
    tree = ast.parse(
        "import airflow\nif TYPE_CHECKING:\n    import airflow_ice.hooks\ndef f():\n    from airflow_ice.operators import base\n"
    )
    names = [name for node in runtime_imports(tree) for name in imported_names(node)]
    assert names == ["airflow", "airflow_ice.operators"]
