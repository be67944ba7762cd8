# The local ICE emulator of `airflow-ice emulator --port 8765` (its default key pair), as Airflow's
# default ICE connection; tests/docs/test_examples.py connects with it.
# [START emulator_connection]
export AIRFLOW_CONN_ICE_DEFAULT='{"conn_type": "alibaba_ice", "login": "emulator-access-key-id", "password": "emulator-access-key-secret", "extra": {"endpoint": "http://127.0.0.1:8765", "region": "cn-shanghai"}}'
# [END emulator_connection]
