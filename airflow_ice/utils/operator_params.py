"""Now :mod:`airflow_ice.jobs.params`; this old import path stays an alias of it."""

import sys

from airflow_ice.jobs import params

sys.modules[__name__] = params
