"""airflow_ice sensors."""
