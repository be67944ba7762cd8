"""The wheel as a user gets it: built from this checkout, installed with Airflow alone into a fresh
environment, it runs the README's example DAG against its own emulator.

    python3 .ci/test_wheel.py [--airflow 'apache-airflow>=3.3,<3.4'] [--keep]

Stdlib only, run by any Python 3.10+ (``make test-wheel``, ``.ci/run``). Steps:

1. ``pip wheel --no-deps`` builds the wheel (the checkout's build backend, in pip's isolated build).
2. A fresh venv in a temporary folder gets Airflow and the wheel, nothing else: no dev group, no
   editable install, and every later step runs from the temporary folder, so the checkout is never
   on ``sys.path``.
3. Inside that venv (this same file, copied there, with ``--inside``): the installed package's
   metadata (no ``dev`` extra, no pytest plugin entry point, the emulator's dependencies
   declared), ``airflow config get-value`` for every option the provider declares, then
   ``airflow-ice emulator`` from the venv's ``bin``, the documented copy-paste connection pointed at
   it, ``docs/examples/quickstart_dag.py`` in a temporary DAGs folder, ``airflow dags test`` and
   the run's task state, XCom and the emulator's counters.

Exits non-zero, saying which step failed, if anything does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parent.parent
DAG_ID = "ice_quickstart"
# Every wait has a bound: the emulator prints its URL within seconds, the DAG's one job lasts 1 s
# (the operator first polls after Cover's expected 15 s).
EMULATOR_START_SECONDS = 60
DAG_TEST_SECONDS = 600


class StepFailed(Exception):
    """A step of the check failed; the message says which and why."""


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 1800) -> str:
    """Run a command, echoing it; its stdout, or StepFailed with its output."""
    print("$", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise StepFailed(
            f"{command[0]} exited {done.returncode}\n--- stdout\n{done.stdout[-4000:]}\n"
            f"--- stderr\n{done.stderr[-8000:]}"
        )
    return done.stdout


def build_and_install(airflow_spec: str, work: Path) -> Path:
    """Build the wheel and install it with Airflow into a fresh venv; the venv's python."""
    started = time.monotonic()
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=work)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], cwd=work)
    dist = work / "dist"
    run([str(python), "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(CHECKOUT)], cwd=work)
    (wheel,) = dist.glob("airflow_ice-*.whl")
    print(f"built {wheel.name} in {time.monotonic() - started:.0f}s", flush=True)
    run([str(python), "-m", "pip", "install", "--quiet", str(wheel), airflow_spec], cwd=work)
    print(f"installed with {airflow_spec} in {time.monotonic() - started:.0f}s", flush=True)
    return python


def outside(airflow_spec: str, work: Path) -> int:
    """Build, install, then run the checks inside the fresh venv."""
    python = build_and_install(airflow_spec, work)
    inside = work / "check_installed_wheel.py"
    shutil.copy(Path(__file__), inside)
    shutil.copy(CHECKOUT / "docs" / "examples" / "quickstart_dag.py", work / "quickstart_dag.py")
    shutil.copy(CHECKOUT / "docs" / "examples" / "emulator_connection.sh", work / "emulator_connection.sh")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "PYTHON"))}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    # Not `run`: its own output is the report.
    print(f"$ {python} {inside.name} --inside", flush=True)
    return subprocess.run(
        [str(python), str(inside), "--inside", "--checkout", str(CHECKOUT)], cwd=work, env=env, timeout=1800
    ).returncode


# ---- inside the fresh venv -------------------------------------------------------------------


def check_metadata(checkout: Path) -> None:
    """The installed distribution is the wheel's, and it imposes nothing but what it uses."""
    from importlib.metadata import distribution, entry_points

    import airflow_ice

    installed_at = Path(airflow_ice.__file__).resolve()
    if checkout in installed_at.parents or not installed_at.is_relative_to(Path(sys.prefix).resolve()):
        raise StepFailed(f"airflow_ice imported from {installed_at}, not from the venv {sys.prefix}")
    if any(Path(entry or ".").resolve() == checkout for entry in sys.path):
        raise StepFailed(f"the checkout {checkout} is on sys.path")
    dist = distribution("airflow-ice")
    extras = dist.metadata.get_all("Provides-Extra") or []
    if extras != ["openlineage"]:
        raise StepFailed(f"published extras {extras}: only 'openlineage' belongs in the package's metadata")
    plugins = [ep for ep in entry_points(group="pytest11") if ep.dist and ep.dist.name == "airflow-ice"]
    if plugins:
        raise StepFailed(f"a pytest plugin entry point loads in every user's pytest run: {plugins}")
    required = {re.split(r"[ ;<>=!~\[]", req, maxsplit=1)[0] for req in dist.requires or []}
    missing = {"uvicorn", "starlette", "cryptography"} - required
    if missing:
        raise StepFailed(f"the emulator imports {sorted(missing)}, which the wheel does not declare")
    print(f"metadata: airflow_ice from {installed_at.parent}; extras {extras}; no pytest11 entry point")


