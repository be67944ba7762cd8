"""The hook reads a media censor job's frames a page at a time, against the emulator over real HTTP."""

from __future__ import annotations

import time

import pytest

from airflow_ice.emulator import IceEmulator
from airflow_ice.hooks.ice import IceHook


@pytest.mark.parametrize("emulated_ice", [{"job_seconds": 0.2}], indirect=True)
def test_every_frame_is_read_page_by_page(emulated_ice: IceEmulator) -> None:
    with IceHook() as hook:
        job_id = hook.submit_media_censor_job(
            {
                "input": {"Type": "OSS", "Media": "oss://b/in/review.mp4"},
                "output": "oss://b/censor/f-{Count}.jpg",
            }
        )
        time.sleep(0.3)
        first = hook.query_media_censor_job_detail(job_id)
        assert first.succeeded
        assert first.to_xcom()["suggestion"] == "review"
        assert first.video_result is not None
        everything = [frame.object for frame in first.video_result.frames]
        assert first.video_result.next_page_token is None  # ICE's default page holds them all

        pages = []
        token = None
        while True:
            page = hook.query_media_censor_job_detail(job_id, maximum_page_size=3, next_page_token=token)
            assert page.video_result is not None
            pages.append([frame.object for frame in page.video_result.frames])
            token = page.video_result.next_page_token
            if token is None:
                break
    assert pages == [everything[:3], everything[3:]]
    assert everything == [f"censor/f-{n:05d}.jpg" for n in range(1, 5)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"maximum_page_size": 0}, "maximum_page_size"),
        ({"maximum_page_size": 301}, "maximum_page_size"),
        ({"maximum_page_size": True}, "maximum_page_size"),
        ({"next_page_token": " "}, "next_page_token"),
    ],
)
def test_bad_page_arguments_send_nothing(
    emulated_ice: IceEmulator, kwargs: dict[str, object], message: str
) -> None:
    with IceHook() as hook, pytest.raises(ValueError, match=message):
        hook.query_media_censor_job_detail("job-1", **kwargs)  # type: ignore[arg-type]
    assert emulated_ice.counters().requests["QueryMediaCensorJobDetail"] == 0
