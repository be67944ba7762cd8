"""Lineage of ICE jobs: what a job read and wrote (:mod:`.job_lineage`, plain Python), as OpenLineage
facets (:mod:`.facets`, imported only by the OpenLineage provider's calls) and as asset events
(:mod:`.asset_events`)."""
