"""airflow_ice triggers."""
