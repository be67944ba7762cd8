"""What an ICE task tells OpenLineage, shared by the operators and the sensors (docs/lineage.md).

Nothing here may fail a task: the job has run (and was paid for) by the time most of it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_ice.lineage.job_lineage import DatasetName, IceJobRun, connection_region
from airflow_ice.links.job_output import JOB_ID_XCOM_KEY

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage

    from airflow_ice.hooks.ice import IceHook
    from airflow_ice.jobs.family import AnyFamily


class JobLineageMixin:
    """OpenLineage facets of a task that waits for one ICE job: the job's family, function, region,
    inputs and outputs, and ICE's error on failure.

    A task records the finished job with :meth:`_record_lineage`; before that, what is known of the
    job (its id, from the task or from XCom after a deferral) is reported. Subclasses say what the
    job reads and was asked to write (the operators, from their request; a sensor knows neither).
    """

    family: AnyFamily
    # The finished job, kept for the OpenLineage listener that reads it after execute returns.
    _lineage_run: IceJobRun | None = None

    if TYPE_CHECKING:

        @property
        def hook(self) -> IceHook:
            """The task's hook (its connection gives the region)."""

    def lineage_function(self) -> str | None:
        """The job's function for lineage (IProduction ``FunctionName``, the AI app's ``AppId``)."""
        return None

    def lineage_inputs(self, region: str | None) -> list[DatasetName]:
        """What the job reads (none known by default).

        :param region: the connection's region.
        """
        return []

    def lineage_declared_outputs(self, region: str | None) -> list[DatasetName]:
        """Where the job was asked to write, known before it runs (none known by default).

        :param region: the connection's region.
        """
        return []

    def known_job_id(self) -> str | None:
        """The job's id as the task knows it before the job has finished, if it does."""
        return None

    def _lineage_region(self) -> str | None:
        return connection_region(self.hook)

    def _record_lineage(self, job: Mapping[str, Any], succeeded: bool, message: str) -> IceJobRun:
        """Keep the finished job (its shown XCom form) for the listener."""
        run = IceJobRun.of_job(
            self.family.name,
            job,
            outputs=self.family.outputs_of(job),
            region=self._lineage_region(),
            function=self.lineage_function(),
            error=None if succeeded else message or None,
        )
        self._lineage_run = run
        return run

    def _lineage_so_far(self, task_instance: Any) -> IceJobRun:
        """The finished job, else what is known of it (the job id, from XCom after a deferral)."""
        if self._lineage_run is not None:
            return self._lineage_run
        job_id = self.known_job_id()
        if job_id is None and task_instance is not None:
            try:
                pulled = task_instance.xcom_pull(
                    task_ids=task_instance.task_id, key=JOB_ID_XCOM_KEY, map_indexes=task_instance.map_index
                )
            except Exception:  # not pushed, or XCom unreachable from here
                pulled = None
            job_id = pulled if isinstance(pulled, str) and pulled else None
        return IceJobRun(
            self.family.name, job_id=job_id, function=self.lineage_function(), region=self._lineage_region()
        )

    def get_openlineage_facets_on_start(self) -> OperatorLineage:
        """OpenLineage at the start: the inputs, the requested outputs, the job's family and function."""
        from airflow_ice.lineage.facets import operator_lineage

        run = self._lineage_so_far(None)
        return operator_lineage(
            run, inputs=self.lineage_inputs(run.region), outputs=self.lineage_declared_outputs(run.region)
        )

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """OpenLineage at success: the inputs, the job's real outputs and its run facet."""
        from airflow_ice.lineage.facets import operator_lineage

        run = self._lineage_so_far(task_instance)
        if self._lineage_run is None:  # not waited for: only the requested outputs are known
            outputs = self.lineage_declared_outputs(run.region)
        else:
            outputs = run.outputs.datasets(run.region)
        return operator_lineage(run, inputs=self.lineage_inputs(run.region), outputs=outputs)

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> OperatorLineage:
        """OpenLineage at failure: the inputs and the job's run facet with ICE's error; no outputs."""
        from airflow_ice.lineage.facets import operator_lineage

        run = self._lineage_so_far(task_instance)
        return operator_lineage(run, inputs=self.lineage_inputs(run.region), outputs=[])
