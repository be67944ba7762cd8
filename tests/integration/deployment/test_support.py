"""The pieces of the deployment test (``tests/integration/deployment``), on their own: the emulator's
read-only dropped connections, the proofs, the trigger-table watch, process handling, the DAG and
the Airflow environment. The deployment itself runs with ``make test-deployment``."""

from __future__ import annotations

import base64
import json
import os
import sys
import time
import urllib.parse
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from airflow_ice.emulator import IceEmulator
from airflow_ice.emulator.faults import FaultConfig, FaultInjector
from airflow_ice.errors import IceAnswerLostError
from airflow_ice.hooks.ice import IceHook
from tests.integration.deployment import job_truth, proofs, settings, tasks
from tests.integration.deployment.airflow_api import TaskInstanceRecord
from tests.integration.deployment.metadata_db import TriggerRow, decrypt_kwargs
from tests.integration.deployment.processes import (
    ProcessRegistry,
    descendants_of,
    is_running,
    pids_with_marker,
    process_cmdline,
)
from tests.integration.deployment.secret_forms import SecretSearch
from tests.integration.deployment.settings import (
    DAG_ID,
    DAGS_FOLDER,
    IN_WORKER_TASK_ID,
    REPO_ROOT,
    SNAPSHOT_TASK_ID,
    STORYBOARD_TASK_ID,
    Deadline,
    DeadlineExceeded,
    Options,
    Secrets,
    airflow_environment,
)
from tests.integration.deployment.trigger_watch import EXPECTED_KWARGS, TriggerWatch

READS = ["QueryIProductionJob", "GetYikeStoryboardJob", "CancelIProductionJob"]
COVER_JOB = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/in.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/out/"},
}


# Emulator: dropped connections for some actions only


def test_drop_actions_limit_dropped_connections_to_those_actions() -> None:
    injector = FaultInjector(FaultConfig(drop_rate=1.0, drop_actions=READS), seed=1)
    assert {injector.plan("QueryIProductionJob").reject for _ in range(20)} == {"drop"}
    assert {injector.plan("SubmitIProductionJob").reject for _ in range(20)} == {None}


def test_drop_actions_leave_the_other_faults_on_every_action() -> None:
    config = FaultConfig(drop_rate=0.5, unavailable_rate=0.5, drop_actions=READS)
    injector = FaultInjector(config, seed=7)
    submits = Counter(injector.plan("SubmitIProductionJob").reject for _ in range(2000))
    reads = Counter(injector.plan("QueryIProductionJob").reject for _ in range(2000))
    assert "drop" not in submits
    assert 800 < submits["unavailable"] < 1200  # the submit's draw skips the drop share
    assert 800 < reads["drop"] < 1200
    assert 800 < reads["unavailable"] < 1200


def test_drop_actions_unset_drops_every_action() -> None:
    injector = FaultInjector(FaultConfig(drop_rate=1.0), seed=1)
    assert injector.plan("SubmitIProductionJob").reject == "drop"


def test_drop_actions_over_http_submit_succeeds_and_query_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    with IceEmulator(job_seconds=30) as ice:
        response = httpx.post(
            f"{ice.url}/_emulator/faults", json={"drop_rate": 1.0, "drop_actions": ["QueryIProductionJob"]}
        )
        assert response.json()["config"]["drop_actions"] == ["QueryIProductionJob"]
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", ice.connection_json(max_retries=0))
        with IceHook() as hook:
            job_id = hook.submit_iproduction_job(COVER_JOB)
            with pytest.raises(IceAnswerLostError):
                hook.query_iproduction_job(job_id)
        counters = ice.counters()
        assert counters.jobs_submitted["SubmitIProductionJob"] == 1
        assert counters.faults["drop"] == 1


def test_drop_actions_must_be_a_list_of_names() -> None:
    with IceEmulator() as ice:
        response = httpx.post(f"{ice.url}/_emulator/faults", json={"drop_actions": 5})
        assert response.status_code == 422


# Proofs


SECRETS = {"AccessKey Secret": "deploy/secret+" + "x" * 30, "STS token": "deploy+sts/token=" + "y" * 40}
SEARCH = SecretSearch(SECRETS)


