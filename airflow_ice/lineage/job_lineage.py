"""What an ICE job read and wrote, and how it ran: the facts behind its OpenLineage facets and asset
events, in plain Python (no OpenLineage import)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from airflow_ice.assets.oss import OssObject

# ICE media assets live in the account's media library of one region: ice://cn-shanghai, name media/<id>.
MEDIA_NAMESPACE_PREFIX = "ice://"
UNKNOWN_REGION = "unknown-region"


@dataclass(frozen=True)
class DatasetName:
    """An OpenLineage dataset identity.

    :param namespace: e.g. ``oss://bucket`` or ``ice://cn-shanghai``.
    :param name: e.g. the object key ``processed/summary.mp4`` or ``media/<media id>``.
    """

    namespace: str
    name: str


def connection_region(hook: Any) -> str | None:
    """The region of a hook's connection, or None when it cannot be read (lineage never fails a task)."""
    try:
        region: str = hook.get_config().region
    except Exception:
        return None
    return region


def dataset_of_location(location: str) -> DatasetName | None:
    """The dataset at an address: OSS (``oss://`` or an OSS HTTPS URL) as ``oss://bucket`` + key, another
    URL as ``scheme://host`` + path; None for what is not an address.

    :param location: an address ICE was given or reported.
    """
    target = OssObject.from_location(location)
    if target is not None:
        return DatasetName(target.namespace, target.key)
    parts = urlsplit(location.strip())
    if parts.scheme and parts.netloc:
        return DatasetName(f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/") or "/")
    return None


def media_dataset(media_id: str, region: str | None) -> DatasetName:
    """The dataset of an ICE media asset (a media id in the region's media library)."""
    return DatasetName(MEDIA_NAMESPACE_PREFIX + (region or UNKNOWN_REGION), f"media/{media_id}")


def job_media_dataset(media_type: object, media: object, region: str | None) -> DatasetName | None:
    """The dataset of an IProduction ``Input``/``Output`` (``{"Type": "OSS" | "Media", "Media": ...}``)."""
    if not isinstance(media, str) or not media.strip():
        return None
    if isinstance(media_type, str) and media_type.strip().lower() == "media":
        return media_dataset(media.strip(), region)
    return dataset_of_location(media)


def oss_locations_in(value: object) -> list[str]:
    """Every string inside ``value`` (nested dicts and lists) that is an OSS address, in order."""
    if isinstance(value, str):
        return [value] if OssObject.from_location(value) is not None else []
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [found for item in value for found in oss_locations_in(item)]
    return []


def unique(datasets: Iterable[DatasetName | None]) -> list[DatasetName]:
    """The datasets without None and repeats, in order."""
    return list(dict.fromkeys(d for d in datasets if d is not None))


@dataclass(frozen=True)
class JobMedia:
    """One file a job reads or is asked to write, as its request names it.

    :param media: an OSS address, another URL, or an ICE media id.
    :param type: ``OSS`` or ``Media`` where the request says (``{"Type": ..., "Media": ...}``), else None
        (then ``media`` is read as an address).
    """

    media: str
    type: str | None = None

    def dataset(self, region: str | None) -> DatasetName | None:
        """The dataset it names (None for what is neither an address nor a media id)."""
        if self.type is None:
            return dataset_of_location(self.media)
        return job_media_dataset(self.type, self.media, region)


def media_datasets(media: Iterable[JobMedia], region: str | None) -> list[DatasetName]:
    """The datasets of ``media``, without repeats."""
    return unique(item.dataset(region) for item in media)


@dataclass(frozen=True)
class JobOutputs:
    """What a finished job wrote, as its family's declaration reads it from the job's XCom form
    (:attr:`JobFamily.outputs_of <airflow_ice.jobs.family.JobFamily>`).

    :param urls: the written files' addresses (OSS HTTPS URLs or ``oss://`` addresses), in order.
    :param media_ids: ICE media ids of the written files (read only when no URL names them).
    """

    urls: tuple[str, ...] = ()
    media_ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, urls: Iterable[object] = (), media_ids: Iterable[object] = ()) -> JobOutputs:
        """From lists as a job reports them: blanks and repeats dropped, order kept."""
        return cls(
            tuple(dict.fromkeys(str(url) for url in urls if isinstance(url, str) and url.strip())),
            tuple(
                dict.fromkeys(str(media) for media in media_ids if isinstance(media, str) and media.strip())
            ),
        )

    @property
    def oss_objects(self) -> list[OssObject]:
        """The OSS objects among the output URLs, once each."""
        found = (OssObject.from_location(url) for url in self.urls)
        return list(dict.fromkeys(target for target in found if target is not None))

    def datasets(self, region: str | None) -> list[DatasetName]:
        """The output datasets: each URL's object; the media ids only when ICE reported no URL (a media
        output's URL and id name the same file)."""
        if self.urls:
            return unique(dataset_of_location(url) for url in self.urls)
        return unique(media_dataset(media, region) for media in self.media_ids)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class IceJobRun:
    """How one ICE job ran, as far as the task knows.

    :param family: the job family, e.g. ``IProduction``.
    :param job_id: the ICE job id (None before the submit).
    :param function: IProduction ``FunctionName`` or the AI app's ``AppId`` (None for storyboards).
    :param region: the connection's region.
    :param status: the job's last status as ICE spelled it (None when not read).
    :param start_time: ICE's ``CreateTime`` / ``ExecutionStartTime`` (ISO 8601).
    :param finish_time: ICE's ``FinishTime`` / ``ExecutionFinishTime`` (ISO 8601).
    :param error: why the job failed, when it did.
    :param outputs: what it wrote.
    """

    family: str
    job_id: str | None = None
    function: str | None = None
    region: str | None = None
    status: str | None = None
    start_time: str | None = None
    finish_time: str | None = None
    error: str | None = None
    outputs: JobOutputs = field(default_factory=JobOutputs)

    @classmethod
    def of_job(
        cls,
        family: str,
        job: Mapping[str, Any],
        *,
        region: str | None,
        outputs: JobOutputs,
        function: str | None = None,
        error: str | None = None,
    ) -> IceJobRun:
        """The run of a job read from ICE (its XCom form).

        :param family: the family's name.
        :param job: the job's XCom form.
        :param region: the connection's region.
        :param outputs: what it wrote, as the family's declaration reads ``job``.
        :param function: the job's function, when the task knows it.
        :param error: why it failed.
        """
        return cls(
            family=family,
            job_id=job.get("job_id"),
            function=function or job.get("function_name") or job.get("app_id"),
            region=region,
            status=job.get("status"),
            start_time=job.get("create_time") or job.get("execution_start_time"),
            finish_time=job.get("finish_time")
            or job.get("execution_finish_time")
            or job.get("complete_time"),
            error=error,
            outputs=outputs,
        )

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from ICE's start (or creation) time to its finish time, when both are known."""
        start, finish = _parse_time(self.start_time), _parse_time(self.finish_time)
        if start is None or finish is None:
            return None
        return (finish - start).total_seconds()

    def event_extra(self) -> dict[str, Any]:
        """The ``extra`` of the asset events of a successful run."""
        return {
            "job_id": self.job_id,
            "family": self.family,
            "function": self.function,
            "region": self.region,
            "output_urls": list(self.outputs.urls),
        }
