"""What a DAG file pays at parse time to import our operators: figures, not a test.

Each figure is the median of fresh interpreters, timed from after ``import airflow.sdk`` (which any
DAG file pays) to the end of the imports: CPU time (``time.process_time``, the steadier figure on a
shared machine) and wall time, with the number of ``airflow_ice`` modules loaded and of our
pydantic models built. Two scenarios matter most: one family's operator and sensor, and every
family's (:func:`~airflow_ice.families.family_names`). Two DAG files are also parsed the way a DAG
processor's parse child does (a fresh interpreter that has imported ``airflow.sdk``, then runs the
file): one with a single ``EmptyOperator`` task and one with a single snapshot task, so the
provider's share of a parse is the difference.

Every figure is taken twice, as the bytecode stands in two real cases:

- ``cached``: every module's bytecode is on disk (a provider installed from a wheel: pip compiles it);
- ``no cache``: our package's bytecode is not (an editable install run with
  ``PYTHONDONTWRITEBYTECODE``, as in development and CI), everything else's is.

The bench keeps both caches in a temporary ``PYTHONPYCACHEPREFIX`` (filled by one untimed run of
each probe; the ``no cache`` copy has our package's part removed) and runs every probe with
``PYTHONDONTWRITEBYTECODE=1``, so it writes nothing into the source trees. ``--baseline PATH``
measures another source tree (e.g. a checkout of main) in the same run, alternating with this one,
and prints the ratio. Run: ``python tests/benchmarks/bench_import_cost.py [--runs N] [--baseline
PATH]``. The load average is printed before and after: on a shared machine compare the rows of one
run, not runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

TREE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TREE))  # tests.support, when run as a script

from airflow_ice.families import family_names  # noqa: E402
from tests.support.dag_files import EMPTY_DAG, ONE_SNAPSHOT_TASK_DAG  # noqa: E402

# After the timed part: which of our modules loaded, and which pydantic models they built.
LOADED = """
from pydantic import BaseModel
ours = [module for name, module in list(sys.modules.items()) if name.startswith("airflow_ice")]
models = {
    id(value) for module in ours for value in vars(module).values()
    if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__.startswith("airflow_ice")
}
print(json.dumps({"cpu": cpu, "wall": wall, "modules": len(ours), "models": len(models)}))
"""
IMPORT_PROBE = (
    """
import importlib, json, sys, time
import airflow.sdk
wall, cpu = time.perf_counter(), time.process_time()
for module in json.loads(sys.argv[1]):
    importlib.import_module(module)
cpu, wall = (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000
"""
    + LOADED
)
PARSE_PROBE = (
    """
import json, runpy, sys, time
import airflow.sdk
wall, cpu = time.perf_counter(), time.process_time()
runpy.run_path(sys.argv[1])
cpu, wall = (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000
"""
    + LOADED
)

FAMILIES = tuple(family_names())


def _waiters(*families: str) -> list[str]:
    return [f"airflow_ice.{kind}.{name}" for name in families for kind in ("operators", "sensors")]


IMPORTS = {
    "one family (snapshot): operator + sensor": _waiters("snapshot"),
    "one family (iproduction): operator + sensor": _waiters("iproduction"),
    f"every family ({len(FAMILIES)}): operators + sensors": _waiters(*FAMILIES),
    "one trigger (snapshot)": ["airflow_ice.triggers.snapshot"],
}
DAG_FILES = {
    "parse: DAG file, one EmptyOperator": EMPTY_DAG,
    "parse: DAG file, one snapshot task": ONE_SNAPSHOT_TASK_DAG,
}
MODES = ("cached", "no cache")


class Figure(NamedTuple):
    """One probe's result."""

    cpu: float
    wall: float
    modules: int
    models: int


class Probe(NamedTuple):
    """A figure's row: what runs in the fresh interpreter."""

    name: str
    code: str
    argument: str


def _probes(dag_folder: Path) -> list[Probe]:
    probes = [Probe(name, IMPORT_PROBE, json.dumps(modules)) for name, modules in IMPORTS.items()]
    for name, source in DAG_FILES.items():
        path = dag_folder / f"{len(probes)}_dag.py"
        path.write_text(source, encoding="utf-8")
        probes.append(Probe(name, PARSE_PROBE, str(path)))
    return probes


def _environment(tree: Path, cache: Path, *, write: bool = False) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join([str(tree), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(probe: Probe, env: dict[str, str]) -> Figure:
    # Run from the root: ``-c`` puts the working directory first on sys.path, before PYTHONPATH.
    done = subprocess.run(
        [sys.executable, "-c", probe.code, probe.argument],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd="/",
    )
    return Figure(**json.loads(done.stdout.strip().splitlines()[-1]))


def _caches(tree: Path, probes: list[Probe], folder: Path) -> dict[str, Path]:
    """Both bytecode caches of a source tree: everything compiled, and the same without our package."""
    cached, uncached = folder / "cached", folder / "no-cache"
    for probe in probes:
        _run(probe, _environment(tree, cached, write=True))
    shutil.copytree(cached, uncached)
    # PYTHONPYCACHEPREFIX mirrors each source's absolute path below the prefix.
    ours = uncached / (tree / "airflow_ice").resolve().relative_to(Path("/"))
    if not ours.is_dir():
        raise RuntimeError(f"no bytecode of {tree / 'airflow_ice'} under {cached}: was it imported?")
    shutil.rmtree(ours)
    return {"cached": cached, "no cache": uncached}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="another source tree to measure alternately")
    args = parser.parse_args()
    trees = {"this tree": TREE} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        probes = _probes(folder)
        caches = {
            name: _caches(tree, probes, folder / name.replace(" ", "-")) for name, tree in trees.items()
        }
        figures: dict[tuple[str, str, str], list[Figure]] = defaultdict(list)
        # Alternate trees, modes and probes within each round: a change of load hits all alike.
        for _ in range(args.runs):
            for probe in probes:
                for mode in MODES:
                    for name, tree in trees.items():
                        figures[(probe.name, mode, name)].append(
                            _run(probe, _environment(tree, caches[name][mode]))
                        )
    print(
        f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on {os.cpu_count()} CPUs; "
        f"median of {args.runs} fresh interpreters; ms after `import airflow.sdk`"
    )
    for name, tree in trees.items():
        print(f"{name}: {tree}")
    header = f"{'':44s} {'bytecode':9s} {'CPU ms':>7s} {'wall ms':>8s} {'modules':>7s} {'models':>6s}"
    if args.baseline:
        header += f" | {'baseline CPU':>12s} {'wall':>6s} {'modules':>7s} {'models':>6s} {'CPU ratio':>9s}"
    print(header)
    for probe in probes:
        for mode in MODES:
            row = [_median(figures[(probe.name, mode, name)]) for name in trees]
            line = f"{probe.name:44s} {mode:9s} " + _cells(row[0])
            if args.baseline:
                ratio = row[0].cpu / row[1].cpu if row[1].cpu else float("nan")
                line += f" | {row[1].cpu:12.1f} {row[1].wall:6.1f} {row[1].modules:7d} {row[1].models:6d} {ratio:9.2f}"
            print(line)


def _median(figures: list[Figure]) -> Figure:
    return Figure(
        cpu=statistics.median(f.cpu for f in figures),
        wall=statistics.median(f.wall for f in figures),
        modules=figures[-1].modules,
        models=figures[-1].models,
    )


def _cells(figure: Figure) -> str:
    return f"{figure.cpu:7.1f} {figure.wall:8.1f} {figure.modules:7d} {figure.models:6d}"


if __name__ == "__main__":
    main()
