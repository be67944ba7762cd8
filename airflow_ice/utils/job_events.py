"""Now :mod:`airflow_ice.jobs.events`; this old import path stays an alias of it."""

import sys

from airflow_ice.jobs import events

sys.modules[__name__] = events
