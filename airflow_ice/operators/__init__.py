"""airflow_ice operators."""
