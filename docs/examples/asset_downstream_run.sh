# Try a DAG scheduled on an asset alias locally, against the emulator: the media pipeline's captions
# task writes caption files (alias events), and the scheduler creates the captions DAG's run from
# them. `airflow dags test` runs one DAG and never schedules another, so the consumer's run needs
# what a deployment has: the DAG serialized, unpaused, and a scheduler loop.
# Run it from a clone's root; tests/docs/test_examples.py runs it (a throw-away AIRFLOW_HOME, a free port).
set -euo pipefail
# [START asset_downstream_run]
url_file=$(mktemp)
airflow-ice emulator --port 8765 --job-seconds 1 > "$url_file" &   # 1. the emulator
trap 'kill %1' EXIT
until [ -s "$url_file" ]; do sleep 0.2; done                      # it prints its URL once it is ready
source docs/examples/emulator_connection.sh                       # AIRFLOW_CONN_ICE_DEFAULT for it
export AIRFLOW__CORE__DAGS_FOLDER="$PWD/example_dags" AIRFLOW__CORE__LOAD_EXAMPLES=False
airflow db migrate > /dev/null
airflow dags reserialize                        # 2. as the DAG processor would: the scheduler learns the schedules
airflow dags unpause example_ice_captions       # 3. a paused DAG never runs on its assets
airflow dags test example_ice_media_pipeline --conf \
    '{"videos": ["oss://my-media-bucket/incoming/interview.mp4"], "poll_interval": 1, "expected_duration": 0}'
                                                # 4. the producer: its captions task records alias events
airflow pools set default_pool 0 "tasks wait: they need an API server"   # 5. create runs, queue no task
airflow scheduler --num-runs 1 --skip-serve-logs   # 6. one scheduler loop creates the consumer's run
airflow dags list-runs example_ice_captions     # run_id asset_triggered__...
# [END asset_downstream_run]
