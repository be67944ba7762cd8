"""OpenLineage events of real runs: the OpenLineage provider's own listener and file transport record
what every family's tasks (and a sensor) emit, success and failure, checked field by field against
what the ICE emulator itself answers about each job, and every event against the OpenLineage spec's
JSON schemas (vendored in tests/fixtures/openlineage-spec) and the ``ice_job`` facet's own schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from airflow_ice import __version__
from airflow_ice.emulator import IceEmulator
from tests.support.emulator import job_answer
from tests.support.family_cases import VIDEO_COGNITION
from tests.support.lineage import (
    BUCKET,
    CLIP,
    CONVERTED,
    MANIFEST,
    PREVIEW,
    RENDERED,
    RENDITIONS,
    SNAPSHOT_COUNT,
    TRANSCODED,
    VIDEO,
    LineageRuns,
    run_scenarios,
)
from tests.support.paths import REPO_ROOT

REPORTED = {"_producer", "_schemaURL"}  # every facet carries these two
ROOT = REPO_ROOT
SPEC = ROOT / "tests" / "fixtures" / "openlineage-spec"
FACET_SCHEMA = ROOT / "airflow_ice" / "lineage" / "schemas" / "IceJobRunFacet.json"
# This package's facets name it, at its version (not the OpenLineage provider).
PRODUCER = f"https://github.com/airflow-ice/airflow-ice/tree/{__version__}"
FACET_SCHEMA_URL = (
    "https://raw.githubusercontent.com/airflow-ice/airflow-ice/main/"
    "airflow_ice/lineage/schemas/IceJobRunFacet.json#/$defs/IceJobRunFacet"
)


def _schema(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


SCHEMAS = {
    name: _schema(path)
    for name, path in {
        "spec": SPEC / "OpenLineage.json",
        "externalQuery": SPEC / "ExternalQueryRunFacet.json",
        "errorMessage": SPEC / "ErrorMessageRunFacet.json",
        "ice_job": FACET_SCHEMA,
    }.items()
}
REGISTRY: Registry = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema)) for schema in SCHEMAS.values()
)


def validator(schema: dict[str, Any], pointer: str = "") -> Draft202012Validator:
    ref = {"$ref": f"{schema['$id']}#{pointer}"} if pointer else schema
    return Draft202012Validator(ref, registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER)


EVENT_SCHEMA = validator(SCHEMAS["spec"], "/$defs/RunEvent")
# Each facet file's top level describes the run facets object: {"externalQuery": {...}}.
FACET_SCHEMAS = {name: validator(SCHEMAS[name]) for name in ("externalQuery", "errorMessage", "ice_job")}


def check_against_schemas(event: dict[str, Any]) -> None:
    """The event is a valid RunEvent of the spec, and the facets we know validate against their schemas."""
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in EVENT_SCHEMA.iter_errors(event)]
    facets = event["run"].get("facets", {})
    for name, schema in FACET_SCHEMAS.items():
        if name in facets:
            errors += [f"{name}: {error.message}" for error in schema.iter_errors({name: facets[name]})]
    assert not errors, (event["eventType"], event["job"]["name"], errors)
    if "ice_job" in facets:
        assert facets["ice_job"]["_producer"] == PRODUCER
        assert facets["ice_job"]["_schemaURL"] == FACET_SCHEMA_URL
    if "externalQuery" in facets:
        assert facets["externalQuery"]["_producer"] == PRODUCER


@pytest.fixture
def emulator() -> Iterator[IceEmulator]:
    with IceEmulator(job_seconds=0.3) as running:
        yield running


def names(datasets: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(dataset["namespace"], dataset["name"]) for dataset in datasets]


def oss_dataset(url: str) -> tuple[str, str]:
    """The dataset of an OSS HTTPS address, worked out here: ``bucket.oss-<region>.aliyuncs.com/key``."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.hostname.endswith(".aliyuncs.com"), url
    return f"oss://{parts.hostname.split('.')[0]}", parts.path[1:]


