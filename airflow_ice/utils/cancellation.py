"""Now :mod:`airflow_ice.jobs.cancellation`; this old import path stays an alias of it."""

import sys

from airflow_ice.jobs import cancellation

sys.modules[__name__] = cancellation
