# The two commands a newcomer needs: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Test processes (pytest-xdist): one per core by default; `make test WORKERS=0` runs in one.
WORKERS ?= auto

.PHONY: run install test test-sqlite test-postgres lint init demo index bench bench-quick bench-relevance screenshots clean

run: install
	$(BIN)/kb init
	$(BIN)/kb demo --if-empty
	$(BIN)/kb index rebuild
	@echo ""
	@echo "La base d'expériences est servie sur http://$(HOST):$(PORT) (Ctrl+C pour arrêter)."
	KB_BASE_URL=$${KB_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/flask --app kb run --host $(HOST) --port $(PORT)

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

test: install
	$(BIN)/pytest -n $(WORKERS)
	$(BIN)/pytest -n $(WORKERS) --db=postgres -m "not browser"

test-sqlite: install
	$(BIN)/pytest -n $(WORKERS)

test-postgres: install
	$(BIN)/pytest -n $(WORKERS) --db=postgres -m "not browser"

# PNGs of the main pages at 375 px and 1280 px wide, into docs/screenshots/ (needs Chromium).
screenshots: install
	$(BIN)/python tools/screenshots.py

lint: install
	$(BIN)/ruff check kb tests bench tools config.py

# In process (bench.run, beside FTS5), then served through gunicorn (bench.served) on the same
# corpus; run it under `flock /tmp/kb-bench.lock make bench` on a shared machine.
bench: install
	$(BIN)/python -m bench.run --n 10000 --load-seconds 0 --out bench/results/n10000.json
	$(BIN)/python -m bench.served --dir bench/work/n10000 --preload \
		--in-process bench/results/n10000.json --out bench/results/served-n10000.json
	$(BIN)/python -m bench.run --n 100000 --load-seconds 0 --out bench/results/n100000.json
	$(BIN)/python -m bench.served --dir bench/work/n100000 --preload \
		--in-process bench/results/n100000.json --out bench/results/served-n100000.json

bench-quick: install
	$(BIN)/python -m bench.run --n 2000 --load-seconds 10

# Relevance only: nDCG@10 per query on both judged sets (demo, realistic), engine and FTS5.
bench-relevance: install
	$(BIN)/python -m bench.run --relevance-only

clean:
	rm -rf $(VENV) node_modules .pytest_cache

# Reliability load test (docs/reliability.md): 20 users for 60 s against gunicorn (4 workers),
# on SQLite then on a throwaway PostgreSQL cluster; loopback only. Not part of `make bench`.
.PHONY: load
load: install
	$(BIN)/python bench/mixed_load.py --backend sqlite --synthetic 10000 --output bench/results/load-sqlite.json
	$(BIN)/python bench/mixed_load.py --backend postgres --synthetic 10000 --output bench/results/load-postgres.json
