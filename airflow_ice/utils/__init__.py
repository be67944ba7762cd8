"""The job lifecycle core's old home, now :mod:`airflow_ice.jobs`.

Each module here is the module of the same job in ``airflow_ice.jobs`` under its old name, so
imports and pickled references written against the old paths keep working.
"""