def times(ice: dict[str, Any], start: str, finish: str) -> dict[str, Any]:
    """The facet's times: ICE's START and FINISH fields, and the seconds between them."""
    parse = lambda text: datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    return {
        "startTime": ice[start],
        "finishTime": ice[finish],
        "durationSeconds": (parse(ice[finish]) - parse(ice[start])).total_seconds(),
    }


def facet(event: dict[str, Any], name: str) -> dict[str, Any]:
    """A run facet without its producer and schema fields."""
    found = event["run"]["facets"][name]
    assert set(found) >= REPORTED
    return {key: value for key, value in found.items() if key not in REPORTED}


def only(events: dict[str, list[dict[str, Any]]], event_type: str) -> dict[str, Any]:
    assert len(events.get(event_type, [])) == 1, {kind: len(found) for kind, found in events.items()}
    return events[event_type][0]


def check_starts(events: dict[str, list[dict[str, Any]]], inputs: list, outputs: list, job: dict) -> None:
    """Every START (a deferred task starts again when it resumes) has the inputs, the requested outputs
    and the job's family, function and region; the job id is not known yet."""
    assert events["START"]
    for start in events["START"]:
        assert names(start["inputs"]) == inputs
        assert names(start["outputs"]) == outputs
        assert facet(start, "ice_job") == job
        assert "externalQuery" not in start["run"]["facets"]


def check_job_id(event: dict[str, Any], job_id: str) -> None:
    assert facet(event, "externalQuery") == {"externalQueryId": job_id, "source": "alibaba_ice"}


def run(emulator: IceEmulator, tmp_path: Path, *scenarios: str) -> LineageRuns:
    runs = run_scenarios(emulator, scenarios, tmp_path)
    assert runs.events, runs.output[-3000:]
    for event in runs.events:
        check_against_schemas(event)
    return runs


VIDEO_INPUT = [(f"oss://{BUCKET}", "incoming/interview.mp4")]
CAPTIONS_OUTPUT = [(f"oss://{BUCKET}", "processed/interview/captions.srt")]


def test_iproduction_success_and_failure(emulator: IceEmulator, tmp_path: Path) -> None:
    runs = run(emulator, tmp_path, "iproduction_success", "iproduction_failure")
    region = emulator.region
    requested = {"family": "IProduction", "function": "CaptionExtraction", "region": region}

    good = runs.runs["iproduction_success"]
    assert good.state == "success"
    assert good.job_id
    ice = job_answer(emulator, "QueryIProductionJob", good.job_id)
    events = runs.task_events("iproduction_success")
    assert "FAIL" not in events
    check_starts(events, VIDEO_INPUT, CAPTIONS_OUTPUT, requested)
    complete = only(events, "COMPLETE")
    assert names(complete["inputs"]) == VIDEO_INPUT
    assert ice["OutputUrls"]
    assert names(complete["outputs"]) == [oss_dataset(url) for url in ice["OutputUrls"]] == CAPTIONS_OUTPUT
    assert facet(complete, "ice_job") == {
        **requested,
        "jobId": ice["JobId"],
        "status": ice["Status"],
        **times(ice, "CreateTime", "FinishTime"),
    }
    assert ice["Status"] == "Success"
    check_job_id(complete, good.job_id)

    bad = runs.runs["iproduction_failure"]
    assert bad.state == "failed"
    assert bad.job_id
    ice = job_answer(emulator, "QueryIProductionJob", bad.job_id)
    events = runs.task_events("iproduction_failure")
    assert "COMPLETE" not in events
    failed_input = [(f"oss://{BUCKET}", "incoming/fail-interview.mp4")]
    check_starts(events, failed_input, CAPTIONS_OUTPUT, requested)
    fail = only(events, "FAIL")
    assert names(fail["inputs"]) == failed_input
    assert fail["outputs"] == []  # a failed job wrote nothing
    reported = facet(fail, "ice_job")
    error = reported.pop("errorMessage")
    assert reported == {
        **requested,
        "jobId": ice["JobId"],
        "status": "Fail",
        **times(ice, "CreateTime", "FinishTime"),
    }
    # ICE's own error (in the failed job's Result) is reported as it was sent.
    assert json.loads(ice["Result"])["ErrorCode"] == "InputMediaInvalid"
    assert error == f"IProduction job {bad.job_id} ended with status Fail; Result: {ice['Result']}"
    check_job_id(fail, bad.job_id)
    # Airflow's own error facet (the task's exception) names the job too.
    assert bad.job_id in facet(fail, "errorMessage")["message"]


