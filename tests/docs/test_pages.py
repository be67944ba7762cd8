"""README.md and docs/: every code block is an included file's current text or parses (Python also
imports what it names), every link into the repository resolves (file and heading), the README's
links are absolute (it is also the package's page on PyPI), every page is reachable from the README,
the docs site lists every page and its API reference covers the public classes (`make docs` builds
the site with Sphinx, warnings as errors; CI runs it)."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest's own dependency on 3.10
    import tomli as tomllib

from tests.support.docs import ROOT, CodeBlock, code_blocks, included_text, markdown_pages, write_includes

BLOCKS = [block for page in markdown_pages() for block in code_blocks(page)]
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(?P<target>\S+)", flags=re.MULTILINE)
HTML_LINK = re.compile(r"<(?:a|img)\s[^>]*?(?:href|src)=\"(?P<target>[^\"]+)\"")
# The repository's address, from pyproject.toml: README links point at files there.
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"][
    "Repository"
]
REPOSITORY_FILES = (f"{REPOSITORY}/blob/main/", f"{REPOSITORY}/tree/main/")
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
            f"{block.label} differs from {block.include}: run `python -m tests.support.docs --write`"
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


def link_targets(page: Path) -> list[str]:
    """Every link and image target of a page outside code: inline, reference-style and HTML."""
    text = re.sub(
        r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL
    )  # links in code are code
    text = re.sub(r"`[^`\n]*`", "", text)
    return [m["target"] for pattern in (LINK, REFERENCE, HTML_LINK) for m in pattern.finditer(text)]


def relative_links(page: Path) -> list[str]:
    return [target for target in link_targets(page) if not re.match(r"[a-z]+:", target)]


def repository_links(page: Path) -> list[str]:
    """Links to a file of this repository by its address (``<Repository>/blob/main/PATH``)."""
    return [target for target in link_targets(page) if target.startswith(REPOSITORY_FILES)]


def checkout_target(page: Path, target: str) -> tuple[Path, str]:
    """The file of the checkout a relative or repository link points at, and its anchor."""
    path, _, anchor = target.partition("#")
    if path.startswith(REPOSITORY_FILES):
        return ROOT / re.sub(r"^(blob|tree)/main/?", "", path.removeprefix(REPOSITORY + "/")), anchor
    return ((page.parent / path).resolve() if path else page), anchor


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    found = set()
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")
        found.add(slug)
    return found


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda page: str(page.relative_to(ROOT)))
def test_links_into_the_repository_resolve(page: Path) -> None:
    for target in relative_links(page) + repository_links(page):
        linked, anchor = checkout_target(page, target)
        assert linked.exists(), f"{page.name}: {target} does not exist"
        if target.startswith(f"{REPOSITORY}/tree/"):
            assert linked.is_dir(), f"{page.name}: {target} is a file: use {REPOSITORY}/blob/main/..."
        elif target.startswith(f"{REPOSITORY}/blob/"):
            assert linked.is_file(), f"{page.name}: {target} is a folder: use {REPOSITORY}/tree/main/..."
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{page.name}: no heading #{anchor} in {linked.name}"


def test_the_readmes_links_work_on_pypi() -> None:
    # PyPI shows the README without the repository around it: a relative link (or an in-page anchor,
    # which PyPI's renderer does not make) 404s there. Links into this repository use its address.
    targets = link_targets(ROOT / "README.md")
    assert len(targets) >= 10, "precondition: the README's links were found"
    not_absolute = [target for target in targets if not target.startswith("https://")]
    assert not_absolute == [], f"make these absolute ({REPOSITORY}/blob/main/PATH)"
    assert repository_links(ROOT / "README.md"), "precondition: the README links into the repository"


def test_a_relative_link_in_a_readme_is_found(tmp_path: Path) -> None:
    page = tmp_path / "README.md"
    page.write_text(
        '[a](docs/a.md) ![b](docs/b.png) [c][ref] <a href="docs/d.md">d</a> `[e](code.md)`\n\n'
        "```bash\n[f](in-a-block.md)\n```\n\n[ref]: docs/c.md\n"
    )
    assert sorted(relative_links(page)) == ["docs/a.md", "docs/b.png", "docs/c.md", "docs/d.md"]


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    readme = ROOT / "README.md"
    reached = {readme.resolve()}
    todo = [readme]
    while todo:
        page = todo.pop()
        for target in relative_links(page) + repository_links(page):
            linked = checkout_target(page, target)[0].resolve()
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
    (their ``__all__``), and every family's declaration."""
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
    for package in (
        "airflow_ice.models",
        "airflow_ice.credentials",
        "airflow_ice.emulator",
        "airflow_ice.families",
    ):
        module = importlib.import_module(package)
        surface.update({f"{package}.{name}": getattr(module, name) for name in module.__all__})
    from airflow_ice.families import all_families

    surface.update({f"airflow_ice.families.{key}": family for key, family in all_families().items()})
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
