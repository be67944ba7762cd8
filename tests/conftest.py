"""Test environment: an isolated AIRFLOW_HOME, set before anything imports Airflow."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile


def _private_airflow_home() -> str:
    home = tempfile.mkdtemp(prefix="airflow-ice-tests-")
    atexit.register(shutil.rmtree, home, True)
    return home


# Airflow reads these at import time; keep tests away from ~/airflow and any real deployment.
# Every pytest process (each xdist worker too) gets its own home and sqlite DB: workers sharing
# one would create and write the same DB at once. Removed when the process exits.
os.environ["AIRFLOW_HOME"] = _private_airflow_home()
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
