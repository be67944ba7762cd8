"""Asset events of a successful ICE task: the job's facts as ``extra`` of its ``oss://`` outlets, and one
event per real output object through each :class:`~airflow.sdk.AssetAlias` outlet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airflow_ice.assets.oss import SCHEME, OssObject
from airflow_ice.lineage.job_lineage import IceJobRun


def record_asset_events(outlets: Iterable[Any], outlet_events: Any, run: IceJobRun) -> int:
    """Fill the task's outlet events from the finished job; return how many alias events were added.

    :param outlets: the task's outlets (assets, aliases).
    :param outlet_events: ``context["outlet_events"]``.
    :param run: the finished job.
    """
    from airflow.sdk import Asset, AssetAlias

    extra = run.event_extra()
    # One object per alias event: its own URL instead of the list (Airflow 3.1 also needs every value
    # of an alias event's extra to be hashable).
    object_extra = {key: value for key, value in extra.items() if key != "output_urls"}
    added = 0
    for outlet in outlets:
        if isinstance(outlet, AssetAlias):
            for url in run.outputs.urls:
                target = OssObject.from_location(url)
                if target is not None:
                    outlet_events[outlet].add(
                        Asset(uri=target.uri), extra={**object_extra, "output_url": url}
                    )
                    added += 1
        elif isinstance(outlet, Asset) and outlet.uri.startswith(f"{SCHEME}://"):
            outlet_events[outlet].extra.update(extra)
    return added
