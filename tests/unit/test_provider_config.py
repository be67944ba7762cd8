"""Every Airflow configuration option the provider reads is declared in its provider info: one
section, each option with description, type, default and example; Airflow's own CLI knows them.

The reads are found by scanning ``airflow_ice``'s source (AST), so a new ``conf.get*`` without a
declaration fails here."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from airflow.configuration import retrieve_configuration_description

from airflow_ice.get_provider_info import get_provider_info
from airflow_ice.provider_config import SECTION
from tests.support.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "airflow_ice"
# AirflowConfigParser's readers, and the declared type each one reads.
READ_METHODS = {
    "get": "string",
    "get_mandatory_value": "string",
    "getint": "integer",
    "getfloat": "float",
    "getboolean": "boolean",
    "getjson": None,
    "getlist": None,
    "getimport": None,
    "getenum": None,
    "getenumlist": None,
    "getsection": None,
    "has_option": None,
}
PARSE = {"string": str, "integer": int, "float": float, "boolean": lambda text: text.lower() == "true"}


@dataclass(frozen=True)
class ConfigRead:
    """One ``conf.<method>(section, option, fallback=...)`` call in the source."""

    where: str
    method: str
    section: str
    option: str | None
    fallback: Any


def _receiver_is_conf(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "conf") or (
        isinstance(node, ast.Attribute) and node.attr == "conf"
    )


def _resolve(node: ast.expr, module: str, where: str) -> Any:
    """A literal, or a module-level name of the reading module (``SECTION``, ``DEFAULT_...``)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return getattr(importlib.import_module(module), node.id)
    raise AssertionError(f"{where}: name the section and option with a literal or a module constant")


def config_reads(source: str, module: str, filename: str) -> list[ConfigRead]:
    """The configuration reads in one module's source."""
    reads = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("airflow"):
            for alias in node.names:
                # `conf as settings` would hide its reads from this scan.
                assert alias.name != "conf" or alias.asname in (None, "conf"), (
                    f"{filename}:{node.lineno}: import Airflow's conf as `conf`"
                )
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in READ_METHODS
            and _receiver_is_conf(node.func.value)
        ):
            continue
        where = f"{filename}:{node.lineno}"
        args = list(node.args)
        section = _resolve(args[0], module, where)
        option = _resolve(args[1], module, where) if len(args) > 1 else None
        fallback_node = next((kw.value for kw in node.keywords if kw.arg == "fallback"), None)
        fallback = None if fallback_node is None else _resolve(fallback_node, module, where)
        reads.append(ConfigRead(where, node.func.attr, section, option, fallback))
    return reads


def package_config_reads() -> list[ConfigRead]:
    reads = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        reads += config_reads(path.read_text(encoding="utf-8"), module, str(relative))
    return reads


READS = package_config_reads()
DECLARED: dict[str, Any] = get_provider_info()["config"]


def test_the_scan_finds_the_reads_that_are_there() -> None:
    # The precondition of the tests below: the scan sees the provider's own reads.
    ours = {(read.section, read.option) for read in READS if read.section == SECTION}
    assert ours >= {(SECTION, "poll_tick_seconds"), (SECTION, "console_job_url")}


def test_a_new_read_without_a_declaration_is_caught() -> None:
    source = 'from airflow.configuration import conf\nconf.getint("alibaba_ice", "max_widgets", fallback=3)\n'
    (read,) = config_reads(source, "airflow_ice.provider_config", "new.py")
    assert (read.section, read.option, read.fallback) == ("alibaba_ice", "max_widgets", 3)
    assert read.option not in DECLARED[SECTION]["options"]
    with pytest.raises(AssertionError, match="import Airflow's conf as `conf`"):
        config_reads("from airflow.sdk.configuration import conf as settings\n", "m", "aliased.py")


def test_one_section_declares_every_option_the_code_reads() -> None:
    assert list(DECLARED) == [SECTION]
    options = DECLARED[SECTION]["options"]
    ours = [read for read in READS if read.section == SECTION]
    undeclared = [
        f"{read.where}: [{read.section}] {read.option}" for read in ours if read.option not in options
    ]
    assert undeclared == [], "declare these in airflow_ice/provider_config.py"
    unread = set(options) - {read.option for read in ours}
    assert unread == set(), "declared but never read"


def test_other_reads_are_airflows_own_options() -> None:
    airflow_options = retrieve_configuration_description(include_providers=False)
    others = [read for read in READS if read.section != SECTION]
    assert others, "precondition: the operators read [operators] default_deferrable"
    for read in others:
        assert read.option in airflow_options.get(read.section, {}).get("options", {}), (
            f"{read.where}: [{read.section}] {read.option} is neither Airflow's nor declared under [{SECTION}]"
        )


@pytest.mark.parametrize("option", sorted(DECLARED[SECTION]["options"]))
def test_each_option_has_a_description_type_default_and_example_that_match_its_reads(option: str) -> None:
    spec = DECLARED[SECTION]["options"][option]
    assert len(spec["description"]) > 40
    assert spec["type"] in PARSE
    parse = PARSE[spec["type"]]
    assert isinstance(spec["default"], str)
    assert isinstance(spec["example"], str)
    parse(spec["example"])
    # Airflow formats a string default with its own variables unless it is marked a template;
    # Airflow 3.1 then fails on the unknown "{region}" and loads no configuration at all.
    assert ("{" in spec["default"]) == spec.get("is_template", False)
    for read in (read for read in READS if (read.section, read.option) == (SECTION, option)):
        assert READ_METHODS[read.method] == spec["type"], (
            f"{read.where}: {read.method} reads a {spec['type']}"
        )
        assert read.fallback == parse(spec["default"]), (
            f"{read.where}: fallback differs from the declared default"
        )


def test_airflow_config_get_value_knows_each_option(tmp_path: Path) -> None:
    # Unit-test mode prints a banner on stdout; no AIRFLOW__ALIBABA_ICE__* override either.
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW__")}
    env["AIRFLOW_HOME"] = str(tmp_path)
    for option, spec in DECLARED[SECTION]["options"].items():
        answer = subprocess.run(
            [sys.executable, "-m", "airflow", "config", "get-value", SECTION, option],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert answer.stdout.strip() == spec["default"]


def test_the_configuration_page_documents_each_option() -> None:
    page = (PACKAGE.parent / "docs" / "configuration.md").read_text(encoding="utf-8")
    for option, spec in DECLARED[SECTION]["options"].items():
        row = next((line for line in page.splitlines() if line.startswith(f"| `{option}` |")), None)
        assert row is not None, f"docs/configuration.md has no row for {option}"
        assert f"| {spec['type']} | `{spec['default']}` |" in row
        assert f"`{spec['example']}`" in row