def test_storyboard_success_and_failure(emulator: IceEmulator, tmp_path: Path) -> None:
    runs = run(emulator, tmp_path, "storyboard_success", "storyboard_failure")
    region = emulator.region
    requested = {"family": "Yike storyboard", "region": region}  # storyboards have no function

    good = runs.runs["storyboard_success"]
    assert good.state == "success"
    assert good.job_id
    ice = job_answer(emulator, "GetYikeStoryboardJob", good.job_id)
    novel = [(f"oss://{BUCKET}", "novels/chapter-01.txt")]
    events = runs.task_events("storyboard_success")
    check_starts(events, novel, [], requested)  # where the video goes is known only at the end
    complete = only(events, "COMPLETE")
    assert names(complete["inputs"]) == novel
    assert names(complete["outputs"]) == [oss_dataset(ice["JobResult"]["OutputUrl"])]
    # GetYikeStoryboardJob has no times: no times, no duration.
    assert facet(complete, "ice_job") == {**requested, "jobId": ice["JobId"], "status": ice["JobStatus"]}
    assert ice["JobStatus"] == "Succeeded"
    check_job_id(complete, good.job_id)

    bad = runs.runs["storyboard_failure"]
    assert bad.state == "failed"
    assert bad.job_id
    ice = job_answer(emulator, "GetYikeStoryboardJob", bad.job_id)
    events = runs.task_events("storyboard_failure")
    fail = only(events, "FAIL")
    assert "COMPLETE" not in events
    assert names(fail["inputs"]) == [(f"oss://{BUCKET}", "novels/fail-chapter.txt")]
    assert fail["outputs"] == []
    shots = json.loads(ice["JobResult"]["FailureShotList"])
    codes = sorted({shot["errorCode"] for shot in shots})
    assert codes == ["ShotGenerateFailed"]
    assert facet(fail, "ice_job") == {
        **requested,
        "jobId": bad.job_id,
        "status": "Failed",
        "errorMessage": f"Yike storyboard job {bad.job_id} ended with status Failed; failed shots: {len(shots)} (ShotGenerateFailed)",
    }
    check_job_id(fail, bad.job_id)


def test_ai_app_success_and_failure(emulator: IceEmulator, tmp_path: Path) -> None:
    runs = run(emulator, tmp_path, "ai_app_success", "ai_app_failure")
    region = emulator.region
    requested = {"family": "Yike AI app", "function": "highlight-reel", "region": region}
    # The OSS objects named in AppParams, in order.
    read = [(f"oss://{BUCKET}", "incoming/interview.mp4"), (f"oss://{BUCKET}", "covers/best.jpg")]

    good = runs.runs["ai_app_success"]
    assert good.state == "success"
    assert good.job_id
    ice = job_answer(emulator, "GetYikeAIAppJob", good.job_id)
    events = runs.task_events("ai_app_success")
    check_starts(events, read, [], requested)
    complete = only(events, "COMPLETE")
    assert names(complete["inputs"]) == read
    result = ice["Result"]
    written = [
        item["OutputUrl"] for kind in ("VideoResult", "ImageResult", "AudioResult") for item in result[kind]
    ]
    assert result["VideoResult"]
    assert names(complete["outputs"]) == [oss_dataset(url) for url in written]
    assert facet(complete, "ice_job") == {
        **requested,
        "jobId": ice["JobId"],
        "status": "Finished",
        **times(ice, "ExecutionStartTime", "ExecutionFinishTime"),
    }
    check_job_id(complete, good.job_id)

    bad = runs.runs["ai_app_failure"]
    assert bad.state == "failed"
    assert bad.job_id
    ice = job_answer(emulator, "GetYikeAIAppJob", bad.job_id)
    events = runs.task_events("ai_app_failure")
    fail = only(events, "FAIL")
    assert "COMPLETE" not in events
    assert names(fail["inputs"]) == read
    assert fail["outputs"] == []
    assert facet(fail, "ice_job") == {
        **requested,
        "jobId": bad.job_id,
        "status": ice["Status"],
        **times(ice, "ExecutionStartTime", "ExecutionFinishTime"),
        "errorMessage": f"Yike AI app job {bad.job_id} ended with status Failed",
    }
    assert ice["Status"] == "Failed"
    check_job_id(fail, bad.job_id)


