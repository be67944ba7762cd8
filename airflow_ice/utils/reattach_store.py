"""Now :mod:`airflow_ice.jobs.reattach_store`; this old import path stays an alias of it."""

import sys

from airflow_ice.jobs import reattach_store

sys.modules[__name__] = reattach_store
