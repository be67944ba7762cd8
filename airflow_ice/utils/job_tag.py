"""Now :mod:`airflow_ice.jobs.tag`; this old import path stays an alias of it."""

import sys

from airflow_ice.jobs import tag

sys.modules[__name__] = tag
