"""The connection type of ICE connections and the connection id used when none is given (their own
module: Airflow reads the type from the provider's info in every process that imports
``airflow.sdk``, and every operator and sensor takes the id as its default when a DAG file is
parsed; neither should load anything else of ours)."""

from __future__ import annotations

CONN_TYPE = "alibaba_ice"
"""Airflow's connection type for ICE."""
DEFAULT_CONN_ID = "ice_default"
"""The connection id used when none is given."""

__all__ = ["CONN_TYPE", "DEFAULT_CONN_ID"]
