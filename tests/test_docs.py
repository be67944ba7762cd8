"""README.md and docs/: every code block is an included file's current text or parses (Python also
imports what it names), every relative link resolves, every page is reachable from the README."""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.docs_support import ROOT, CodeBlock, code_blocks, included_text, markdown_pages, write_includes

BLOCKS = [block for page in markdown_pages() for block in code_blocks(page)]
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
# Blocks that are no code: the architecture diagram, console output.
PROSE_LANGS = {"text"}


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
        assert block.lang in PROSE_LANGS, f"{block.label}: tag the block python, json, bash or text"


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
