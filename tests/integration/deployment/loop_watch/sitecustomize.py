"""Loaded at start-up by the triggerers of ``run_deployment_test.py`` only (this folder is on their
``PYTHONPATH``): see ``ice_loop_watch.py``."""

import ice_loop_watch

ice_loop_watch.install_from_environment()
