"""ICE job lineage as OpenLineage facets.

Imports the OpenLineage provider at module level: only the ``get_openlineage_facets_on_*`` methods of
the operators and sensors import this module, and only the OpenLineage provider calls them.
"""

from __future__ import annotations

from collections.abc import Iterable

from airflow.providers.common.compat.openlineage.facet import (
    Dataset,
    ExternalQueryRunFacet,
    RunFacet,
)
from airflow.providers.openlineage.extractors import OperatorLineage
from attrs import define

from airflow_ice import __version__
from airflow_ice.lineage.job_lineage import DatasetName, IceJobRun

# Custom facets are keyed in snake_case, named after their producer (as dbt's ``dbt_run``).
RUN_FACET_NAME = "ice_job"
EXTERNAL_QUERY_SOURCE = "alibaba_ice"
REPOSITORY_URL = "https://github.com/airflow-ice/airflow-ice"
# This package at this version made the facet: consumers tell its facets from the OpenLineage provider's.
PRODUCER = f"{REPOSITORY_URL}/tree/{__version__}"
# The facet's JSON schema ships in the package (airflow_ice/lineage/schemas/) and is published at a
# stable address of the repository, so consumers can check its fields.
SCHEMA_FILE = "schemas/IceJobRunFacet.json"
SCHEMA_URL = (
    "https://raw.githubusercontent.com/airflow-ice/airflow-ice/main/airflow_ice/lineage/"
    f"{SCHEMA_FILE}#/$defs/IceJobRunFacet"
)


@define
class IceJobRunFacet(RunFacet):
    """The ICE job behind an Airflow task run.

    :param jobId: the ICE job id (None before the submit).
    :param family: the job family, e.g. ``IProduction`` or ``Snapshot``.
    :param function: IProduction ``FunctionName`` or the AI app's ``AppId``.
    :param region: the region of the connection.
    :param status: the job's status as ICE reported it.
    :param startTime: ICE's creation (IProduction) or execution start (AI app) time.
    :param finishTime: ICE's finish time.
    :param durationSeconds: ``finishTime - startTime``.
    :param errorMessage: what ICE said about a failed job.
    """

    jobId: str | None  # camelCase: OpenLineage facet fields
    family: str
    function: str | None
    region: str | None
    status: str | None
    startTime: str | None
    finishTime: str | None
    durationSeconds: float | None
    errorMessage: str | None

    @staticmethod
    def _get_schema() -> str:
        return SCHEMA_URL


def run_facets(run: IceJobRun) -> dict[str, RunFacet]:
    """``ice_job``, and ``externalQuery`` (the standard facet for another system's job id) once submitted."""
    facets: dict[str, RunFacet] = {
        RUN_FACET_NAME: IceJobRunFacet(
            producer=PRODUCER,
            jobId=run.job_id,
            family=run.family,
            function=run.function,
            region=run.region,
            status=run.status,
            startTime=run.start_time,
            finishTime=run.finish_time,
            durationSeconds=run.duration_seconds,
            errorMessage=run.error,
        )
    }
    if run.job_id:
        facets["externalQuery"] = ExternalQueryRunFacet(
            externalQueryId=run.job_id, source=EXTERNAL_QUERY_SOURCE, producer=PRODUCER
        )
    return facets


def _datasets(names: Iterable[DatasetName]) -> list[Dataset]:
    return [Dataset(namespace=name.namespace, name=name.name) for name in names]


def operator_lineage(
    run: IceJobRun, *, inputs: Iterable[DatasetName], outputs: Iterable[DatasetName]
) -> OperatorLineage:
    """The task's lineage: what the job read and wrote, and the job's run facets."""
    return OperatorLineage(inputs=_datasets(inputs), outputs=_datasets(outputs), run_facets=run_facets(run))
