"""airflow_ice links."""
