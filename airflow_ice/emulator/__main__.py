"""``python -m airflow_ice.emulator``: run the local ICE emulator."""

from __future__ import annotations

import sys

from airflow_ice.emulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
