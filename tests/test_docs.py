"""README.md and docs/: every code block is an included file's current text or parses (Python also
imports what it names), every relative link resolves, every page is reachable from the README, the
docs site lists every page and its API reference covers the public classes (`make docs` builds the
site with Sphinx, warnings as errors; CI runs it)."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.docs_support import ROOT, CodeBlock, code_blocks, included_text, markdown_pages, write_includes

BLOCKS = [block for page in markdown_pages() for block in code_blocks(page)]
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
# Blocks that are no code: the architecture diagram, console output.
PROSE_LANGS = {"text"}
# MyST directives for the Sphinx site, checked below: the API reference's autodoc directives and
# the tables of contents.
DIRECTIVES = {"{eval-rst}", "{toctree}"}


def check_python(block: CodeBlock) -> None:
    tree = compile(block.text, block.label, "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{block.label}: {node.module} has no {alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                importlib.import_module(alias.name)


def check_shell(block: CodeBlock) -> None:
    subprocess.run(["bash", "-n"], input=block.text, text=True, check=True)
    # A connection given as JSON must be JSON.
    for found in re.finditer(r"export (AIRFLOW_CONN_\w+)='(?P<json>[^']*)'", block.text):
        json.loads(found["json"])


@pytest.mark.parametrize("block", BLOCKS, ids=[block.label for block in BLOCKS])
def test_each_code_block_is_an_included_file_or_parses(block: CodeBlock) -> None:
    if block.include is not None:
        assert block.text == included_text(block.include), (
            f"{block.label} differs from {block.include}: run `python -m tests.docs_support --write`"
        )
    if block.lang == "python":
        check_python(block)
    elif block.lang == "json":
        json.loads(block.text)
    elif block.lang == "bash":
        check_shell(block)
    else:
        assert block.lang in PROSE_LANGS | DIRECTIVES, (
            f"{block.label}: tag the block python, json, bash or text"
        )


def test_a_drifted_include_is_caught_and_rewritten(tmp_path: Path) -> None:
    include = "docs/examples/quickstart_dag.py#run_day"
    page = tmp_path / "page.md"
    page.write_text(f"Text.\n\n<!-- include: {include} -->\n```python\nRUN_DAY = '{{{{ ds }}}}'\n```\n")

    (drifted,) = code_blocks(page)
    assert drifted.include == include
    assert drifted.text != included_text(include)

    assert write_includes(page)
    (synced,) = code_blocks(page)
    assert synced.text == included_text(include)
    assert not write_includes(page)


def relative_links(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # links in code are code
    return [m["target"] for m in LINK.finditer(text) if not re.match(r"[a-z]+:", m["target"])]


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    found = set()
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")
        found.add(slug)
    return found


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target} does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{page.name}: no heading #{anchor} in {linked.name}"


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    readme = ROOT / "README.md"
    reached = {readme.resolve()}
    todo = [readme]
    while todo:
        page = todo.pop()
        for target in relative_links(page):
            linked = (page.parent / target.partition("#")[0]).resolve()
            if linked.suffix == ".md" and linked not in reached and linked.exists():
                reached.add(linked)
                todo.append(linked)
    pages = {page.resolve() for page in markdown_pages()}
    assert pages - reached == set()


def test_the_readme_is_a_front_page() -> None:
    assert len((ROOT / "README.md").read_bytes()) < 12 * 1024


def test_the_readmes_set_up_commands_are_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo   # " in readme
    assert "make test   # " in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, flags=re.MULTILINE)


def toctree_entries(page: Path) -> list[Path]:
    """The pages a page's ``{toctree}`` blocks list (``/NAME`` from the repository root)."""
    entries = []
    for block in code_blocks(page):
        if block.lang == "{toctree}":
            for line in block.text.split("\n"):
                name = line.strip()
                if name and not name.startswith(":"):
                    base = ROOT if name.startswith("/") else page.parent
                    entries.append(base / f"{name.lstrip('/')}.md")
    return entries


