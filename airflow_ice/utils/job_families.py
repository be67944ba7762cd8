"""Now :mod:`airflow_ice.jobs.families`; this old import path stays an alias of it."""

import sys

from airflow_ice.jobs import families

sys.modules[__name__] = families
