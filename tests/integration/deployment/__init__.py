"""The deployment test: see run_deployment_test.py."""