def test_sensor_reports_the_job_it_waited_for(emulator: IceEmulator, tmp_path: Path) -> None:
    runs = run(emulator, tmp_path, "sensor_success")
    sensed = runs.runs["sensor_success"]
    assert sensed.state == "success"
    assert sensed.job_id
    ice = job_answer(emulator, "QueryIProductionJob", sensed.job_id)
    events = runs.task_events("sensor_success")
    for start in events["START"]:
        assert facet(start, "ice_job") == {
            "family": "IProduction",
            "jobId": sensed.job_id,
            "region": emulator.region,
        }
    complete = only(events, "COMPLETE")
    assert complete["inputs"] == []  # ICE's job answer does not say what the job read
    assert names(complete["outputs"]) == [oss_dataset(url) for url in ice["OutputUrls"]] == CAPTIONS_OUTPUT
    assert facet(complete, "ice_job") == {
        "family": "IProduction",
        "function": ice["FunctionName"],
        "region": emulator.region,
        "jobId": sensed.job_id,
        "status": "Success",
        **times(ice, "CreateTime", "FinishTime"),
    }
    check_job_id(complete, sensed.job_id)


def test_the_facet_schema_ships_in_the_package_at_its_stable_address() -> None:
    """The facet's ``_schemaURL`` is the packaged file's address in the repository, and that file's ``$id``."""
    schema = SCHEMAS["ice_job"]
    address, _, pointer = FACET_SCHEMA_URL.partition("#")
    assert schema["$id"] == address
    assert address.endswith("/main/" + FACET_SCHEMA.relative_to(ROOT).as_posix())
    assert validator(schema, pointer).is_valid(
        {"_producer": PRODUCER, "_schemaURL": FACET_SCHEMA_URL, "family": "Snapshot"}
    )
    # The schema checks the fields: a consumer can tell a wrong one.
    assert not validator(schema, pointer).is_valid(
        {"_producer": PRODUCER, "_schemaURL": FACET_SCHEMA_URL, "family": "Snapshot", "durationSeconds": "3"}
    )
    assert not validator(schema, pointer).is_valid({"_producer": PRODUCER, "_schemaURL": FACET_SCHEMA_URL})


def test_the_facet_schema_names_every_family_and_takes_a_declared_one() -> None:
    """A family module's jobs report their family by name (the schema's examples list each); a
    family declared in a DAG reports the name it was given, which the schema takes too."""
    from airflow_ice.families import all_families

    schema, pointer = SCHEMAS["ice_job"], "/$defs/IceJobRunFacet"
    properties = schema["$defs"]["IceJobRunFacet"]["allOf"][1]["properties"]
    assert set(properties["family"]["examples"]) == {family.name for family in all_families().values()}
    facet = {"_producer": PRODUCER, "_schemaURL": FACET_SCHEMA_URL}
    assert validator(schema, pointer).is_valid({**facet, "family": VIDEO_COGNITION.name})
    assert not validator(schema, pointer).is_valid({**facet, "family": ""})


