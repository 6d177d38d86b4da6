# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# This machine keeps a CPU wheel of torch here; pip would otherwise fetch CUDA builds.
FIND_LINKS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels)
# Front-end libraries come from npm (package-lock.json) and are served by whitenoise, never a CDN.
VENDOR := static/vendor
VENDOR_STAMP := $(VENDOR)/.installed
VENDOR_FILES := node_modules/htmx.org/dist/htmx.min.js \
	node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map
# The e2e tests drive Debian's Chromium; Playwright's own browser download is not reachable.
CHROMIUM := /usr/bin/chromium

.PHONY: install run test test-fast lint format bench audit clean-data

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(FIND_LINKS) -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# The source map is copied too: production's manifest storage rewrites the reference to it.
$(VENDOR_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 18+ with npm (e.g. apt-get install nodejs npm) to vendor htmx and Chart.js"; exit 1; }
	npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)
	cp $(VENDOR_FILES) $(VENDOR)/
	touch $(VENDOR_STAMP)

$(CHROMIUM):
	@[ "$$(id -u)" = 0 ] || { echo "$(CHROMIUM) not found: run 'sudo apt-get install chromium chromium-driver' for the e2e tests"; exit 1; }
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver

install: $(STAMP) $(VENDOR_STAMP)

# Beside a checkout of the shared datasets (offline machines, CI), the first start imports
# them instead of downloading from GroupLens; MOVIELENS_SOURCE / TMDB_METADATA_PATH /
# TMDB_CREDITS_PATH win.
SHARED_MOVIELENS := $(wildcard ../shared/data/movielens/ml-latest-small)
SHARED_TMDB := $(wildcard ../shared/data/tmdb/tmdb_5000_movies.csv)
SHARED_TMDB_CREDITS := $(wildcard ../shared/data/tmdb/tmdb_5000_credits.csv)

run: install
	$(if $(SHARED_MOVIELENS),MOVIELENS_SOURCE="$${MOVIELENS_SOURCE:-$(SHARED_MOVIELENS)}") \
	$(if $(SHARED_TMDB),TMDB_METADATA_PATH="$${TMDB_METADATA_PATH:-$(SHARED_TMDB)}") \
	$(if $(SHARED_TMDB_CREDITS),TMDB_CREDITS_PATH="$${TMDB_CREDITS_PATH:-$(SHARED_TMDB_CREDITS)}") \
	$(PY) manage.py runstack

test: install $(CHROMIUM)
	$(PY) -m pytest -n 2 --dist loadgroup

# The import contracts (pyproject.toml) keep the layers of docs/architecture.md honest.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench

# Known vulnerabilities in the installed packages, from PyPI's JSON API (needs pypi.org).
# --strict: a package that could not be checked fails the audit instead of being skipped.
audit: install
	$(VENV)/bin/pip-audit --strict --skip-editable --progress-spinner off

clean-data:
	rm -rf .data