def check_config_options(env: dict[str, str], cwd: Path) -> None:
    """Every option the provider declares is known to `airflow config get-value`, with its default."""
    from airflow_ice.get_provider_info import get_provider_info

    for section, declared in get_provider_info()["config"].items():
        for option, spec in declared["options"].items():
            value = run(["airflow", "config", "get-value", section, option], cwd=cwd, env=env).strip()
            if value != str(spec["default"]):
                raise StepFailed(
                    f"[{section}] {option}: airflow says {value!r}, declared {spec['default']!r}"
                )
            print(f"config: [{section}] {option} = {value}")


def start_emulator(cwd: Path) -> tuple[subprocess.Popen[str], str]:
    """`airflow-ice emulator` from the venv's bin, on a free port; the process and its URL."""
    emulator = subprocess.Popen(
        [str(Path(sys.executable).parent / "airflow-ice"), "emulator", "--port", "0", "--job-seconds", "1"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert emulator.stdout is not None
    deadline = time.monotonic() + EMULATOR_START_SECONDS
    url = ""
    while not url and time.monotonic() < deadline and emulator.poll() is None:
        url = emulator.stdout.readline().strip()  # its one line, once it accepts connections
    if not url.startswith("http://127.0.0.1:"):
        emulator.kill()
        raise StepFailed(f"the emulator did not print its URL within {EMULATOR_START_SECONDS}s: {url!r}")
    return emulator, url


def documented_connection(cwd: Path, url: str) -> str:
    """docs/examples/emulator_connection.sh's connection, at the port this emulator got."""
    exported = run(
        ["bash", "-c", 'source ./emulator_connection.sh && printf %s "$AIRFLOW_CONN_ICE_DEFAULT"'], cwd=cwd
    )
    connection = json.loads(exported)
    connection["extra"]["endpoint"] = url
    return json.dumps(connection)


def dag_run_report() -> tuple[str, dict[str, str], Any]:
    """The DAG's one run: its state, its tasks' states and the cover task's XCom (metadata DB)."""
    from airflow.models import DagRun
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        runs = session.scalars(select(DagRun).where(DagRun.dag_id == DAG_ID)).all()
        if len(runs) != 1:
            raise StepFailed(f"expected one run of {DAG_ID}, found {runs}")
        (dag_run,) = runs
        states = {
            ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in dag_run.get_task_instances()
        }
        xcom = session.scalars(
            select(XComModel).where(
                XComModel.dag_id == DAG_ID,
                XComModel.run_id == dag_run.run_id,
                XComModel.task_id == "cover",
                XComModel.key == "return_value",
            )
        ).one_or_none()
        value = None if xcom is None else XComModel.deserialize_value(xcom)
        return str(getattr(dag_run.state, "value", dag_run.state)), states, value


def run_readme_dag(cwd: Path) -> None:
    """The README's DAG, end to end, against the installed emulator."""
    home = cwd / "airflow-home"
    dags = cwd / "dags"
    dags.mkdir()
    shutil.copy(cwd / "quickstart_dag.py", dags / "quickstart_dag.py")
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        }
    )
    os.environ.update(env)  # for the metadata DB reads below, made in this process
    check_config_options(env, cwd)
    run(["airflow", "db", "migrate"], cwd=cwd, env=env)
    emulator, url = start_emulator(cwd)
    try:
        env["AIRFLOW_CONN_ICE_DEFAULT"] = documented_connection(cwd, url)
        started = time.monotonic()
        run(["airflow", "dags", "test", DAG_ID], cwd=cwd, env=env, timeout=DAG_TEST_SECONDS)
        print(f"airflow dags test {DAG_ID}: exit 0 in {time.monotonic() - started:.0f}s")
        with urllib.request.urlopen(f"{url}/_emulator/counters", timeout=30) as answer:
            counters = json.load(answer)
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
    state, tasks, job = dag_run_report()
    if state != "success" or tasks != {"cover": "success"}:
        raise StepFailed(f"run {state}, tasks {tasks}")
    if not isinstance(job, dict) or job.get("status") != "Success" or not job["result"]["covers"]:
        raise StepFailed(f"the cover task's XCom is not a finished Cover job: {job!r}")
    if counters["jobs_submitted"] != {"SubmitIProductionJob": 1} or counters["auth_failures"]:
        raise StepFailed(f"the emulator saw {counters}; expected one signed SubmitIProductionJob")
    print(f"{DAG_ID}: {state}; job {job['job_id']} {job['status']}, {len(job['result']['covers'])} covers")
    print(f"emulator: jobs submitted {counters['jobs_submitted']}, requests {counters['requests']}")


def inside(checkout: Path) -> int:
    cwd = Path.cwd()
    try:
        check_metadata(checkout.resolve())
        run_readme_dag(cwd)
    except StepFailed as failed:
        print(f"FAILED: {failed}", file=sys.stderr)
        return 1
    print("the installed wheel runs the README's DAG against its emulator")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--airflow", default="apache-airflow>=3.3,<3.4", help="Airflow requirement")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (venv, logs)")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--checkout", default=str(CHECKOUT), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        return inside(Path(args.checkout))
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="airflow-ice-wheel-"))
    try:
        code = outside(args.airflow, work)
    except StepFailed as failed:
        print(f"FAILED: {failed}", file=sys.stderr)
        code = 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"test-wheel: {'passed' if code == 0 else 'FAILED'} in {time.monotonic() - started:.0f}s")
    return code


if __name__ == "__main__":
    sys.exit(main())
