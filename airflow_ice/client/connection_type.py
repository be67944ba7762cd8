"""The connection type of ICE connections (its own module: Airflow reads it from the provider's
info in every process that imports ``airflow.sdk``, which should load nothing else of ours)."""

from __future__ import annotations

CONN_TYPE = "alibaba_ice"
"""Airflow's connection type for ICE."""

__all__ = ["CONN_TYPE"]
