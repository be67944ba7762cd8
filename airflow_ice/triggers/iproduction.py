"""Trigger waiting for an IProduction job."""

from __future__ import annotations

from airflow_ice.families.iproduction import IPRODUCTION
from airflow_ice.triggers.base import IceJobTrigger


class IceIProductionJobTrigger(IceJobTrigger):
    """Poll an IProduction job (QueryIProductionJob) until Success, Fail or the deadline.

    A user killing the deferred task cancels the job when ``cancel_on_kill`` (Airflow 3.3+).
    See :class:`~airflow_ice.triggers.base.IceJobTrigger` for the parameters and events.
    """

    family = IPRODUCTION
