# Two commands for a fresh clone: `make demo` and `make test`. Each creates $(VENV) and installs
# the package (editable) with the `dev` dependency group on first use (and again when
# pyproject.toml changes). Dependency groups (PEP 735) need pip >= 25.1, hence the upgrade first.
PYTHON ?= python3
VENV ?= .venv
# The Airflow release line to test against; CI also runs the suite on the declared floor, 3.1.0.
AIRFLOW_SPEC ?= apache-airflow>=3.3,<3.4
# Optional pip constraints file for that Airflow (the 3.1.0 floor needs a few pins).
AIRFLOW_CONSTRAINTS ?=
BIN := $(VENV)/bin

.PHONY: test lint typecheck unit demo bench test-ui test-deployment test-wheel docs clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=25.1'
	$(BIN)/python -m pip install --quiet -e . --group dev '$(AIRFLOW_SPEC)' $(if $(AIRFLOW_CONSTRAINTS),-c $(AIRFLOW_CONSTRAINTS))
	$(BIN)/python -c "import airflow, sys; print('airflow', airflow.__version__, 'python', sys.version.split()[0])"
	touch $@

test: lint typecheck unit

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy

# Tests mostly wait on emulated jobs, so more workers than cores pay off.
PYTEST_WORKERS ?= 4

unit: $(BIN)/.installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The connection form and the extra link in a real browser (installs Debian's chromium if missing).
test-ui: $(BIN)/.installed
	$(BIN)/python -m pytest tests/integration/ui -q $(PYTEST_ARGS)

# A real Airflow deployment (PostgreSQL, api-server, scheduler, dag-processor, two triggerers)
# running 261 ICE tasks (40 of them a list family) against the emulator under faults, ICE's account
# limit and kills; about 8 minutes (in CI).
test-deployment: $(BIN)/.installed
	$(BIN)/python tests/integration/deployment/run_deployment_test.py

demo: $(BIN)/.installed
	$(BIN)/python example_dags/run_demo.py

# What a user gets from PyPI: the wheel built from this checkout, installed with Airflow alone
# (no dev group) into a fresh environment outside the checkout, runs the README's DAG against the
# installed emulator. Needs only $(PYTHON) and PyPI; a few minutes, mostly installing Airflow.
test-wheel:
	$(PYTHON) .ci/test_wheel.py --airflow '$(AIRFLOW_SPEC)'

# Figures, not a timed test (about 105 minutes): what importing our operators costs a DAG file, client CPU per query (hook against bare aiohttp),
# the triggerer benchmark (N = 1,000 and 10,000 IProduction triggers over HTTPS, as shipped and
# with fixed polling, against a bare aiohttp poller and the official SDK's async client; memory
# per waiting trigger, loop stalls; see docs/benchmarks-waiting.md), AI-app batching, the
# adaptive pace's simulation, and the account-scale run (10,000 jobs of four families waited on
# by two triggerer processes under ICE's 100 calls/s per action, as shipped and with per-job Gets,
# then IProduction's largest sustainable N; about 65 minutes; see docs/benchmarks-account.md).
bench: $(BIN)/.installed
	$(BIN)/python tests/benchmarks/bench_import_cost.py
	$(BIN)/python tests/benchmarks/bench_query_cost.py
	$(BIN)/python tests/benchmarks/schedule_model.py
	$(BIN)/python tests/benchmarks/triggerer_benchmark.py $(BENCH_ARGS)
	$(BIN)/python tests/benchmarks/bench_ai_app_batching.py $(BENCH_ARGS)
	$(BIN)/python tests/benchmarks/bench_adaptive_rate.py
	$(BIN)/python tests/benchmarks/bench_account_scale.py $(BENCH_ARGS)

# The docs site (docs/conf.py): README, docs/*.md and the API reference from the docstrings, into
# docs/_build/html. -E re-reads every page (docstrings are not files Sphinx watches); -W: a warning
# fails the build, --keep-going: after listing them all. The `docs` dependency group needs pip 25.1+.
$(BIN)/.docs-installed: $(BIN)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet --group docs
	touch $@

docs: $(BIN)/.docs-installed
	$(BIN)/python -m sphinx -b html -c docs -E -q -W --keep-going . docs/_build/html
	@echo "docs: docs/_build/html/docs/index.html"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache docs/_build
