"""airflow_ice models."""
