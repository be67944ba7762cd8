"""Asset URI schemes the provider registers with Airflow (``asset-uris`` in the provider info)."""
