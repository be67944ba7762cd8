"""airflow_ice hooks."""
