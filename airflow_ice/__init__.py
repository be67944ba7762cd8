"""Apache Airflow provider for Alibaba Cloud Intelligent Media Services (ICE)."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
