"""The emulated Yike AI-app actions over real HTTP: lifecycle, result shapes, conventions, the batch
limit, counters, and the official SDK (a client no one here wrote) against them."""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from alibabacloud_ice20201109 import models as ice_models
from alibabacloud_ice20201109.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from Tea.exceptions import TeaException

from airflow_ice.emulator.cli import add_emulator_options, emulator_kwargs
from airflow_ice.emulator.server import IceEmulator
from airflow_ice.models import YikeAIAppJob
from tests.support.dags import emulator_record
from tests.support.emulator import KEY_ID, KEY_SECRET, ManualClock, call, error_code, ok

JOB_SECONDS = 10.0
ICE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
APP_PARAMS = '{"LoadImage.1.TargetImage":"oss://media-bucket/in/face.png","Prompt":"sunset"}'


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(time.time())


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[IceEmulator]:
    with IceEmulator(
        access_key_id=KEY_ID, access_key_secret=KEY_SECRET, job_seconds=JOB_SECONDS, clock=clock
    ) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


def submit(
    client: httpx.Client, emulator: IceEmulator, app_params: str | None = APP_PARAMS, **body: str
) -> str:
    form = {"AppId": "app-highlights", **body}
    if app_params is not None:
        form["AppParams"] = app_params
    return str(ok(call(client, emulator, "SubmitYikeAIAppJob", body=form))["JobId"])


def get(client: httpx.Client, emulator: IceEmulator, job_id: str) -> dict[str, Any]:
    return ok(call(client, emulator, "GetYikeAIAppJob", {"JobId": job_id}))


def batch(client: httpx.Client, emulator: IceEmulator, *job_ids: str) -> httpx.Response:
    return call(client, emulator, "BatchGetYikeAIAppJob", {"JobIds": ",".join(job_ids)})


def test_lifecycle_and_documented_shape(
    emulator: IceEmulator, clock: ManualClock, client: httpx.Client
) -> None:
    job_id = submit(client, emulator, FolderId="folder-1", ProductionId="prod-1")

    statuses = []
    for _ in range(4):
        statuses.append(get(client, emulator, job_id)["Status"])
        clock.advance(JOB_SECONDS * 0.2)
    assert statuses == ["Created", "Queuing", "Executing", "Executing"]
    running = get(client, emulator, job_id)
    assert "ExecutionFinishTime" not in running
    assert "Result" not in running

    clock.advance(JOB_SECONDS)
    body = get(client, emulator, job_id)

    assert set(body) == {
        "RequestId", "JobId", "AppId", "AppParams", "FolderId", "ProductionId", "Status",
        "ExecutionStartTime", "ExecutionFinishTime", "Result",
    }  # fmt: skip
    assert body["Status"] == "Finished"
    assert body["AppParams"] == APP_PARAMS
    assert (body["FolderId"], body["ProductionId"]) == ("folder-1", "prod-1")
    assert ICE_TIME.match(body["ExecutionStartTime"])
    assert ICE_TIME.match(body["ExecutionFinishTime"])
    assert body["ExecutionStartTime"] < body["ExecutionFinishTime"]
    result = body["Result"]
    assert set(result) == {"AudioResult", "ImageResult", "VideoResult"}
    assert len(result["VideoResult"]) == 1
    for item in result["VideoResult"] + result["ImageResult"] + result["AudioResult"]:
        assert set(item) == {"MediaId", "OutputUrl"}
        assert re.fullmatch(r"[0-9a-f]{32}", item["MediaId"])
        # Outputs land in the bucket the app read its input from.
        assert item["OutputUrl"].startswith(
            f"https://media-bucket.oss-cn-shanghai.aliyuncs.com/yike-ai-app/{job_id}/"
        )
    assert YikeAIAppJob.from_response(body).parse_warnings == []


def test_results_are_deterministic_per_input(
    emulator: IceEmulator, clock: ManualClock, client: httpx.Client
) -> None:
    first, second = submit(client, emulator), submit(client, emulator)
    clock.advance(JOB_SECONDS)

    def shape(job_id: str) -> list[int]:
        result = get(client, emulator, job_id)["Result"]
        return [len(result[kind]) for kind in ("AudioResult", "ImageResult", "VideoResult")]

    assert shape(first) == shape(second)
    assert (
        get(client, emulator, first)["Result"]["VideoResult"][0]["MediaId"]
        == (get(client, emulator, second)["Result"]["VideoResult"][0]["MediaId"])
    )


