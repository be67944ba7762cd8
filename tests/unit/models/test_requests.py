"""Request models: validation rules, error messages naming the field, and the exact wire parameters.

The official SDK (a test-only oracle) is run against a loopback HTTP server to capture what it
sends for the same request; ``to_query()``/``to_body()`` must produce the same parameters.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import pytest
from alibabacloud_ice20201109 import models as sdk_models
from alibabacloud_ice20201109.client import Client as SdkClient
from alibabacloud_tea_openapi import utils_models as sdk_config
from pydantic import ValidationError

from airflow_ice.errors import IceInvalidRequestError
from airflow_ice.models import (
    IPRODUCTION_FUNCTIONS,
    IProductionJobRequest,
    YikeStoryboardJobRequest,
    validate_request,
)

VALID_IPRODUCTION: dict[str, Any] = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://b/in.mp4"},
    "output": {"Type": "OSS", "Media": "oss://b/out/"},
}
VALID_YIKE: dict[str, Any] = {
    "file_url": "https://b.oss-cn-shanghai.aliyuncs.com/novel.txt",
    "source_type": "Novel",
    "shot_split_mode": "firstPersonNarration",
    "style_id": "RealisticPhotography",
}


def iproduction_error(**changes: Any) -> str:
    with pytest.raises(IceInvalidRequestError) as raised:
        validate_request(IProductionJobRequest, VALID_IPRODUCTION | changes)
    return str(raised.value)


def yike_error(**changes: Any) -> str:
    with pytest.raises(IceInvalidRequestError) as raised:
        validate_request(YikeStoryboardJobRequest, VALID_YIKE | changes)
    return str(raised.value)


# --- IProductionJobRequest ---------------------------------------------------------------------


def test_minimal_iproduction_query() -> None:
    request = validate_request(IProductionJobRequest, VALID_IPRODUCTION)

    assert request.to_query() == {
        "FunctionName": "Cover",
        "Input": '{"Media":"oss://b/in.mp4","Type":"OSS"}',
        "Output": '{"Media":"oss://b/out/","Type":"OSS"}',
    }


def test_full_iproduction_query_exact() -> None:
    request = validate_request(
        IProductionJobRequest,
        {
            "FunctionName": "VideoDetext",
            "Input": '{"Type": "Media", "Media": "media-1"}',
            "Output": {
                "type": "Media",
                "media": "media-2",
                "biz": "IMS",
                "output_url": "https://b.oss/画.mp4",
            },
            "Name": "去字幕",
            "JobParams": {"Model": "gif", "Lang": "中文"},
            "TemplateId": "tpl-1",
            "ModelId": "algo-video-detext-new",
            "ScheduleConfig": {"PipelineId": "p-1", "Priority": "7"},
            "UserData": {"tag": "run-1"},
        },
    )

    assert request.to_query() == {
        "FunctionName": "VideoDetext",
        "Input": '{"Media":"media-1","Type":"Media"}',
        "Output": '{"Biz":"IMS","Media":"media-2","OutputUrl":"https://b.oss/画.mp4","Type":"Media"}',
        "Name": "去字幕",
        "JobParams": '{"Model":"gif","Lang":"中文"}',
        "TemplateId": "tpl-1",
        "ModelId": "algo-video-detext-new",
        "ScheduleConfig": '{"PipelineId":"p-1","Priority":7}',
        "UserData": '{"tag":"run-1"}',
    }


def test_job_params_json_text_kept_as_given() -> None:
    request = validate_request(IProductionJobRequest, VALID_IPRODUCTION | {"job_params": '{"Model": "gif"}'})

    assert request.job_params == '{"Model": "gif"}'
    assert request.to_query()["JobParams"] == '{"Model": "gif"}'


def test_user_data_text_kept_as_given() -> None:
    request = validate_request(IProductionJobRequest, VALID_IPRODUCTION | {"user_data": "plain tag"})

    assert request.to_query()["UserData"] == "plain tag"


def test_unknown_function_names_the_field_and_lists_allowed() -> None:
    message = iproduction_error(function_name="Cuver")

    expected = "function_name (FunctionName): 'Cuver' is not an ICE IProduction function; allowed: Cover, "
    assert expected in message
    assert ", ".join(IPRODUCTION_FUNCTIONS) in message


@pytest.mark.parametrize("name", IPRODUCTION_FUNCTIONS)
def test_every_function_accepted(name: str) -> None:
    assert (
        validate_request(IProductionJobRequest, VALID_IPRODUCTION | {"function_name": name}).function_name
        == name
    )


def test_function_name_is_exact() -> None:
    assert "'cover' is not an ICE IProduction function" in iproduction_error(function_name="cover")


def test_input_type_must_be_oss_or_media() -> None:
    message = iproduction_error(input={"Type": "S3", "Media": "s3://b/x"})

    assert "input.type (Input.Type): Input should be 'OSS' or 'Media' (got 'S3')" in message


@pytest.mark.parametrize("media", ["", None])
def test_input_media_required_and_non_empty(media: str | None) -> None:
    message = iproduction_error(input={"Type": "OSS", "Media": media})

    assert "input.media (Input.Media):" in message


def test_input_media_missing() -> None:
    assert "input.media (Input.Media): required" in iproduction_error(input={"Type": "OSS"})


def test_input_and_output_required() -> None:
    with pytest.raises(IceInvalidRequestError) as raised:
        validate_request(IProductionJobRequest, {"function_name": "Cover"})
    assert "input (Input): required; output (Output): required" in str(raised.value)


def test_input_json_text_must_be_an_object() -> None:
    assert "is not a JSON object" in iproduction_error(input="oss://b/x.mp4")
    assert "is not a JSON object" in iproduction_error(input="[1, 2]")


def test_output_url_only_with_media_type() -> None:
    message = iproduction_error(output={"Type": "OSS", "Media": "oss://b/o/", "OutputUrl": "https://x"})

    assert (
        "output.output_url (Output.OutputUrl): OutputUrl is only allowed when Output.Type is 'Media'"
        in message
    )


def test_name_at_most_100_characters() -> None:
    assert (
        validate_request(IProductionJobRequest, VALID_IPRODUCTION | {"name": "名" * 100}).name == "名" * 100
    )
    assert "name (Name): String should have at most 100 characters" in iproduction_error(name="x" * 101)


def test_user_data_at_most_256_characters() -> None:
    assert validate_request(IProductionJobRequest, VALID_IPRODUCTION | {"user_data": "u" * 256}).user_data
    assert "user_data (UserData): String should have at most 256 characters" in iproduction_error(
        user_data="u" * 257
    )


@pytest.mark.parametrize("priority", [0, 11, "high"])
def test_priority_between_1_and_10(priority: object) -> None:
    message = iproduction_error(schedule_config={"PipelineId": "p", "Priority": priority})

    assert "schedule_config.priority (ScheduleConfig.Priority):" in message


@pytest.mark.parametrize("priority", [1, 10])
def test_priority_bounds_accepted(priority: int) -> None:
    request = validate_request(
        IProductionJobRequest, VALID_IPRODUCTION | {"schedule_config": {"Priority": priority}}
    )

    assert request.to_query()["ScheduleConfig"] == f'{{"Priority":{priority}}}'


def test_job_params_text_must_be_json() -> None:
    message = iproduction_error(job_params="Model=gif")

    assert (
        "job_params (JobParams): 'Model=gif' is not valid JSON text; give a dict or a JSON string" in message
    )


def test_unknown_keys_rejected_with_suggestion() -> None:
    message = iproduction_error(fucntion_name="Cover")

    expected = (
        "fucntion_name: unknown parameter (did you mean function_name?); allowed: function_name (Function"
    )
    assert expected + "Name), input (Input), output (Output)," in message


def test_unknown_nested_key_rejected() -> None:
    message = iproduction_error(input={"Type": "OSS", "Media": "oss://b/x", "Bucket": "b"})

    assert "input.Bucket: unknown parameter; allowed: type (Type), media (Media)" in message


def test_every_problem_reported_at_once() -> None:
    message = iproduction_error(function_name="Nope", name="n" * 101, user_data="u" * 300)

    assert message.startswith("Invalid IProductionJobRequest: ")
    assert message.count("; ") >= 2
    for field in ("function_name (FunctionName)", "name (Name)", "user_data (UserData)"):
        assert field in message


def test_direct_construction_raises_pydantic_error() -> None:
    with pytest.raises(ValidationError):
        IProductionJobRequest.model_validate(VALID_IPRODUCTION | {"function_name": "Cuver"})


def test_validate_request_passes_a_built_request_through() -> None:
    request = validate_request(IProductionJobRequest, VALID_IPRODUCTION)

    assert validate_request(IProductionJobRequest, request) is request


def test_validate_request_rejects_non_mapping() -> None:
    with pytest.raises(IceInvalidRequestError, match="expected a mapping of parameters, got list"):
        validate_request(IProductionJobRequest, [("function_name", "Cover")])  # type: ignore[arg-type]


# --- YikeStoryboardJobRequest -------------------------------------------------------------------


def test_minimal_yike_body_and_query() -> None:
    request = validate_request(YikeStoryboardJobRequest, VALID_YIKE)

    assert request.to_body() == {
        "FileURL": "https://b.oss-cn-shanghai.aliyuncs.com/novel.txt",
        "SourceType": "Novel",
        "ShotSplitMode": "firstPersonNarration",
        "StyleId": "RealisticPhotography",
    }
    assert request.to_query() == {}


def test_full_yike_query_exact() -> None:
    request = validate_request(
        YikeStoryboardJobRequest,
        VALID_YIKE
        | {
            "Title": "小说",
            "AspectRatio": "9:16",
            "Resolution": "1080P",
            "VideoModel": "wan2.6-r2v-flash",
            "ShotPromptMode": "multi",
            "NarrationVoiceId": "sys_YoungGracefulWoman",
            "ModelParams": {"AudioEnable": False},
            "ExecMode": "StoryboardOnly",
            "SkipFailureShot": False,
            "UserData": '{"NotifyAddress":"https://hooks.example/x"}',
        },
    )

    assert request.to_query() == {
        "Title": "小说",
        "AspectRatio": "9:16",
        "Resolution": "1080P",
        "VideoModel": "wan2.6-r2v-flash",
        "ShotPromptMode": "multi",
        "NarrationVoiceId": "sys_YoungGracefulWoman",
        "ModelParams": '{"AudioEnable":false}',
        "ExecMode": "StoryboardOnly",
        "SkipFailureShot": "False",
        "UserData": '{"NotifyAddress":"https://hooks.example/x"}',
    }
    assert set(request.to_body()) == {"FileURL", "SourceType", "ShotSplitMode", "StyleId"}


def test_skip_failure_shot_true() -> None:
    request = validate_request(YikeStoryboardJobRequest, VALID_YIKE | {"skip_failure_shot": True})

    assert request.to_query() == {"SkipFailureShot": "True"}


@pytest.mark.parametrize("field", ["file_url", "source_type", "shot_split_mode", "style_id"])
def test_yike_body_fields_are_optional_as_in_ices_reference(field: str) -> None:
    """ICE's API reference and the official SDK mark no SubmitYikeStoryboardJob parameter required:
    one left out is not sent; one given empty is refused, naming it."""
    data = dict(VALID_YIKE)
    del data[field]
    alias = YikeStoryboardJobRequest.model_fields[field].alias
    request = validate_request(YikeStoryboardJobRequest, data)
    assert alias not in request.to_body()
    assert set(request.to_body()) == {"FileURL", "SourceType", "ShotSplitMode", "StyleId"} - {alias}
    with pytest.raises(IceInvalidRequestError) as raised:
        validate_request(YikeStoryboardJobRequest, data | {field: ""})
    assert f"{field} ({alias})" in str(raised.value)


def test_title_at_most_128_utf8_bytes() -> None:
    assert validate_request(YikeStoryboardJobRequest, VALID_YIKE | {"title": "a" * 128}).title == "a" * 128
    # 43 CJK characters take 129 bytes: too long although only 43 characters.
    message = yike_error(title="字" * 43)
    assert "title (Title): " in message
    assert "takes 129 bytes in UTF-8; at most 128" in message


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("aspect_ratio", "21:9", "'16:9', '9:16', '4:3' or '3:4'"),
        ("resolution", "1K", "'720P', '1080P', '2K' or '4K'"),
        ("shot_prompt_mode", "single", "'multi' or 'default'"),
        ("exec_mode", "Partial", "'FullPipeline' or 'StoryboardOnly'"),
    ],
)
def test_yike_enumerated_fields(field: str, value: str, allowed: str) -> None:
    alias = YikeStoryboardJobRequest.model_fields[field].alias
    assert f"{field} ({alias}): Input should be {allowed} (got '{value}')" in yike_error(**{field: value})


@pytest.mark.parametrize("field", ["model_params", "user_data"])
def test_yike_json_text_fields_must_be_json(field: str) -> None:
    alias = YikeStoryboardJobRequest.model_fields[field].alias
    assert f"{field} ({alias}): 'AudioEnable=false' is not valid JSON text" in yike_error(
        **{field: "AudioEnable=false"}
    )


def test_yike_unknown_key_rejected() -> None:
    assert "tittle: unknown parameter (did you mean title?)" in yike_error(tittle="t")


# --- The official SDK as an oracle, over loopback HTTP -------------------------------------------


class _Capture(BaseHTTPRequestHandler):
    captured: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode()
        self.captured.append(
            {
                "query": dict(parse_qsl(urlsplit(self.path).query)),
                "body": dict(parse_qsl(body)) if body else {},
            }
        )
        payload = json.dumps({"RequestId": "r-1", "JobId": "j-1"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def sdk_client() -> Iterator[tuple[SdkClient, list[dict[str, Any]]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    _Capture.captured = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = sdk_config.Config(
        access_key_id="testid",
        access_key_secret="testsecret",
        endpoint=f"127.0.0.1:{server.server_address[1]}",
        protocol="http",
        region_id="cn-shanghai",
    )
    try:
        yield SdkClient(config), _Capture.captured
    finally:
        server.shutdown()
        server.server_close()


def test_iproduction_query_matches_official_sdk(sdk_client: tuple[SdkClient, list[dict[str, Any]]]) -> None:
    client, captured = sdk_client
    ours = validate_request(
        IProductionJobRequest,
        {
            "function_name": "VideoH2V",
            "input": {"type": "Media", "media": "media-1"},
            "output": {
                "Type": "Media",
                "Media": "media-2",
                "Biz": "IMS",
                "OutputUrl": "https://b.oss/輸出.mp4",
            },
            "name": "豎屏",
            "job_params": '{"Mode":"center"}',
            "template_id": "tpl",
            "model_id": "algo-x",
            "schedule_config": {"pipeline_id": "p", "priority": 3},
            "user_data": '{"k":"v"}',
        },
    )
    client.submit_iproduction_job(
        sdk_models.SubmitIProductionJobRequest(
            function_name="VideoH2V",
            input=sdk_models.SubmitIProductionJobRequestInput(type="Media", media="media-1"),
            output=sdk_models.SubmitIProductionJobRequestOutput(
                type="Media", media="media-2", biz="IMS", output_url="https://b.oss/輸出.mp4"
            ),
            name="豎屏",
            job_params='{"Mode":"center"}',
            template_id="tpl",
            model_id="algo-x",
            schedule_config=sdk_models.SubmitIProductionJobRequestScheduleConfig(pipeline_id="p", priority=3),
            user_data='{"k":"v"}',
        )
    )

    assert captured[0]["query"] == ours.to_query()
    assert captured[0]["body"] == {}


def test_yike_query_and_body_match_official_sdk(sdk_client: tuple[SdkClient, list[dict[str, Any]]]) -> None:
    client, captured = sdk_client
    params = VALID_YIKE | {
        "title": "標題",
        "aspect_ratio": "16:9",
        "resolution": "2K",
        "video_model": "wan2.6-r2v-flash",
        "shot_prompt_mode": "default",
        "narration_voice_id": "sys_YoungGracefulWoman",
        "model_params": '{"AudioEnable":false}',
        "exec_mode": "FullPipeline",
        "skip_failure_shot": True,
        "user_data": '{"NotifyAddress":"https://x"}',
    }
    ours = validate_request(YikeStoryboardJobRequest, params)
    client.submit_yike_storyboard_job(sdk_models.SubmitYikeStoryboardJobRequest(**params))

    assert captured[0]["query"] == ours.to_query()
    assert captured[0]["body"] == ours.to_body()
