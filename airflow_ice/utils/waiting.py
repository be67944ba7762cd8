"""Now :mod:`airflow_ice.jobs.waiting`; this old import path stays an alias of it."""

import sys

from airflow_ice.jobs import waiting

sys.modules[__name__] = waiting
