"""Trigger waiting for a packaging job."""

from __future__ import annotations

from airflow_ice.families.package import PACKAGE
from airflow_ice.triggers.base import IceJobTrigger


class IcePackageJobTrigger(IceJobTrigger):
    """Poll a packaging job (GetPackageJob) until Success, Fail or the deadline.

    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = PACKAGE