@pytest.mark.parametrize(
    "form",
    [
        lambda s: s,
        lambda s: s[len(s) // 2 - 8 : len(s) // 2 + 8],
        lambda s: base64.b64encode(s.encode()).decode(),
        lambda s: base64.b64encode(("k=" + s).encode()).decode(),  # another alignment
        lambda s: base64.urlsafe_b64encode(("xy" + s + "!").encode()).decode(),
        lambda s: s.encode().hex(),
        lambda s: "\\x" + s.encode().hex(),  # pg_dump's bytea
        lambda s: urllib.parse.quote(s, safe=""),
        lambda s: urllib.parse.quote_plus(s),
        lambda s: json.dumps(s),
        lambda s: s.replace("/", "\\/"),
    ],
)
def test_secret_search_finds_every_form(form: Any) -> None:
    secret = SECRETS["AccessKey Secret"]
    assert SEARCH.hits(f"password={form(secret)};".encode()) == ["AccessKey Secret"]
    assert SEARCH.hits(b"password=***") == []


def test_secret_search_finds_request_signatures() -> None:
    v3, v1 = "ab" * 32, "7RJoYG+YH3X9oqwn+2gu4ODmygM="
    search = SecretSearch(SECRETS, frozenset({v3, v1}))
    assert search.hits(f"Authorization: ACS3-HMAC-SHA256 ...,Signature={v3}".encode()) == [
        "request signature"
    ]
    assert search.hits(f"Signature={v1}&".encode()) == ["request signature"]
    assert search.hits(("cd" * 32).encode()) == []  # a digest that is no signature seen


def test_prove_no_secrets_in_files(tmp_path: Path) -> None:
    (tmp_path / "logs" / "a").mkdir(parents=True)
    (tmp_path / "logs" / "a" / "clean.log").write_text("Submitted job 1 with password ***\n")
    files = proofs.files_under([tmp_path / "logs"])
    assert proofs.prove_no_secrets_in_files("task logs", files, SEARCH).passed
    token = SECRETS["STS token"]
    (tmp_path / "logs" / "a" / "leak.log").write_text(f"token {base64.b64encode(token.encode()).decode()}\n")
    proof = proofs.prove_no_secrets_in_files("task logs", proofs.files_under([tmp_path / "logs"]), SEARCH)
    assert not proof.passed
    assert "leak.log: STS token" in proof.detail


def test_prove_no_secrets_needs_something_to_search() -> None:
    proof = proofs.prove_no_secrets("XCom", {}, SEARCH)
    assert proof.ok
    assert not proof.precondition_met
    assert not proof.passed
    assert "DID NOT OCCUR" in proof.line()
    assert not proofs.prove_no_secrets_in_files("task logs", [], SEARCH).passed


WARNING_LINE = (
    "2026-12-01T22:52:00.015282Z [info     ] Triggerer's async thread was blocked for 0.37 seconds, "
    "exceeding the configured warning threshold of 0.20 seconds.\n"
)
WARNED_AT = 1796165520.0  # 2026-12-01T22:52:00Z


def test_prove_loop_never_blocked(tmp_path: Path) -> None:
    quiet = tmp_path / "triggerer-a.log"
    quiet.write_text("2026-12-01T22:51:55.305041Z [info     ] Starting the triggerer\n")
    assert proofs.prove_loop_never_blocked([quiet], [], ["triggerer-a"], 10).passed
    warned = tmp_path / "triggerer-b.log"
    warned.write_text(WARNING_LINE)
    logs, watched = [quiet, warned], ["triggerer-a", "triggerer-b"]
    # The loop thread waited 0.3 s of the 0.37 s for a CPU: the machine was starved, no code held it.
    starved = [proofs.LoopStall("triggerer-b", WARNED_AT + 1, 0.37, 0.30)]
    proof = proofs.prove_loop_never_blocked(logs, starved, watched, 10)
    assert proof.passed, proof.line()
    assert "explained by CPU starvation" in proof.detail
    # On CPU (or holding the GIL, a lock) for 0.3 s: blocked.
    held = [proofs.LoopStall("triggerer-b", WARNED_AT, 0.37, 0.07)]
    proof = proofs.prove_loop_never_blocked(logs, held, watched, 10)
    assert not proof.passed
    assert "BLOCKED: triggerer-b 0.37s" in proof.detail
    # A warning that no measured stall explains fails too.
    proof = proofs.prove_loop_never_blocked(
        logs, [proofs.LoopStall("triggerer-a", WARNED_AT, 0.37, 0.3)], watched, 10
    )
    assert not proof.passed
    assert "no measured stall explains" in proof.detail
    # Preconditions: every runner watched, triggers ran.
    assert not proofs.prove_loop_never_blocked(logs, starved, ["triggerer-a"], 10).passed
    assert not proofs.prove_loop_never_blocked([quiet], [], ["triggerer-a"], 0).passed
    assert not proofs.prove_loop_never_blocked([], [], [], 10).passed


def test_read_loop_watch(tmp_path: Path) -> None:
    path = tmp_path / "loop-watch-triggerer-a-restarted-4242.jsonl"
    records = [
        {"time": "2026-12-01T22:52:00", "kind": "start", "pid": 4242},
        {"time": "2026-12-01T22:52:00", "kind": "stall", "wall_seconds": 0.37, "loop_runqueue_seconds": 0.3},
        {"time": "2026-12-01T22:52:30", "kind": "summary"},
        # The whole process paused: the helper thread woke 0.12 s late, 0.11 s of it on a run queue.
        {
            "time": "2026-12-01T22:52:40",
            "kind": "pause",
            "wall_seconds": 0.12,
            "helper_runqueue_seconds": 0.11,
        }
        | {"helper_cpu_seconds": 0.0, "loop_runqueue_seconds": 0.1, "loop_cpu_seconds": 0.0},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    watched, stalls = proofs.read_loop_watch([path])
    assert watched == ["triggerer-a-restarted"]
    assert stalls == [
        proofs.LoopStall("triggerer-a-restarted", WARNED_AT, 0.37, 0.3),
        proofs.LoopStall("triggerer-a-restarted", WARNED_AT + 40, 0.12, 0.11),
    ]


def test_a_stall_just_long_enough_for_airflows_watchdog_counts_as_blocked(tmp_path: Path) -> None:
    """Airflow warns when its 0.1 s sleep takes over 0.2 s: a loop held 0.12 s is blocked."""
    quiet = tmp_path / "triggerer-a.log"
    quiet.write_text("")
    held = [proofs.LoopStall("triggerer-a", WARNED_AT, 0.12, 0.0)]
    assert not proofs.prove_loop_never_blocked([quiet], held, ["triggerer-a"], 10).passed
    short = [proofs.LoopStall("triggerer-a", WARNED_AT, 0.09, 0.0)]
    assert proofs.prove_loop_never_blocked([quiet], short, ["triggerer-a"], 10).passed


def test_blocked_loop_message_is_the_one_airflow_logs() -> None:
    import airflow.jobs.triggerer_job_runner as runner

    assert proofs.BLOCKED_LOOP_MESSAGE in Path(runner.__file__).read_text()


def outcome(
    state: str = "success", tries: int = 1, jobs: tuple[str, ...] = ("j",), returned: str | None = "j"
) -> Any:
    return proofs.TaskOutcome(state, tries, jobs, returned)


def test_prove_answer_faults() -> None:
    planned = {"iproduction[4]": "unreadable_answer:empty", "storyboard[1]": "unreadable_answer:no_job_id"}
    fired = dict(planned)
    failed_once = {
        "iproduction[4]": outcome("failed", 1, ("j4",), None),
        "storyboard[1]": outcome(jobs=("s1",), returned="s1"),
    }
    proof = proofs.prove_answer_faults("unreadable 200", planned, fired, failed_once)
    assert proof.passed, proof.line()
    # What today's hook does: Airflow's retry submits a second paid job.
    resubmitted = {**failed_once, "iproduction[4]": outcome("success", 2, ("j4", "j5"), "j5")}
    proof = proofs.prove_answer_faults("unreadable 200", planned, fired, resubmitted)
    assert not proof.passed
    assert "SUBMITTED AGAIN or wrong: iproduction[4]" in proof.detail
    # A retry that returns another job than its one job is wrong too.
    other = {**failed_once, "storyboard[1]": outcome(jobs=("s1",), returned="s9")}
    assert not proofs.prove_answer_faults("unreadable 200", planned, fired, other).passed
    # The fault did not fire on one task: the proof proves nothing.
    unfired = proofs.prove_answer_faults("unreadable 200", planned, {"iproduction[4]": "x"}, failed_once)
    assert unfired.ok
    assert not unfired.passed


def test_prove_other_tasks_unaffected() -> None:
    outcomes = {"a[0]": outcome(), "a[1]": outcome("failed", 1, ("x",), None), "w": outcome(tries=2)}
    assert proofs.prove_other_tasks_unaffected(outcomes, ["a[1]"], ["w"]).passed
    assert not proofs.prove_other_tasks_unaffected(outcomes, [], ["w"]).passed
    retried = {**outcomes, "a[0]": outcome(tries=2)}
    proof = proofs.prove_other_tasks_unaffected(retried, ["a[1]"], ["w"])
    assert not proof.passed
    assert "a[0]=success, try 2" in proof.detail


def test_prove_one_job_per_task() -> None:
    outcomes = {"a[0]": outcome(jobs=("j1",)), "a[1]": outcome(jobs=("j2",))}
    assert proofs.prove_one_job_per_task(outcomes, [], 2, 2).passed
    twice = {**outcomes, "a[1]": outcome(jobs=("j2", "j3"))}
    assert not proofs.prove_one_job_per_task(twice, [], 3, 2).passed
    assert not proofs.prove_one_job_per_task(outcomes, ["stray"], 3, 2).passed
    assert not proofs.prove_one_job_per_task(outcomes, [], 3, 2).passed  # counters disagree
    assert not proofs.prove_one_job_per_task(outcomes, [], 2, 3).passed  # a task instance is missing


def listed_jobs(running: int = 1, finished: int = 1, count: int = 10) -> list[proofs.ListedJob]:
    return [proofs.ListedJob(f"snapshot[{i}]", outcome(), running, finished) for i in range(count)]


def prove_list(
    jobs: list[proofs.ListedJob],
    list_calls: int = 40,
    waits: tuple[float, ...] = (100.0,) * 10,
    stats: proofs.PollerStats | None = None,
    items_complete: bool = False,
) -> proofs.Proof:
    return proofs.prove_list_checks(
        "snapshot",
        jobs,
        list_calls,
        waits,
        15.0,
        5.0,
        stats or proofs.PollerStats(),
        calls_per_round=2,
        share_of_gets=0.5,
        items_complete=items_complete,
    )


def test_prove_list_checks() -> None:
    # 10 triggers waited 100 s each: polled one by one at 15 s, then every 5 s: 18 Gets each.
    proof = prove_list(listed_jobs(), stats=proofs.PollerStats(2, 20, 40, 10, 200))
    assert proof.passed, proof.line()
    assert "that is 180 Gets" in proof.detail
    assert "40 list calls (0.22 of them" in proof.detail
    assert "2.00 per round" in proof.detail
    assert "10.0 jobs per round" in proof.detail
    # A trigger read a running job with its Get (beyond the worker's check at once).
    assert "READ WHILE RUNNING" in prove_list(listed_jobs(running=2)).detail
    assert not prove_list(listed_jobs(running=2)).passed
    # A finished job read twice, or a succeeded job whose Get never came (its list item lacks fields).
    assert not prove_list(listed_jobs(finished=2)).passed
    assert not prove_list(listed_jobs(finished=0)).passed
    # A family whose list items are complete needs no Get at all.
    assert prove_list(listed_jobs(finished=0), items_complete=True).passed
    assert not prove_list(listed_jobs(finished=1), items_complete=True).passed
    # A failed task (submit fault) whose job nobody waited for: not read, fine.
    failed = proofs.ListedJob("snapshot[10]", outcome(state="failed"), 0, 0)
    assert prove_list([*listed_jobs(), failed]).passed
    # Lists no cheaper than half of per-job polling, or more list calls per round than statuses.
    assert prove_list(listed_jobs(), list_calls=90).passed
    assert not prove_list(listed_jobs(), list_calls=91).passed
    assert not prove_list(listed_jobs(), stats=proofs.PollerStats(1, 10, 21, 10, 100)).passed
    assert not prove_list(listed_jobs(), stats=proofs.PollerStats(1, 10, 20, 10, 30)).passed  # 3 jobs a round
    # Nothing waited, nothing listed, nothing succeeded: proves nothing.
    assert not prove_list(listed_jobs(), waits=()).passed
    assert not prove_list(listed_jobs(), list_calls=0).passed
    assert not prove_list([failed]).passed


def test_read_poller_stats_reads_the_pollers_lines_in_any_log_form() -> None:
    line = (
        "Shared ICE poller stopped (Snapshot jobs, connection 'ice_default'): 12 rounds, 24 list calls, "
        "0 batch calls, 30 single calls, 300 checks."
    )
    task_log = json.dumps({"timestamp": "2026-12-04T08:00:00Z", "event": line, "level": "debug"})
    other = line.replace("Snapshot", "Media info")
    stats = proofs.read_poller_stats([f"x\n{task_log}\n", f"2026-12-04 [debug] {line}\n{other}"], "Snapshot")
    assert stats == proofs.PollerStats(pollers=2, rounds=24, list_calls=48, single_calls=60, checks=600)
    from airflow_ice.triggers.batching import POLLER_STATS_MESSAGE

    assert line.startswith(POLLER_STATS_MESSAGE)


def emulated_pairs(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[Any, Any, Any]]:
    """Real jobs of the deployment's kinds, run by the real hook against the emulator: label ->
    (the hook's to_xcom(), the emulator's record answer, what the task asked)."""
    from tests.support.emulator import ManualClock

    clock = ManualClock(time.time())
    labels = [tasks.label("iproduction", i) for i in range(5)] + ["storyboard[2]", "storyboard[7]"]
    labels += [tasks.label(tasks.SNAPSHOT_TASK_ID, i) for i in range(3)]
    with IceEmulator(job_seconds=1, clock=clock) as ice:
        monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", ice.connection_json())
        with IceHook() as hook:
            submitted = {}
            for item in labels:
                asked = tasks.asked(item)
                if item.startswith("storyboard"):
                    wire = {v: k for k, v in tasks.STORYBOARD_WIRE_NAMES.items()}
                    submitted[item] = hook.submit_yike_storyboard_job({wire[k]: v for k, v in asked.items()})
                elif item.startswith(tasks.SNAPSHOT_TASK_ID):
                    submitted[item] = hook.submit_snapshot_job(asked)
                else:
                    submitted[item] = hook.submit_iproduction_job(asked)
            clock.advance(5)
            records = {r["JobId"]: r for r in ice.jobs()}
            pairs = {}
            for item, job_id in submitted.items():
                job: Any
                if item.startswith("storyboard"):
                    job = hook.get_yike_storyboard_job(job_id)
                elif item.startswith(tasks.SNAPSHOT_TASK_ID):
                    job = hook.get_snapshot_job(job_id)
                else:
                    job = hook.query_iproduction_job(job_id)
                record = records[job_id]
                assert tasks.label_of_job(record["Answer"]) == item
                pairs[item] = (json.loads(json.dumps(job.to_xcom())), record["Answer"], tasks.asked(item))
    return pairs


def test_prove_xcoms_match_records_on_real_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = emulated_pairs(monkeypatch)
    proof = proofs.prove_xcoms_match_records(pairs)
    assert proof.passed, proof.line()
    assert not proofs.prove_xcoms_match_records({}).passed


@pytest.mark.parametrize(
    ("label", "break_it", "field"),
    [
        (
            "iproduction[0]",
            lambda x: x["result"]["covers"][0].pop("score"),
            "result values",
        ),  # a dropped value
        ("iproduction[3]", lambda x: x["result"]["channels"][1].pop("worst_mos"), "result values"),
        ("iproduction[1]", lambda x: x["result"]["segments"][0].update(end=1.0), "result values"),
        ("iproduction[0]", lambda x: x["output_urls"].pop(), "output_urls"),
        ("iproduction[2]", lambda x: x.update(finish_time=None), "finish_time"),
        ("storyboard[2]", lambda x: x["storyboard_info_list"][0].pop("sub_status"), "storyboard_info_list"),
        ("storyboard[7]", lambda x: x.update(output_url=None), "output_url"),
        ("snapshot[0]", lambda x: x.update(output_url=None), "output_url"),  # the one image's URL
        ("snapshot[1]", lambda x: x.update(count=1), "count"),
        ("snapshot[2]", lambda x: x.update(finish_time=None), "finish_time"),
    ],
)
def test_prove_xcoms_match_records_catches_a_parser_that_drops_a_field(
    monkeypatch: pytest.MonkeyPatch, label: str, break_it: Any, field: str
) -> None:
    pairs = emulated_pairs(monkeypatch)
    break_it(pairs[label][0])
    proof = proofs.prove_xcoms_match_records(pairs)
    assert not proof.passed
    assert f"{label}: {field}" in proof.detail


def test_prove_xcoms_match_records_checks_what_was_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = emulated_pairs(monkeypatch)
    xcom, answer, asked = pairs["iproduction[4]"]
    pairs["iproduction[4]"] = (
        xcom,
        answer,
        {**asked, "input": {"Type": "OSS", "Media": "oss://other/x.mp4"}},
    )
    assert "iproduction[4]: input asked" in proofs.prove_xcoms_match_records(pairs).detail
    xcom, answer, asked = pairs["snapshot[1]"]
    other = {**asked["template_config"], "OverwriteParams": {"Type": "Normal", "Count": 9}}
    pairs["snapshot[1]"] = (xcom, answer, {**asked, "template_config": other})
    assert "snapshot[1]: settings asked" in proofs.prove_xcoms_match_records(pairs).detail


def test_job_truth_reads_doubly_escaped_lists() -> None:
    assert job_truth.json_value('"[\\"st_1\\"]"') == ["st_1"]
    assert job_truth.leaves({"a": "1.50", "b": [2, {"c": "x"}], "d": None}) == job_truth.leaves(
        ["x", 1.5, "2"]
    )


# The deployment's tasks


def test_planned_answer_faults_hit_distinct_deferrable_tasks() -> None:
    planned = tasks.planned_answer_faults(200, 20, 40)
    assert len({f.task_label for f in planned}) == len(planned) == 10
    assert {tasks.family_of(f.task_label) for f in planned} == {"iproduction", "storyboard", "snapshot"}
    assert {f.scripted()["action"] for f in planned} == set(tasks.SUBMIT_ACTIONS.values())
    assert {f.recorded_as for f in planned} >= {
        "lose_response",
        "unreadable_answer:not_json",
        "unreadable_answer:truncated",
        "unreadable_answer:empty",
        "unreadable_answer:no_job_id",
        "unreadable_answer:non_string_job_id",
    }
    assert all(f.task_label != tasks.IN_WORKER_TASK_ID for f in planned)
    for fault in planned:
        # Each fault's text is carried by its task's submit only.
        carriers = [
            item
            for item in [tasks.label("iproduction", i) for i in range(200)]
            + [tasks.label("storyboard", i) for i in range(20)]
            + [tasks.label("snapshot", i) for i in range(40)]
            if fault.match in json.dumps(tasks.asked(item))
        ]
        assert carriers == [fault.task_label]
    small = tasks.planned_answer_faults(3, 1, 1)
    assert len({f.task_label for f in small}) == len(small)


def test_label_of_job() -> None:
    assert (
        tasks.label_of_job({"Input": {"Media": tasks.iproduction_kwargs(17)["input"]["Media"]}})
        == "iproduction[17]"
    )
    assert tasks.label_of_job({"JobParams": {"FileURL": tasks.storyboard_file_url(4)}}) == "storyboard[4]"
    assert tasks.label_of_job({"Input": tasks.IN_WORKER_KWARGS["input"]}) == tasks.IN_WORKER_TASK_ID
    assert tasks.label_of_job({"Input": {"Media": "oss://elsewhere/x.mp4"}}) is None
    snapshot = {"SnapshotJob": {"Input": tasks.snapshot_kwargs(12)["input"]}}
    assert tasks.label_of_job(snapshot) == "snapshot[12]"
    assert tasks.label_of_job({"SnapshotJob": {"Input": {"Media": "oss://elsewhere/x.mp4"}}}) is None


# The trigger table


def row(trigger_id: int, owner: int | None, kwargs: dict[str, object] | None = None) -> TriggerRow:
    data = kwargs or {"job_id": f"job-{trigger_id}", "ice_conn_id": "ice_default", "poll_interval": 5.0}
    return TriggerRow(
        trigger_id, "airflow_ice.triggers.iproduction.IceIProductionJobTrigger", owner, json.dumps(data)
    )


def test_decrypt_kwargs_reads_what_airflow_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.models import crypto
    from airflow.models.trigger import Trigger

    def forget_fernet() -> None:
        if hasattr(crypto.get_fernet, "cache_clear"):  # Airflow 3.3
            crypto.get_fernet.cache_clear()
        else:  # Airflow 3.1
            monkeypatch.setattr(crypto, "_fernet", None)

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", key)
    forget_fernet()
    try:
        stored = Trigger.encrypt_kwargs({"job_id": "j1", "poll_interval": 5.0, "deadline": None})
    finally:
        monkeypatch.delenv("AIRFLOW__CORE__FERNET_KEY")
        forget_fernet()
    assert not stored.startswith("{")  # really encrypted
    trigger = TriggerRow(
        1, "airflow_ice.triggers.iproduction.IceIProductionJobTrigger", 2, decrypt_kwargs(stored, key)
    )
    assert trigger.kwargs == {"job_id": "j1", "poll_interval": 5.0, "deadline": None}


def test_trigger_watch_checks_kwargs() -> None:
    watch = TriggerWatch(SEARCH)
    watch.observe([row(1, 2), row(2, None)])
    assert watch.proof_kwargs().ok
    watch.observe([row(3, 2, {"job_id": "j3", "password": SECRETS["AccessKey Secret"]})])
    proof = watch.proof_kwargs()
    assert not proof.ok
    assert "trigger 3: AccessKey Secret" in proof.detail
    assert "password" in proof.detail
    assert "password" not in EXPECTED_KWARGS


def test_trigger_watch_follows_a_killed_triggerers_triggers() -> None:
    watch = TriggerWatch(SEARCH)
    watch.observe([row(1, 10), row(2, 10), row(3, 11)])
    killed = watch.triggerer_killed(10)
    assert killed.held == {1, 2}
    watch.observe([row(1, 10), row(2, 11), row(3, 11)])
    assert not watch.proof_failover({10: "triggerer-a", 11: "triggerer-b"}).ok  # 1 still on the dead one
    watch.observe([row(2, 11), row(3, 11)])  # 1 fired and left the table
    proof = watch.proof_failover({10: "triggerer-a", 11: "triggerer-b"})
    assert proof.ok
    assert "picked up by {'triggerer-b': 1}" in proof.detail
    assert "1 fired" in proof.detail
    assert watch.moves == []


def test_trigger_watch_notes_moves_between_live_triggerers() -> None:
    watch = TriggerWatch(SEARCH)
    watch.observe([row(1, 10)])
    watch.observe([row(1, 11)])
    assert watch.moves == ["trigger 1: 10 -> 11"]


def test_trigger_watch_adds_up_how_long_each_class_of_trigger_waited() -> None:
    now = [100.0]
    watch = TriggerWatch(SEARCH, clock=lambda: now[0])
    snapshot = TriggerRow(
        7, "airflow_ice.triggers.snapshot.IceSnapshotJobTrigger", 1, json.dumps({"job_id": "s"})
    )
    watch.observe([row(1, 10), snapshot])
    now[0] = 112.0
    watch.observe([row(1, 10), snapshot])
    now[0] = 130.0
    watch.observe([row(1, 10)])
    assert watch.waited(snapshot.classpath) == [12.0]
    assert watch.waited("airflow_ice.triggers.iproduction.IceIProductionJobTrigger") == [30.0]
    assert watch.waited("other") == []


def test_expected_kwargs_are_what_the_triggers_store() -> None:
    from airflow_ice.triggers.iproduction import IceIProductionJobTrigger
    from airflow_ice.triggers.snapshot import IceSnapshotJobTrigger

    for trigger_class in (IceIProductionJobTrigger, IceSnapshotJobTrigger):
        _, kwargs = trigger_class(job_id="j", created_at=1.0).serialize()
        assert set(kwargs) <= EXPECTED_KWARGS


def test_trigger_watch_without_a_kill_proves_nothing() -> None:
    assert not TriggerWatch(SEARCH).proof_failover({}).ok


# Processes


def test_registry_stops_process_groups_and_kills_leftovers(tmp_path: Path) -> None:
    marker = uuid.uuid4().hex
    registry = ProcessRegistry(marker)
    # A parent that ignores SIGTERM and leaves a child in another session: only the sweep gets it.
    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    process = registry.start(
        "stubborn", [sys.executable, "-c", script], env=dict(os.environ), log_path=tmp_path / "p.log"
    )
    deadline = time.monotonic() + 20
    while "ready" not in (tmp_path / "p.log").read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    children = descendants_of(os.getpid())
    assert process.pid in children
    assert len(pids_with_marker(marker)) == 2
    assert "time.sleep(60)" in process_cmdline(process.pid)
    registry.stop_all(grace_seconds=0.5)
    assert not process.alive()
    leftovers = pids_with_marker(marker)
    assert len(leftovers) == 1  # the child in its own session
    # Only the marker here: the sweep of descendants would also reach the test runner's children.
    # (A set: on a busy machine the child may outlive the helper's first look and be killed twice.)
    assert set(registry.kill_leftovers(include_descendants=False)) == set(leftovers)
    deadline = time.monotonic() + 20
    while any(is_running(pid) for pid in leftovers):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_registry_niceness(tmp_path: Path) -> None:
    registry = ProcessRegistry(uuid.uuid4().hex)
    process = registry.start(
        "nice",
        [sys.executable, "-c", "import os; print(os.nice(0))"],
        env=dict(os.environ),
        log_path=tmp_path / "n.log",
        niceness=7,
    )
    process.popen.wait(timeout=20)
    # The OS caps niceness at 19 (a suite run under nice may already be near it).
    assert (tmp_path / "n.log").read_text().strip() == str(min(os.nice(0) + 7, 19))


def test_deadline() -> None:
    # Far deadlines where the test must not reach them, a short one slept well past where it must.
    deadline = Deadline(600)
    deadline.check("starting")
    with pytest.raises(TimeoutError):
        deadline.wait_for("waiting", lambda: False, limit=0.01, interval=0.005)
    calls = iter([False, False, True])
    deadline.wait_for("waiting", lambda: next(calls), limit=600, interval=0.001)  # returns once true
    short = Deadline(0.01)
    time.sleep(0.05)
    with pytest.raises(DeadlineExceeded):
        short.check("late")
    with pytest.raises(DeadlineExceeded):  # never waits past the deadline
        short.wait_for("waiting", lambda: False, limit=600, interval=0.001)


# The DAG, the Airflow environment, the API records


@pytest.mark.real_expected_durations
def test_deployment_dag_has_the_tasks_the_script_expects(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow < 3.2
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

    monkeypatch.setenv("ICE_DEPLOYMENT_IPRODUCTION_TASKS", "7")
    monkeypatch.setenv("ICE_DEPLOYMENT_STORYBOARD_TASKS", "3")
    monkeypatch.setenv("ICE_DEPLOYMENT_SNAPSHOT_TASKS", "4")
    bag = DagBag(dag_folder=str(DAGS_FOLDER))  # conftest turns the example DAGs off
    assert bag.import_errors == {}
    dag = bag.dags[DAG_ID]
    assert {task.task_id for task in dag.tasks} == {
        "iproduction",
        STORYBOARD_TASK_ID,
        SNAPSHOT_TASK_ID,
        IN_WORKER_TASK_ID,
    }
    iproduction: Any = dag.get_task("iproduction")
    storyboard: Any = dag.get_task(STORYBOARD_TASK_ID)
    snapshot: Any = dag.get_task(SNAPSHOT_TASK_ID)
    in_worker: Any = dag.get_task(IN_WORKER_TASK_ID)
    assert len(iproduction.expand_input.value) == 7
    assert len(storyboard.expand_input.value["file_url"]) == 3
    assert snapshot.expand_input.value == [tasks.snapshot_kwargs(i) for i in range(4)]
    assert iproduction.partial_kwargs["deferrable"] is True
    assert snapshot.partial_kwargs["deferrable"] is True
    assert (in_worker.deferrable, in_worker.retries) == (False, 2)
    # The risky path: deferrable tasks with retries, so a resubmit would pay twice.
    assert iproduction.partial_kwargs["retries"] >= 2
    assert storyboard.partial_kwargs["retries"] >= 2
    assert snapshot.partial_kwargs["retries"] >= 2
    # The list family: its triggers are checked with lists.
    from airflow_ice.families.snapshot import EXPECTED_SECONDS
    from airflow_ice.triggers.shared_poll import ListCheckedJobTrigger

    assert EXPECTED_SECONDS == settings.LIST_FIRST_POLL_SECONDS
    trigger_class = snapshot.operator_class.trigger_class
    assert issubclass(trigger_class, ListCheckedJobTrigger)
    assert f"{trigger_class.__module__}.{trigger_class.__qualname__}" == settings.LIST_TRIGGER_CLASS


def test_airflow_environment_is_loopback_local_executor_and_holds_no_ice_secret(tmp_path: Path) -> None:
    options = Options(
        timeout=60,
        iproduction_tasks=200,
        storyboard_tasks=20,
        snapshot_tasks=40,
        parallelism=4,
        keep=False,
        seed=1,
    )
    env = airflow_environment(
        {"PATH": "/usr/bin"},
        home=tmp_path,
        database_url="postgresql+psycopg2://airflow@127.0.0.1:5/airflow",
        api_port=8123,
        fernet_key="k",
        options=options,
    )
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(DAGS_FOLDER)
    assert env["AIRFLOW__LOGGING__LOGGING_LEVEL"] == "INFO"
    assert env["AIRFLOW__LOGGING__NAMESPACE_LEVELS"] == "airflow_ice=DEBUG"  # the secret search reads it all
    assert str(REPO_ROOT) in env["PYTHONPATH"].split(
        os.pathsep
    )  # the DAG imports tests/integration/deployment/tasks.py
    assert env["ICE_DEPLOYMENT_IPRODUCTION_TASKS"] == "200"
    assert env["ICE_DEPLOYMENT_SNAPSHOT_TASKS"] == "40"
    assert options.total_tasks == 261
    secrets = Secrets.generate()
    assert not any(value in env.values() for value in secrets.to_search().values())
    assert secrets.access_key_secret not in repr(secrets)


def test_task_instance_record_from_api() -> None:
    record = TaskInstanceRecord.from_api(
        {"task_id": "iproduction", "map_index": 4, "state": "deferred", "try_number": 1, "pid": 42}
    )
    assert record.label == "iproduction[4]"
    assert record.pid == 42
    unmapped = TaskInstanceRecord.from_api({"task_id": "t", "map_index": -1, "state": None, "try_number": 0})
    assert unmapped.label == "t"
    assert unmapped.state == ""
