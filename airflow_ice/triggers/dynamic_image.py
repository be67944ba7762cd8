"""Trigger waiting for an animated image job."""

from __future__ import annotations

from airflow_ice.families.dynamic_image import DYNAMIC_IMAGE
from airflow_ice.triggers.base import IceJobTrigger


class IceDynamicImageJobTrigger(IceJobTrigger):
    """Poll an animated image job (GetDynamicImageJob) until Success, Fail or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = DYNAMIC_IMAGE
