# Two commands on a fresh machine: `make run` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest fuzz bench bench-quick openapi package lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	@$(BIN)/python -m infra.local

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check functions infra tests bench
	$(BIN)/ruff format --check functions infra tests bench

typecheck: $(STAMP)
	$(BIN)/mypy functions

# Two workers: the CI machine has two cores (the suite takes about half as long).
pytest: $(STAMP)
	$(BIN)/pytest -n 2

# The larger contract fuzz: 10x the random cases of `make test`'s, plus the invalid values, unexpected
# methods and content types of schemathesis' coverage phase; prints the case count per role.
fuzz: $(STAMP)
	CONTRACT_FUZZ_EXAMPLES=40 CONTRACT_FUZZ_COVERAGE=all $(BIN)/pytest tests/api/test_contract_fuzz.py --no-cov -q

# Results go to bench/results/latest.md (not tracked); UPDATE=1 writes bench/RESULTS.md instead.
# BENCH=quick (or make bench-quick) runs the scale benches at 10,000 only.
bench: $(STAMP)
	$(BIN)/python -m bench $(if $(UPDATE),--update) $(if $(filter quick,$(BENCH)),--quick)

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

# Rebuild functions/core/openapi.json from every function's routes (a test fails when it is stale).
openapi: $(STAMP)
	$(BIN)/python -m infra.openapi

# The deployable artifact in build/: the arm64 dependencies layer, the functions' code and a template
# pointing at both, for `sam deploy --template-file build/template.yaml` (see docs/deploy.md).
package: $(STAMP)
	$(BIN)/python -m infra.package

# Re-resolve the pinned closure after editing pyproject.toml's dependency lists.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	$(PYTHON) -c "import tomllib;p=tomllib.load(open('pyproject.toml','rb'))['project'];print('\\n'.join(p['dependencies']+[x for v in p['optional-dependencies'].values() for x in v]))" | xargs -d '\n' .lockenv/bin/pip install --quiet --disable-pip-version-check
	(echo "# Full pinned closure of pyproject.toml's dependencies + [local] + [dev]. Regenerate with 'make lock'."; .lockenv/bin/pip freeze --all --exclude pip) > requirements.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
