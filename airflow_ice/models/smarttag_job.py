"""A smart tagging job as QuerySmarttagJob returns it: its results by type, decoded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, JsonValue

from airflow_ice.models.json_text import decode_json_text, json_safe
from airflow_ice.models.lenient import (
    FieldReadJobModel,
    LenientReader,
)
from airflow_ice.models.status import SmarttagJobStatus


class SmarttagJob(FieldReadJobModel):
    """A smart tagging job (QuerySmarttagJob), parsed leniently.

    ICE's answer does not name the job: the hook adds the ``JobId`` it asked about. Each result's
    ``Data`` is JSON in a string; ``results`` holds them decoded, by ``Type`` (``TextLabel``,
    ``VideoLabel``, ``Face``, ``OCR``, ``ASR``, ``Meta``, ``CPVLabel``, ...), in ICE's order. A
    ``Data`` that is not JSON is kept as received in ``unparsed_fields`` (and described in
    ``parse_warnings``); so is anything else this version cannot read.

    :param job_id: the job asked about; ``request_id``: ``RequestId``.
    :param job_status: ``JobStatus``: ``Submitted``, ``Processing``, ``Success`` or ``Fail``
        (:class:`SmarttagJobStatus`), or the raw string if unknown (then still running).
    :param results: ``Results.Result``: type -> the decoded ``Data`` of each result of that type.
    :param usages: ``Usages.Usage`` as received (``{"Type", "Quota"}`` each).
    :param user_data: ``UserData``.
    """

    RESPONSE_ACTION: ClassVar[str] = "QuerySmarttagJob"
    SUCCESS_STATUS: ClassVar[SmarttagJobStatus] = SmarttagJobStatus.SUCCESS
    FAILURE_STATUS: ClassVar[SmarttagJobStatus] = SmarttagJobStatus.FAIL

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    request_id: str | None = Field(None, alias="RequestId")
    job_id: str = Field(alias="JobId", min_length=1)
    job_status: SmarttagJobStatus | str | None = Field(None, alias="JobStatus", union_mode="left_to_right")
    results: dict[str, list[JsonValue]] = Field(default_factory=dict)
    usages: list[JsonValue] = Field(default_factory=list)
    user_data: str | None = Field(None, alias="UserData")

    @classmethod
    def read_fields(cls, reader: LenientReader) -> dict[str, Any]:
        """The job's fields (see :class:`~airflow_ice.models.lenient.FieldReadJobModel`)."""
        values: dict[str, Any] = {name: reader.text(name) for name in ("request_id", "user_data")}
        values["job_status"] = reader.status("job_status", SmarttagJobStatus)
        if "results" in reader.data or "usages" in reader.data:  # a dump of this model
            reader.skip("results", "usages")
            values["results"] = reader.data.get("results") or {}
            values["usages"] = reader.data.get("usages") or []
        else:
            values["results"] = _decoded_results(reader)
            values["usages"] = _listed(reader, "Usages", "Usage")
        return values

    @property
    def status(self) -> SmarttagJobStatus | str | None:
        """Same as ``job_status`` (so code can treat every job kind alike)."""
        return self.job_status

    def to_xcom(self) -> dict[str, Any]:
        """A JSON-safe summary for XCom: id, status, the result types and the decoded results."""
        return {
            "job_id": self.job_id,
            "status": self.status_text,
            "result_types": sorted(self.results),
            "results": {kind: list(items) for kind, items in self.results.items()},
            "user_data": self.user_data,
        }


def _listed(reader: LenientReader, outer: str, inner: str) -> list[Any]:
    """``{outer: {inner: [...]}}`` (ICE's XML-shaped lists) as a list; anything else kept raw."""
    reader.skip(outer)
    value = reader.data.get(outer)
    if value is None:
        return []
    items = value.get(inner) if isinstance(value, Mapping) else None
    if not isinstance(items, list):
        reader.report.keep(outer, value, f"expected {{{inner}: [...]}}")
        return []
    return [json_safe(item) for item in items]


def _decoded_results(reader: LenientReader) -> dict[str, list[Any]]:
    results: dict[str, list[Any]] = {}
    for index, item in enumerate(_listed(reader, "Results", "Result")):
        where = f"Results.Result[{index}]"
        kind = item.get("Type") if isinstance(item, Mapping) else None
        if not isinstance(kind, str) or not kind:
            reader.report.keep(where, item, "expected {Type, Data}")
            continue
        data = item.get("Data")
        if isinstance(data, str):
            try:
                data = decode_json_text(data)
            except ValueError:
                reader.report.keep(f"{where}.Data", data, f"{kind} Data is not JSON")
                continue
        results.setdefault(kind, []).append(json_safe(data))
    return results
