# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= out

# Prefect keeps its embedded database and settings inside the project, sends no telemetry.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
# The registry tests also run on PostgreSQL; this project's machines serve one here.
export SUBSIDY_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install demo check test bench serve browser office lint samples templates clean

install: $(VENV)/.installed

# pip's and setuptools' notes (an editable install's "be careful with folders…", this machine's
# index settings) go to .venv/install.log, shown whole only when the install fails.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	@echo "installing into $(VENV) (log: $(VENV)/install.log)"
	@$(BIN)/pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]' >> $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	touch $@

demo: install
	@mkdir -p $(OUT)
	$(BIN)/subsidy run sample_inputs --reference sample_inputs/reference --as-of 2020-12-31 \
		--out $(OUT) > $(OUT)/last-batch.txt
	@echo "台账 (ledger): $$(cat $(OUT)/last-batch.txt)/ledger.xlsx"

# Tests run in $(WORKERS) processes, each test file whole in one (its module fixtures made once);
# each worker has its own Prefect home and PostgreSQL database (tests/conftest.py).
WORKERS ?= 3

# The inner loop: lint and every fast test (under 90 s on two cores).
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -m "not slow" -n $(WORKERS) --dist loadfile

# Everything, the 25 slowest tests named at the end.
test: install browser office
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(WORKERS) --dist loadfile --durations=25

# Province-scale benchmark (generates .bench/province once; figures, not assertions).
bench: install
	$(BIN)/python scripts/bench.py --scale $${BENCH_SCALE:-province}

# Local Prefect server on 127.0.0.1:$${PREFECT_SERVER_API_PORT:-4200} serving the deployments.
serve: install
	scripts/serve.sh

browser:
	scripts/install_browser.sh

office:
	scripts/install_office.sh

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

samples: install
	PYTHONPATH=. $(BIN)/python scripts/make_sample_inputs.py sample_inputs
	$(BIN)/python scripts/make_sample_return.py  # the bank's return for the demo batch

templates: install
	$(BIN)/subsidy templates templates

clean:
	rm -rf $(VENV) $(OUT) .prefect .pytest_cache .ruff_cache test-output
