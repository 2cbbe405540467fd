# kopilot
# Everything installs from this repository's own files into .venv.
# `make demo` and `make test` are the two commands a newcomer needs.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint controlplane helm bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Build (once, then cached) the local control plane's kube-apiserver and etcd.
controlplane: setup
	$(BIN)/kopilot controlplane build

# Build (once, then cached) the helm that tests/deploy/test_helm.py lints and renders the chart
# with. Not a prerequisite of `test`: it takes minutes cold, so those tests build it themselves.
helm: setup
	$(BIN)/python -m controller.sandbox.controlplane.helm

# The main job: the kudos app on a local control plane and local AWS, end to end.
demo: setup controlplane
	$(BIN)/kopilot sandbox demo $(DEMO_ARGS)

# pytest exits 5 when it collected nothing: that is a broken suite, and it says so.
# Two workers (pytest-xdist), each with its own control plane and local AWS; a test file
# stays on one worker. TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= 2
test: setup controlplane
	@$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS); code=$$?; \
	  if [ $$code -eq 5 ]; then echo "make test: pytest collected no tests; the suite is broken" >&2; fi; \
	  exit $$code

# The chaos tests at a size for the record: 40 services, a minute of AccessDenied (`make test`
# runs them at the CI size, 6 services and 8 s). KOPILOT_CHAOS_SEED=... replays a run.
CHAOS_SERVICES ?= 40
CHAOS_DENIED_SECONDS ?= 60
chaos: setup controlplane
	KOPILOT_CHAOS_SERVICES=$(CHAOS_SERVICES) KOPILOT_CHAOS_DENIED_SECONDS=$(CHAOS_DENIED_SECONDS) \
	  $(BIN)/python -m pytest -m chaos $(PYTEST_ARGS)

# Not part of the test run: convergence, call economy and memory at scale (see bench/).
bench: setup controlplane
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check controller tests bench
	$(BIN)/ruff format --check controller tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
