"""The job lifecycle core that ICE operators, sensors and triggers share.

What a job family is (:mod:`~airflow_ice.jobs.family`; the families themselves are in
:mod:`airflow_ice.families`), the one poll, trigger events, job tags, the reattach store, the
waiting schedule and poll-failure policy, cancellation outcomes and parameter checks.
"""
