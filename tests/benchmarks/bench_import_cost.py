"""What a DAG file pays at parse time to import our operators: figures, not a test.

It also parses two DAG files the way a DAG processor's parse child does (a fresh interpreter that
has imported ``airflow.sdk``, then runs the file): one with a single ``EmptyOperator`` task and one
with a single snapshot task, so the provider's share of a parse is the difference.

Each figure is the median of fresh interpreters (no shared import cache besides the bytecode on
disk), timed from after ``import airflow.sdk`` (which any DAG file pays) to the end of the
imports, with the number of ``airflow_ice`` modules loaded. Run: ``python
tests/benchmarks/bench_import_cost.py [--runs N]``. The load average is printed: on a shared
machine compare the rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from airflow_ice.families import family_names

PROBE = """
import importlib, json, sys, time
import airflow.sdk
started = time.perf_counter()
for module in json.loads(sys.argv[1]):
    importlib.import_module(module)
elapsed = (time.perf_counter() - started) * 1000
print(json.dumps({"ms": elapsed, "modules": sum(1 for n in sys.modules if n.startswith("airflow_ice"))}))
"""

FAMILIES = tuple(family_names())
SCENARIOS = {
    "nothing (airflow.sdk only)": [],
    "one operator (snapshot)": ["airflow_ice.operators.snapshot"],
    "one operator (iproduction)": ["airflow_ice.operators.iproduction"],
    "one trigger (snapshot)": ["airflow_ice.triggers.snapshot"],
    "every operator and sensor": [
        f"airflow_ice.{kind}.{name}" for name in FAMILIES for kind in ("operators", "sensors")
    ],
}


PARSE_PROBE = """
import json, runpy, sys, time
import airflow.sdk
started = time.perf_counter()
runpy.run_path(sys.argv[1])
elapsed = (time.perf_counter() - started) * 1000
print(json.dumps({"ms": elapsed, "modules": sum(1 for n in sys.modules if n.startswith("airflow_ice"))}))
"""
EMPTY_DAG = """
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG(dag_id="empty", schedule=None):
    EmptyOperator(task_id="nothing")
"""
ICE_DAG = """
from airflow.sdk import DAG

from airflow_ice.operators.snapshot import IceSnapshotJobOperator

with DAG(dag_id="thumbnails", schedule=None):
    IceSnapshotJobOperator(
        task_id="thumbnail",
        input={"Type": "OSS", "Media": "oss://bucket/in/{{ ds }}.mp4"},
        output={"Type": "OSS", "Media": "oss://bucket/thumbs/{{ ds }}.jpg"},
        template_config={"TemplateId": "S00000101-100010"},
        deferrable=True,
    )
"""
DAG_FILES = {"DAG file: one EmptyOperator": EMPTY_DAG, "DAG file: one snapshot task": ICE_DAG}


def measure_parse(source: str, runs: int) -> tuple[float, int]:
    """The median time to run a DAG file after ``import airflow.sdk``, in fresh interpreters."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dag.py"
        path.write_text(source, encoding="utf-8")
        figures = [
            json.loads(
                subprocess.run(
                    [sys.executable, "-c", PARSE_PROBE, str(path)], capture_output=True, text=True, check=True
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            for _ in range(runs)
        ]
    return statistics.median(f["ms"] for f in figures), figures[-1]["modules"]


def measure(modules: list[str], runs: int) -> tuple[float, int]:
    figures = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", PROBE, json.dumps(modules)], capture_output=True, text=True, check=True
        )
        figures.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return statistics.median(f["ms"] for f in figures), figures[-1]["modules"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; median of {args.runs} fresh interpreters"
    )
    for name, modules in SCENARIOS.items():
        ms, loaded = measure(modules, args.runs)
        print(f"{name:32s} {ms:7.1f} ms over airflow.sdk   airflow_ice modules loaded: {loaded}")
    for name, source in DAG_FILES.items():
        ms, loaded = measure_parse(source, args.runs)
        print(f"{name:32s} {ms:7.1f} ms over airflow.sdk   airflow_ice modules loaded: {loaded}")


if __name__ == "__main__":
    main()
