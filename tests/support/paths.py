"""Where the tests find the checkout: its root, the test fixtures and the example DAGs."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
EXAMPLE_DAGS = REPO_ROOT / "example_dags"