def test_newer_families_report_what_each_job_read_and_wrote(emulator: IceEmulator, tmp_path: Path) -> None:
    """Inputs and outputs of media producing, convert, snapshot, animated image, media info, smart
    tagging, media censor, transcode and packaging jobs come from each family's declaration: what the
    request names, what the finished job reports."""
    scenarios = (
        "media_producing_success",
        "media_convert_success",
        "snapshot_success",
        "dynamic_image_success",
        "media_info_success",
        "smarttag_success",
        "media_censor_success",
        "transcode_success",
        "package_success",
    )
    runs = run(emulator, tmp_path, *scenarios)
    video = [(f"oss://{BUCKET}", "incoming/interview.mp4")]
    preview = oss_address(PREVIEW)
    expected = {
        # scenario: (family, get action, inputs, outputs at START, outputs at COMPLETE)
        "media_producing_success": (
            "Media producing",
            [oss_dataset(CLIP)],
            [oss_dataset(RENDERED)],
            [oss_dataset(RENDERED)],
        ),
        "media_convert_success": (
            "Media convert",
            video,
            [(f"oss://{BUCKET}", "processed/interview.mp4")],
            None,
        ),
        "snapshot_success": (
            "Snapshot",
            video,
            [],  # numbered files: named only once the job says how many
            [(f"oss://{BUCKET}", f"processed/snap-{n:05d}.jpg") for n in range(1, SNAPSHOT_COUNT + 1)],
        ),
        # Asked for the image's address; done, ICE's OutputUrl (the same object over HTTPS).
        "dynamic_image_success": ("Animated image", video, [preview], [preview]),
        "media_info_success": ("Media info", video, [], []),
        "smarttag_success": ("Smart tagging", video, [], []),
        # The results file is named by the job id: known only once the job is.
        "media_censor_success": ("Media censor", video, [], None),
        # The sub-job's FileUrl (its HTTPS address) names the file the request asked for.
        "transcode_success": ("Transcode", video, [oss_address(TRANSCODED)], [oss_address(TRANSCODED)]),
        # Every rendition in; the manifest asked for, then ICE's OutputUrl (the same object over HTTPS).
        "package_success": (
            "Packaging",
            [oss_address(media) for media in RENDITIONS],
            [oss_address(MANIFEST)],
            [oss_address(MANIFEST)],
        ),
    }
    assert VIDEO.endswith("incoming/interview.mp4")
    assert CONVERTED.endswith("processed/interview.mp4")
    for scenario, (family, inputs, requested, written) in expected.items():
        done = runs.runs[scenario]
        assert done.state == "success", scenario
        events = runs.task_events(scenario)
        assert events["START"], scenario
        for start in events["START"]:
            assert names(start["inputs"]) == inputs, scenario
            assert names(start["outputs"]) == requested, scenario
        complete = only(events, "COMPLETE")
        assert names(complete["inputs"]) == inputs, scenario
        if scenario == "media_censor_success":
            written = [(f"oss://{BUCKET}", f"censor/{done.job_id}.output")]
        if written is None:  # convert: the URLs ICE reports for the written files
            urls = runs_output_urls(emulator, done.job_id)
            assert urls, scenario
            written = [oss_dataset(url) if url.startswith("https://") else oss_address(url) for url in urls]
        assert names(complete["outputs"]) == written, scenario
        reported = facet(complete, "ice_job")
        assert reported["family"] == family, scenario
        assert reported["jobId"] == done.job_id, scenario
        check_job_id(complete, str(done.job_id))


def runs_output_urls(emulator: IceEmulator, job_id: str | None) -> list[str]:
    """The written files of a convert job, from the emulator's own answer."""
    answer = job_answer(emulator, "GetMediaConvertJob", str(job_id))
    job = answer.get("Job", answer)
    return [
        detail["Result"]["OutputFile"]["Url"]
        for detail in job.get("OutputDetails", [])
        if detail.get("Result", {}).get("OutputFile", {}).get("Url")
    ]


def oss_address(url: str) -> tuple[str, str]:
    bucket, _, key = url.removeprefix("oss://").partition("/")
    return f"oss://{bucket}", key
