"""A trigger's poll reaches the engine in three calls: ``run`` -> ``apoll_job`` (judges the outcome)
-> ``IceHook.aget_job(family, job_id)`` -> ``IceClient.aread``; no lambdas, no per-family method.
(A lone trigger: a family ICE lists by status is checked by the shared poller instead.)"""

from __future__ import annotations

import inspect
import time
from typing import Any

import pytest

from airflow_ice.client.engine import IceClient
from airflow_ice.emulator import IceEmulator
from airflow_ice.triggers.dynamic_image import IceDynamicImageJobTrigger
from tests.support.family_cases import DYNAMIC_IMAGE


async def test_the_trigger_poll_reaches_the_engine_in_three_calls(
    emulated_ice: IceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = DYNAMIC_IMAGE.submit_job()
    paths: list[list[str]] = []
    real_aread = IceClient.aread

    async def recording_aread(self: IceClient, *args: Any, **kwargs: Any) -> Any:
        names = [frame.function for frame in inspect.stack()[1:]]
        paths.append(list(reversed(names[: names.index("run") + 1])))
        return await real_aread(self, *args, **kwargs)

    monkeypatch.setattr(IceClient, "aread", recording_aread)
    trigger = IceDynamicImageJobTrigger(job_id=job_id, poll_interval=0.1, deadline=time.time() + 30)
    async for _event in trigger.run():
        break

    assert paths, "the trigger made no call"
    assert paths[0] == ["run", "apoll_job", "aget_job"]
