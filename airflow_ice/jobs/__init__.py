"""The job lifecycle core that ICE operators, sensors and triggers share.

Job families (one declaration per ICE job kind), trigger events, job tags, the reattach store,
the waiting schedule and poll-failure policy, cancellation outcomes and parameter checks. This
package was ``airflow_ice.utils``; those import paths still work (see :mod:`airflow_ice.utils`).
"""
