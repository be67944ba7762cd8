"""The emulated ICE actions, grouped by job type.

To emulate more actions, add a module with a class following
:class:`~airflow_ice.emulator.actions.base.ActionGroup` and list it in :data:`ACTION_GROUPS`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from airflow_ice.emulator.actions.asr import ASR_JOBS
from airflow_ice.emulator.actions.audio_produce import AUDIO_PRODUCE_JOBS
from airflow_ice.emulator.actions.avatar_video import AVATAR_VIDEO_JOBS
from airflow_ice.emulator.actions.base import ActionEnvironment, ActionGroup, ActionHandler, JobRecord
from airflow_ice.emulator.actions.batch_media_producing import BatchMediaProducingActions
from airflow_ice.emulator.actions.dynamic_image import DynamicImageActions
from airflow_ice.emulator.actions.highlight_extraction import HIGHLIGHT_EXTRACTION_JOBS
from airflow_ice.emulator.actions.iproduction import IProductionActions
from airflow_ice.emulator.actions.media_censor import MediaCensorActions
from airflow_ice.emulator.actions.media_convert import MediaConvertActions
from airflow_ice.emulator.actions.media_info import MediaInfoActions
from airflow_ice.emulator.actions.media_producing import MediaProducingActions
from airflow_ice.emulator.actions.package import PackageActions
from airflow_ice.emulator.actions.segmentation import SEGMENTATION_JOBS
from airflow_ice.emulator.actions.smart_handle import SmartHandleActions, SmartJobKind
from airflow_ice.emulator.actions.smarttag import SmarttagActions
from airflow_ice.emulator.actions.snapshot import SnapshotActions
from airflow_ice.emulator.actions.transcode import TranscodeActions
from airflow_ice.emulator.actions.video_cognition import VideoCognitionActions
from airflow_ice.emulator.actions.video_translation import VIDEO_TRANSLATION_JOBS
from airflow_ice.emulator.actions.yike_ai_app import YikeAIAppActions
from airflow_ice.emulator.actions.yike_storyboard import YikeStoryboardActions
from airflow_ice.emulator.errors import unknown_api

SMART_JOB_KINDS: tuple[SmartJobKind, ...] = (
    ASR_JOBS,
    AUDIO_PRODUCE_JOBS,
    AVATAR_VIDEO_JOBS,
    VIDEO_TRANSLATION_JOBS,
    HIGHLIGHT_EXTRACTION_JOBS,
    SEGMENTATION_JOBS,
)
"""The smart jobs GetSmartHandleJob reads, each served by its own submit."""

ACTION_GROUPS: tuple[Callable[[ActionEnvironment], ActionGroup], ...] = (
    IProductionActions,
    YikeStoryboardActions,
    YikeAIAppActions,
    MediaProducingActions,
    MediaConvertActions,
    SnapshotActions,
    DynamicImageActions,
    MediaInfoActions,
    SmarttagActions,
    functools.partial(SmartHandleActions, kinds=SMART_JOB_KINDS),
    BatchMediaProducingActions,
    PackageActions,
    VideoCognitionActions,
    MediaCensorActions,
    TranscodeActions,
)


class ActionTable:
    """Routes an action name to its handler.

    :param env: the environment every group shares.
    :param groups: the group factories (default :data:`ACTION_GROUPS`).
    """

    def __init__(
        self,
        env: ActionEnvironment,
        groups: tuple[Callable[[ActionEnvironment], ActionGroup], ...] = ACTION_GROUPS,
    ) -> None:
        self.groups = [factory(env) for factory in groups]
        self._handlers: dict[str, ActionHandler] = {}
        for group in self.groups:
            for name, handler in group.handlers().items():
                if name in self._handlers:
                    raise ValueError(f"Action {name} is defined by two action groups")
                self._handlers[name] = handler

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action answered."""
        return tuple(sorted(self._handlers))

    def dispatch(self, action: str, params: Mapping[str, str]) -> dict[str, Any]:
        """Run the handler, or raise ICE's ``InvalidApi.NotFound``."""
        handler = self._handlers.get(action)
        if handler is None:
            raise unknown_api(action)
        return handler(params)

    def records(self) -> list[JobRecord]:
        """Every job of every group."""
        return [record for group in self.groups for record in group.records()]

    def reset(self) -> None:
        """Forget every job of every group."""
        for group in self.groups:
            group.reset()


__all__ = [
    "ACTION_GROUPS",
    "SMART_JOB_KINDS",
    "ActionEnvironment",
    "ActionGroup",
    "ActionHandler",
    "ActionTable",
    "JobRecord",
]
