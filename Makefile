# Reproducible book: `make html` (set up + build), `make test` (all tests). See README.md.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NODE   := node_modules/.package-lock.json
JOBS   ?= 2

.PHONY: setup system html pdf validate test lint lock clean cohort ensemble bench

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## JavaScript used by the browser tests (axe-core), pinned by package-lock.json.
$(NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(NODE)

setup: $(STAMP) $(NODE)

## System packages (LaTeX, R, Chromium) for the PDF, the R cross-check and browser tests.
system:
	bash .ci/system-packages.sh

html: $(STAMP)
	$(PY) -m bookbuild html -j $(JOBS)

pdf: $(STAMP)
	$(PY) -m bookbuild pdf -j $(JOBS)

validate: $(STAMP)
	$(PY) -m bookbuild validate

## THERAPYBOOK_FUZZ=full: the larger Hypothesis profile of tests/test_fuzz_loader.py.
test: system $(STAMP) $(NODE)
	THERAPYBOOK_FUZZ=full $(PY) -m pytest

## Build benchmark: cold, no-change, one chapter, one data file, PDF, floor (BENCH_RUNS=3).
bench: $(STAMP)
	$(PY) -m bookbuild.bench --runs $(or $(BENCH_RUNS),3)

lint: $(STAMP)
	$(PY) -m ruff check src tests

## Synthetic pseudo-cohort of the retrospective study (FORCE=1 to overwrite, SEED=n).
cohort: $(STAMP)
	$(PY) -m bookbuild cohort $(if $(FORCE),--force) $(if $(SEED),--seed $(SEED))

## Ensemble of 100 pseudo-cohorts (the shipped one first), in parallel over the cores (JOBS_ENSEMBLE=n).
ensemble: $(STAMP)
	$(PY) -m cohortgen.ensemble $(if $(JOBS_ENSEMBLE),--jobs $(JOBS_ENSEMBLE))

## Regenerate the lock file from the current virtual environment.
lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^therapybook' > requirements.lock

clean:
	rm -rf _build figures/*.svg figures/*.png
