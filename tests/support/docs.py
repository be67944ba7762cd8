"""The code blocks of README.md and docs/*.md, and the files they include (no tests here).

A block preceded by ``<!-- include: PATH -->`` (or ``PATH#NAME``, the lines between ``# [START NAME]``
and ``# [END NAME]`` of that file, dedented) must be that text: tests/docs/test_pages.py fails when they
drift. ``python -m tests.support.docs --write`` copies the files' text into the blocks again.
A MyST directive (```` ```{toctree} ````, ```` ```{eval-rst} ````, for the Sphinx site) is a block
whose lang is its name in braces.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT
INCLUDE = re.compile(r"<!-- include: (?P<path>[^#\s]+)(?:#(?P<name>[\w-]+))? -->")
FENCE = re.compile(r"^(?P<indent> *)```(?:(?P<lang>[\w+-]*)|(?P<directive>\{[\w-]+\})[^`]*?)\s*$")


@dataclass(frozen=True)
class CodeBlock:
    """One fenced block of a Markdown page.

    :param page: the page, relative to the repository.
    :param line: the line of its opening fence (1-based).
    :param lang: its language tag ("" if none), or a MyST directive's name in braces.
    :param text: its content.
    :param include: the ``PATH`` or ``PATH#NAME`` it is a copy of, if any.
    :param end_line: the line of its closing fence (1-based).
    """

    page: str
    line: int
    lang: str
    text: str
    include: str | None
    end_line: int

    @property
    def label(self) -> str:
        """``page:line``, for test ids and messages."""
        return f"{self.page}:{self.line}"


def markdown_pages() -> list[Path]:
    """README.md and every page under docs/ (not the built site, docs/_build)."""
    pages = (ROOT / "docs").rglob("*.md")
    return [ROOT / "README.md", *sorted(page for page in pages if "_build" not in page.parts)]


def code_blocks(page: Path) -> list[CodeBlock]:
    """The fenced code blocks of a page, in order."""
    lines = page.read_text(encoding="utf-8").split("\n")
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent = len(opening["indent"])
        end = index + 1
        while not (lines[end].strip() == "```" and len(lines[end]) - len(lines[end].lstrip()) == indent):
            end += 1
        previous = next((line for line in reversed(lines[:index]) if line.strip()), "")
        found = INCLUDE.search(previous)
        include = None if found is None else found["path"] + (f"#{found['name']}" if found["name"] else "")
        text = "\n".join(line[indent:] for line in lines[index + 1 : end])
        name = str(page.relative_to(ROOT)) if page.is_relative_to(ROOT) else str(page)
        lang = opening["lang"] if opening["directive"] is None else opening["directive"]
        blocks.append(CodeBlock(name, index + 1, lang, text, include, end + 1))
        index = end + 1
    return blocks


def included_text(include: str) -> str:
    """The text a block including ``PATH`` or ``PATH#NAME`` must have."""
    path, _, name = include.partition("#")
    text = (ROOT / path).read_text(encoding="utf-8").rstrip("\n")
    if not name:
        return text
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() == f"# [START {name}]"]
    ends = [i for i, line in enumerate(lines) if line.strip() == f"# [END {name}]"]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ValueError(f"{path} needs one '# [START {name}]' before one '# [END {name}]'")
    return textwrap.dedent("\n".join(lines[starts[0] + 1 : ends[0]])).strip("\n")


def write_includes(page: Path) -> bool:
    """Copy every included file's text into its block; whether the page changed."""
    text = page.read_text(encoding="utf-8")
    lines = text.split("\n")
    for block in reversed(code_blocks(page)):
        if block.include is None:
            continue
        opening = block.line - 1
        indent = " " * (len(lines[opening]) - len(lines[opening].lstrip()))
        lines[opening + 1 : block.end_line - 1] = [
            indent + line if line else line for line in included_text(block.include).split("\n")
        ]
    new = "\n".join(lines)
    if new != text:
        page.write_text(new, encoding="utf-8")
    return new != text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="copy included files into their blocks")
    args = parser.parse_args()
    for page in markdown_pages():
        if args.write and write_includes(page):
            print(f"updated {page.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
