"""Instructions and allocations per ICE query without I/O: a figure the machine's load does not move.

The hook's whole path runs (engine, signing, the shared transport's gate, outcome judging,
scrubbing, the job model) over a transport that answers every request with one canned
QueryIProductionJob answer, as the emulator writes it; ``bare`` is what the bare aiohttp client of
``bench_query_cost.py`` does besides I/O (sign with our signer, build the URL, ``json.loads``).
Each contender runs under valgrind's callgrind twice, with 0 and with ``--queries`` queries after
the same warm-up; the difference divided by the queries is its cost per query: instructions,
``PyObject_Malloc`` calls and GC-tracked objects made (``_PyObject_GC_Link``, what the young
collections count).

With ``--network`` the contenders are ``bench_query_cost.py``'s instead, over real HTTPS to the
bench emulator (a child process valgrind does not follow): the client's user-space instructions
per query, aiohttp and TLS included (the kernel's work is not counted).

Run: ``.venv/bin/python tests/benchmarks/bench_query_instructions.py`` (needs valgrind; about five
minutes; with ``--network`` about ten). ``--run MODE N`` runs one contender N times (what valgrind
runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ACCESS_KEY_ID = "AKIDbench0000000"
ACCESS_KEY_SECRET = "benchsecretbenchsecretbenchsecret"
ENDPOINT = "http://127.0.0.1:9"  # never connected to: the transport is canned
JOB_ID = "482036b4f08145acb0161768d29f866e"
ANSWER = json.dumps(
    {
        "RequestId": "9348AE70-50C1-474F-91D2-DB7B8B6C62F6",
        "JobId": JOB_ID,
        "FunctionName": "Cover",
        "Status": "Queuing",
        "CreateTime": "2026-12-04T10:18:40Z",
        "Input": {"Media": "oss://bench/in.mp4", "Type": "OSS"},
        "Output": {"Media": "oss://bench/out/", "Type": "OSS"},
        "OutputFiles": [],
        "OutputUrls": [],
        "OutputMediaIds": [],
    }
).encode()
MODES = ("bare", "acall", "query")
WARM_UP = 200
COUNTED = ("PyObject_Malloc", "_PyObject_GC_Link")


Drive = Callable[[str, int, Any, Any, str], Awaitable[None]]
"""What runs the queries of a contender: (mode, queries, the bare query, the hook, the job id)."""


async def run(mode: str, queries: int, drive: Drive | None = None) -> None:
    """Query the canned answer with the contender ``mode`` (``drive``: :func:`query_times` by default)."""
    from multidict import CIMultiDict, CIMultiDictProxy
    from yarl import URL

    from airflow_ice.client.config import ICE_API_VERSION
    from airflow_ice.client.pool import SHARED_CLIENTS
    from airflow_ice.client.signing import Credentials, sign_request
    from airflow_ice.client.transport import AnswerLimits
    from airflow_ice.client.wire import WireRequest, WireResponse
    from airflow_ice.hooks.ice import IceHook

    headers = CIMultiDictProxy(
        CIMultiDict({"Content-Type": "application/json;charset=utf-8", "Content-Length": str(len(ANSWER))})
    )

    class CannedTransport:
        async def send(self, request: WireRequest, limits: AnswerLimits) -> WireResponse:
            URL(request.url, encoded=True)  # as aiohttp takes it
            return WireResponse(200, "OK", headers, ANSWER)

        async def aclose(self) -> None:
            pass

    SHARED_CLIENTS._transport_factory = lambda *_: CannedTransport()  # type: ignore[assignment,return-value]
    hook = IceHook()
    credentials = Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET)

    async def bare(job_id: str) -> Any:
        signed = sign_request(
            action="QueryIProductionJob",
            version=ICE_API_VERSION,
            host=ENDPOINT.partition("://")[2],
            credentials=credentials,
            query={"JobId": job_id},
        )
        URL(f"{ENDPOINT}/?{signed.query_string}", encoded=True)
        return json.loads(ANSWER).get("Status")

    await (drive or query_times)(mode, queries, bare, hook, JOB_ID)
    await hook.aclose()


async def query_times(mode: str, queries: int, bare: Any, hook: Any, job_id: str) -> None:
    """Query ``job_id`` with the contender ``mode`` (``bare`` is the bare client's query), warmed up."""
    query = {
        "bare": bare,
        "acall": lambda job_id: hook.acall("QueryIProductionJob", {"JobId": job_id}),
        "query": hook.aquery_iproduction_job,
    }[mode]
    for _ in range(WARM_UP + queries):
        await query(job_id)


async def run_over_network(mode: str, queries: int) -> None:
    """``bench_query_cost.py``'s contenders against the bench emulator over HTTPS."""
    sys.path.insert(0, str(Path(__file__).parent))
    import bench_query_cost
    from bench_client import BareClient, Emulators

    from airflow_ice.hooks.ice import IceHook

    process, spec = bench_query_cost.start_emulator()
    try:
        bench_query_cost.connect(spec)
        hook = IceHook()
        job = {
            "function_name": "Cover",
            "input": {"Type": "OSS", "Media": "oss://bench/in.mp4"},
            "output": {"Type": "OSS", "Media": "oss://bench/out/"},
        }
        job_id = await hook.asubmit_iproduction_job(job)
        bare = BareClient(Emulators([spec]))
        await bare.open()
        await query_times(mode, queries, lambda job_id: bare.status(job_id, 0), hook, job_id)
        await bare.close()
        await hook.aclose()
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


def calls_of(callgrind_out: Path) -> dict[str, int]:
    """How many times each function of :data:`COUNTED` was called, from a callgrind output file."""
    names: dict[str, str] = {}
    totals = dict.fromkeys(COUNTED, 0)
    callee = None
    for line in callgrind_out.read_text(errors="replace").splitlines():
        found = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?", line)
        if found:
            if found.group(3):
                names[found.group(2)] = found.group(3)
            if found.group(1) == "cfn":
                callee = names.get(found.group(2))
        elif line.startswith("calls=") and callee in totals:
            totals[callee] += int(line[6:].split()[0])
    return totals


def measure(mode: str, queries: int, network: bool) -> dict[str, float]:
    """Instructions and counted calls per query of ``mode``, from two callgrind runs."""
    figures: list[dict[str, int]] = []
    for count in (0, queries):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "callgrind.out"
            done = subprocess.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    f"--callgrind-out-file={out}",
                    sys.executable,
                    __file__,
                    "--run",
                    mode,
                    str(count),
                    *(["--network"] if network else []),
                ],
                env={**os.environ, "PYTHONHASHSEED": "0"},
                capture_output=True,
                text=True,
                check=True,
            )
            collected = re.search(r"Collected : (\d+)", done.stderr)
            assert collected, done.stderr[-2000:]
            figures.append({"instructions": int(collected.group(1)), **calls_of(out)})
    return {key: (figures[1][key] - figures[0][key]) / queries for key in figures[0]}


def use_canned_connection() -> None:
    """Point the default ICE connection at the canned endpoint (never connected to)."""
    os.environ["AIRFLOW_CONN_ICE_DEFAULT"] = json.dumps(
        {
            "conn_type": "alibaba_ice",
            "login": ACCESS_KEY_ID,
            "password": ACCESS_KEY_SECRET,
            "extra": {"endpoint": ENDPOINT},
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=300, help="queries counted per contender")
    parser.add_argument("--run", nargs=2, metavar=("MODE", "N"), help="run one contender (under valgrind)")
    parser.add_argument("--network", action="store_true", help="real HTTPS to the bench emulator")
    args = parser.parse_args()
    use_canned_connection()
    if args.run:
        runner = run_over_network if args.network else run
        asyncio.run(runner(args.run[0], int(args.run[1])))
        return 0
    print(f"{'client':<10}{'instructions/query':>20}{'mallocs/query':>16}{'GC objects/query':>18}")
    for mode in MODES:
        per_query = measure(mode, args.queries, args.network)
        print(
            f"{mode:<10}{per_query['instructions']:>20,.0f}{per_query['PyObject_Malloc']:>16.0f}"
            f"{per_query['_PyObject_GC_Link']:>18.0f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
