"""Test environment: an isolated AIRFLOW_HOME, set before anything imports Airflow."""

from __future__ import annotations

import os
import tempfile

# Airflow reads these at import time; keep tests away from ~/airflow and any real deployment.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-ice-tests-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
