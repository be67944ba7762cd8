"""airflow_ice emulator."""
