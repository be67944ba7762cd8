"""Sphinx configuration of the docs site: README.md, CHANGELOG.md and the pages under docs/ as they
are (Markdown, through MyST), and an API reference generated from the docstrings (docs/api/).

``make docs`` builds it into docs/_build/html with warnings as errors. The source directory is the
repository root (this file is passed with ``-c docs``), so the pages' relative links, written for
GitHub, resolve the same way here. Nothing is fetched while building (no intersphinx).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path
from typing import Any

import tomllib
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

ROOT = Path(__file__).resolve().parent.parent
# The checkout's airflow_ice, installed or not; importing Airflow writes nothing into ~/airflow.
sys.path.insert(0, str(ROOT))
os.environ["AIRFLOW_HOME"] = str(ROOT / "docs" / "_build" / "airflow-home")

import airflow_ice  # noqa: E402

# Every module is imported before autodoc inspects a class: autodoc copies annotations written under
# TYPE_CHECKING into the classes of a documented class's MRO (pydantic's BaseModel among them), and a
# pydantic model with extra="allow" (Airflow has some) defined after that fails to build.
for module in pkgutil.walk_packages(airflow_ice.__path__, "airflow_ice."):
    if not module.name.endswith(".__main__"):
        importlib.import_module(module.name)

project = "airflow-ice"
release = version = airflow_ice.__version__

root_doc = "docs/index"
include_patterns = ["README.md", "CHANGELOG.md", "docs/**"]
exclude_patterns = ["docs/_build", ".venv*", ".git"]

extensions = ["myst_parser", "sphinx.ext.autodoc"]

# Headings get GitHub's anchors, so `page.md#a-heading` links work on GitHub and here.
myst_heading_anchors = 6

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": True, "exclude-members": "model_config"}

html_theme = "furo"
html_title = f"airflow-ice {release}"

REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"][
    "Repository"
]


class FolderLinks(SphinxPostTransform):
    """A link to a folder of the repository (GitHub lists its files) goes to that folder on GitHub:
    the site has no page for it. Links to files become downloads (MyST), to pages, pages."""

    default_priority = 8  # before MyST resolves the links (9)

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("reftype") != "myst" or "://" in node["reftarget"]:
                continue
            page = Path(self.env.doc2path(node.get("refdoc", self.env.docname)))
            target = (page.parent / node["reftarget"]).resolve()
            if target.is_dir() and target.is_relative_to(ROOT):
                url = f"{REPOSITORY}/tree/main/{target.relative_to(ROOT).as_posix()}"
                node.replace_self(nodes.reference("", "", *node.children, refuri=url))


def setup(app: Sphinx) -> None:
    app.add_post_transform(FolderLinks)
