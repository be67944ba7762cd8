"""What the package imposes on its users: only what it imports, declared.

The published metadata has no development tools (they are the ``dev`` dependency group, PEP 735,
which ``make`` installs), no pytest plugin entry point (the fixtures are opt-in,
tests/unit/emulator/test_pytest_plugin.py), and every third-party module ``airflow_ice`` imports comes from a
declared requirement. ``.ci/test_wheel.py`` checks the built wheel's metadata the same way."""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata

from tests.support.paths import REPO_ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest's own dependency on 3.10
    import tomli as tomllib

ROOT = REPO_ROOT
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
# Modules imported under another distribution's name, or that need no declaration: pydantic_core is
# pydantic's own core (its error types are pydantic's public API), pinned exactly by pydantic; pytest
# is imported only by the opt-in pytest plugin, which only pytest loads.
BUNDLED = {"pydantic_core": "pydantic", "pytest": None}
# Top-level module -> distribution, where the names differ.
DISTRIBUTIONS = {"airflow": "apache-airflow"}


def requirement_name(requirement: str) -> str:
    return re.split(r"[ ;<>=!~\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def imported_modules() -> dict[str, set[str]]:
    """Every absolute import in airflow_ice: top-level module (``airflow.providers.X.Y`` for
    providers) -> the files importing it."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "airflow_ice").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                parts = name.split(".")
                key = ".".join(parts[:4]) if parts[:2] == ["airflow", "providers"] else parts[0]
                found.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return found


def distribution_of(module: str) -> str | None:
    if module.startswith("airflow.providers."):
        # airflow.providers.common.compat.sdk -> apache-airflow-providers-common-compat; the
        # provider installed under the longer name wins (providers nest: common.compat, common.sql).
        parts = module.split(".")[2:]
        for length in (2, 1):
            name = "apache-airflow-providers-" + "-".join(parts[:length]).replace("_", "-")
            try:
                return metadata.distribution(name).metadata["Name"].lower()
            except metadata.PackageNotFoundError:
                continue
        raise AssertionError(f"{module}: no installed provider distribution provides it")
    if module in BUNDLED:
        return BUNDLED[module]
    return DISTRIBUTIONS.get(module, module.replace("_", "-"))


def test_development_tools_are_a_dependency_group_not_an_extra() -> None:
    assert set(PROJECT.get("optional-dependencies", {})) == {"openlineage"}
    dev = {requirement_name(requirement) for requirement in PYPROJECT["dependency-groups"]["dev"]}
    assert {"pytest", "ruff", "mypy", "playwright", "psycopg2-binary"} <= dev
    published = {requirement_name(requirement) for requirement in PROJECT["dependencies"]}
    assert published.isdisjoint({"pytest", "ruff", "mypy", "playwright", "psycopg2-binary", "hypothesis"})


def test_make_installs_the_package_editable_with_the_dev_group() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pip install --quiet --upgrade 'pip>=25\.1'", makefile)  # --group needs pip 25.1
    assert re.search(r"pip install --quiet -e \. --group dev '\$\(AIRFLOW_SPEC\)'", makefile)
    assert "$(if $(AIRFLOW_CONSTRAINTS),-c $(AIRFLOW_CONSTRAINTS))" in makefile


def test_no_pytest_plugin_is_registered_for_every_pytest_run() -> None:
    assert "pytest11" not in PROJECT.get("entry-points", {})


def test_every_imported_module_is_declared() -> None:
    modules = imported_modules()
    # The precondition: the scan sees the emulator's and the transports' imports.
    assert {"uvicorn", "starlette", "httpx", "aiohttp"} <= set(modules)
    declared = {requirement_name(r) for r in PROJECT["dependencies"]}
    declared |= {requirement_name(r) for extra in PROJECT["optional-dependencies"].values() for r in extra}
    undeclared = {}
    for module, files in sorted(modules.items()):
        if module == "airflow_ice" or module in sys.stdlib_module_names:
            continue
        distribution = distribution_of(module)
        if distribution is not None and distribution not in declared:
            undeclared[module] = sorted(files)
    assert undeclared == {}, "declare these in pyproject.toml's dependencies (or an extra)"


def test_ci_runs_the_wheel_check() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test-wheel$", ci, flags=re.MULTILINE)