@pytest.mark.parametrize("app_params", ['{"Prompt":"fail please"}', '{"Image":"invalid.png"}'])
def test_failure_convention(
    emulator: IceEmulator, clock: ManualClock, client: httpx.Client, app_params: str
) -> None:
    job_id = submit(client, emulator, app_params)
    clock.advance(JOB_SECONDS)

    body = get(client, emulator, job_id)

    assert body["Status"] == "Failed"
    assert "Result" not in body
    assert "ExecutionFinishTime" in body


def test_batch_get_lists_known_jobs_with_app_input_config(
    emulator: IceEmulator, clock: ManualClock, client: httpx.Client
) -> None:
    ids = [submit(client, emulator) for _ in range(3)]
    clock.advance(JOB_SECONDS)

    body = ok(batch(client, emulator, ids[2], "no-such-job", ids[0], ids[1], ids[0]))

    assert set(body) == {"RequestId", "JobList"}
    listed = body["JobList"]
    assert [item["JobId"] for item in listed] == [ids[2], ids[0], ids[1]]
    for item in listed:
        # As the official SDK describes batch items: the parameters under AppInputConfig.
        assert item["AppInputConfig"] == APP_PARAMS
        assert "AppParams" not in item
        single = get(client, emulator, item["JobId"])
        assert item["Result"] == single["Result"]
        assert item["Status"] == single["Status"] == "Finished"


def test_unlisted_jobs_are_left_out_of_batches_only(emulator: IceEmulator, client: httpx.Client) -> None:
    listed, unlisted = submit(client, emulator), submit(client, emulator, '{"Note":"unlisted"}')

    body = ok(batch(client, emulator, listed, unlisted))

    assert [item["JobId"] for item in body["JobList"]] == [listed]
    assert get(client, emulator, unlisted)["JobId"] == unlisted


def test_batch_limit_answers_invalid_parameter(emulator: IceEmulator, client: httpx.Client) -> None:
    ids = [submit(client, emulator) for _ in range(21)]

    assert len(ok(batch(client, emulator, *ids[:20]))["JobList"]) == 20
    response = batch(client, emulator, *ids)

    assert error_code(response) == (400, "InvalidParameter")
    assert "JobIds" in response.json()["Message"]
    assert "at most 20" in response.json()["Message"]
    assert emulator.counters().errors["InvalidParameter"] == 1


def test_batch_limit_is_configurable() -> None:
    limited = IceEmulator(access_key_id=KEY_ID, access_key_secret=KEY_SECRET, ai_app_batch_limit=2)
    with limited as emulator, httpx.Client() as client:
        ids = [submit(client, emulator) for _ in range(3)]
        assert error_code(batch(client, emulator, *ids)) == (400, "InvalidParameter")
        assert len(ok(batch(client, emulator, *ids[:2]))["JobList"]) == 2
    parser = add_emulator_options(argparse.ArgumentParser())
    assert emulator_kwargs(parser.parse_args(["--ai-app-batch-limit", "50"]))["ai_app_batch_limit"] == 50
    assert emulator_kwargs(parser.parse_args([]))["ai_app_batch_limit"] == 20
    with pytest.raises(ValueError, match="ai_app_batch_limit"):
        IceEmulator(ai_app_batch_limit=0)


@pytest.mark.parametrize(
    ("action", "query", "body", "code"),
    [
        ("SubmitYikeAIAppJob", None, {"AppParams": "{}"}, "MissingAppId"),
        ("SubmitYikeAIAppJob", None, {"AppId": "a", "AppParams": "{oops"}, "InvalidParameter"),
        ("SubmitYikeAIAppJob", None, {"AppId": "a", "AppParams": "[1]"}, "InvalidParameter"),
        ("GetYikeAIAppJob", {}, None, "MissingJobId"),
        ("BatchGetYikeAIAppJob", {}, None, "MissingJobIds"),
        ("BatchGetYikeAIAppJob", {"JobIds": " , "}, None, "InvalidParameter"),
        ("PrecheckYikeAIAppJob", {"AppParams": "{}"}, None, "MissingAppId"),
    ],
)
def test_parameter_errors(
    emulator: IceEmulator,
    client: httpx.Client,
    action: str,
    query: dict[str, str] | None,
    body: dict[str, str] | None,
    code: str,
) -> None:
    assert error_code(call(client, emulator, action, query, body)) == (400, code)
    assert emulator.counters().jobs_submitted["SubmitYikeAIAppJob"] == 0


def test_unknown_job_is_job_not_found(emulator: IceEmulator, client: httpx.Client) -> None:
    assert error_code(call(client, emulator, "GetYikeAIAppJob", {"JobId": "nope"})) == (404, "JobNotFound")


