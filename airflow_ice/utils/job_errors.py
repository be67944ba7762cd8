"""Now :mod:`airflow_ice.jobs.errors`; this old import path stays an alias of it."""

import sys

from airflow_ice.jobs import errors

sys.modules[__name__] = errors