def test_the_docs_site_lists_every_page() -> None:
    """Sphinx warns about a page no table of contents lists; this says so before `make docs`."""
    root = ROOT / "docs" / "index.md"
    listed = {root}
    todo = [root]
    while todo:
        for entry in toctree_entries(todo.pop()):
            assert entry.exists(), f"a toctree lists {entry.relative_to(ROOT)}, which does not exist"
            if entry not in listed:
                listed.add(entry)
                todo.append(entry)
    assert set(markdown_pages()) | {ROOT / "CHANGELOG.md"} == listed


AUTODOC = re.compile(
    r"^\.\. auto(?P<kind>module|class|function|data|exception):: (?P<target>\S+)(?P<options>(?:\n   :.*)*)",
    flags=re.MULTILINE,
)


def resolve(dotted: str) -> Any:
    """The object at a dotted path: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            found = getattr(found, name)
        return found
    raise ModuleNotFoundError(dotted)


def module_members(module: ModuleType, options: str) -> list[Any]:
    """What ``automodule`` documents: with ``:members:``, those named, else every public one."""
    named = re.search(r":members:(.*)", options)
    if named is None:
        return []
    if named[1].strip():
        return [getattr(module, name.strip()) for name in named[1].split(",")]
    excluded = re.search(r":exclude-members:(.*)", options)
    skip = {name.strip() for name in excluded[1].split(",")} if excluded else set()
    return [
        value
        for name, value in vars(module).items()
        if not name.startswith("_")
        and name not in skip
        and getattr(value, "__module__", None) == module.__name__
        and getattr(value, "__doc__", None)
    ]


def documented_objects() -> list[Any]:
    """Everything the API reference's autodoc directives document."""
    found = []
    for page in sorted((ROOT / "docs" / "api").glob("*.md")):
        for block in code_blocks(page):
            if block.lang != "{eval-rst}":
                continue
            for directive in AUTODOC.finditer(block.text):
                target = resolve(directive["target"])
                found.append(target)
                if directive["kind"] == "module":
                    found.extend(module_members(target, directive["options"]))
    return found


def package_classes(package: str, base: type) -> Iterator[type]:
    """The classes defined in a package's modules that subclass ``base``."""
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        if info.name.endswith(".__main__"):  # runs the emulator
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if inspect.isclass(value) and value.__module__ == module.__name__ and issubclass(value, base):
                yield value


def public_surface() -> dict[str, Any]:
    """The provider's public names: every hook, operator, sensor, trigger, extra link and error class
    (``IceError``'s, wherever defined), and what the models, credentials and emulator packages export
    (their ``__all__``)."""
    from airflow.providers.common.compat.sdk import BaseHook, BaseOperator, BaseOperatorLink
    from airflow.triggers.base import BaseTrigger

    from airflow_ice.errors import IceError

    surface: dict[str, Any] = {}
    for package, base in [
        ("airflow_ice.hooks", BaseHook),
        ("airflow_ice.operators", BaseOperator),
        ("airflow_ice.sensors", BaseOperator),
        ("airflow_ice.triggers", BaseTrigger),
        ("airflow_ice.links", BaseOperatorLink),
        ("airflow_ice", IceError),
    ]:
        surface.update({f"{cls.__module__}.{cls.__name__}": cls for cls in package_classes(package, base)})
    for package in ("airflow_ice.models", "airflow_ice.credentials", "airflow_ice.emulator"):
        module = importlib.import_module(package)
        surface.update({f"{package}.{name}": getattr(module, name) for name in module.__all__})
    return surface


def test_the_api_reference_covers_the_public_surface() -> None:
    documented = {id(value) for value in documented_objects()}
    surface = public_surface()
    assert len(surface) > 100, "the public surface was not found"
    missing = sorted(name for name, value in surface.items() if id(value) not in documented)
    assert missing == [], f"add these to a page under docs/api/: {missing}"


def test_the_docs_build_is_in_ci_with_warnings_as_errors() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make docs$", ci, flags=re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^docs:.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert recipe is not None, "no docs target in the Makefile"
    assert re.search(r"-m sphinx .*-W --keep-going", recipe[1]), recipe[1]