def test_precheck_convention(emulator: IceEmulator, client: httpx.Client) -> None:
    good = ok(call(client, emulator, "PrecheckYikeAIAppJob", {"AppId": "a", "AppParams": APP_PARAMS}))
    bad = ok(
        call(
            client,
            emulator,
            "PrecheckYikeAIAppJob",
            {"AppId": "a", "AppParams": '{"Prompt":"ok","Image":"invalid.png","Steps":{"n":"INVALID"}}'},
        )
    )

    assert (good["Status"], good["Result"]) == ("Success", [])
    assert bad["Status"] == "Failed"
    assert bad["Result"] == [
        {"Key": "Image", "ErrorCode": "InvalidValue"},
        {"Key": "Steps", "ErrorCode": "InvalidValue"},
    ]
    assert emulator.counters().jobs_submitted == {}  # a precheck creates nothing


def test_counters_per_action(emulator: IceEmulator, client: httpx.Client) -> None:
    job_id = submit(client, emulator)
    get(client, emulator, job_id)
    batch(client, emulator, job_id)
    batch(client, emulator, job_id)
    call(client, emulator, "PrecheckYikeAIAppJob", {"AppId": "a"})

    counters = emulator.counters()
    assert counters.requests == {
        "SubmitYikeAIAppJob": 1,
        "GetYikeAIAppJob": 1,
        "BatchGetYikeAIAppJob": 2,
        "PrecheckYikeAIAppJob": 1,
    }
    assert counters.jobs_submitted == {"SubmitYikeAIAppJob": 1}
    health = client.get(f"{emulator.url}/_emulator/health").json()
    assert {"SubmitYikeAIAppJob", "GetYikeAIAppJob", "BatchGetYikeAIAppJob", "PrecheckYikeAIAppJob"} <= set(
        health["actions"]
    )


def test_reset_forgets_ai_app_jobs(emulator: IceEmulator, client: httpx.Client) -> None:
    job_id = submit(client, emulator)
    emulator.reset()

    assert error_code(call(client, emulator, "GetYikeAIAppJob", {"JobId": job_id})) == (404, "JobNotFound")


# The official SDK: where it puts each parameter (body or query) and how it reads the answers.


def sdk_client(emulator: IceEmulator) -> Client:
    config = open_api_models.Config(
        access_key_id=KEY_ID,
        access_key_secret=KEY_SECRET,
        endpoint=emulator.endpoint,
        protocol="http",
        region_id="cn-shanghai",
    )
    return Client(config)


def test_official_sdk_against_the_emulator(emulator: IceEmulator, clock: ManualClock) -> None:
    sdk = sdk_client(emulator)

    submitted = sdk.submit_yike_aiapp_job(
        ice_models.SubmitYikeAIAppJobRequest(
            app_id="app-highlights", app_params=APP_PARAMS, folder_id="folder-1", production_id="prod-1"
        )
    )
    job_id = submitted.body.job_id
    precheck = sdk.precheck_yike_aiapp_job(
        ice_models.PrecheckYikeAIAppJobRequest(app_id="app-highlights", app_params='{"X":"invalid"}')
    )
    clock.advance(JOB_SECONDS)
    got = sdk.get_yike_aiapp_job(ice_models.GetYikeAIAppJobRequest(job_id=job_id)).body
    listed = sdk.batch_get_yike_aiapp_job(ice_models.BatchGetYikeAIAppJobRequest(job_ids=job_id)).body

    assert precheck.body.status == "Failed"
    assert precheck.body.result[0].key == "X"
    assert got.status == "Finished"
    assert got.app_params == APP_PARAMS
    assert got.folder_id == "folder-1"
    assert got.result.video_result[0].output_url.startswith("https://media-bucket.")
    (item,) = listed.job_list
    assert item.job_id == job_id
    assert item.app_input_config == APP_PARAMS
    assert item.result.video_result[0].media_id == got.result.video_result[0].media_id
    record = emulator_record(emulator, job_id)
    assert (record.folder_id, record.production_id) == ("folder-1", "prod-1")


def test_official_sdk_sees_the_batch_limit_error(emulator: IceEmulator) -> None:
    ids = ",".join(f"job-{n}" for n in range(21))

    with pytest.raises(TeaException) as raised:
        sdk_client(emulator).batch_get_yike_aiapp_job(ice_models.BatchGetYikeAIAppJobRequest(job_ids=ids))

    assert raised.value.code == "InvalidParameter"
    assert "JobIds" in json.dumps(raised.value.data)
