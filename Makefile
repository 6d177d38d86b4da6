# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Every Python package, with its hashes, comes from the lock files (README: Updating
# dependencies): requirements.lock for production (the Dockerfile), requirements-dev.lock for
# it plus the dev extras. torch is the CPU build: this machine keeps its wheel in /opt/wheels,
# elsewhere it comes from PyTorch's CPU index (PyPI's Linux wheel pulls in gigabytes of CUDA).
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
LOCAL_WHEELS := $(wildcard /opt/wheels)
TORCH_SOURCE := $(if $(LOCAL_WHEELS),--find-links $(LOCAL_WHEELS),--extra-index-url https://download.pytorch.org/whl/cpu)
UV := $(VENV)/bin/uv
# Resolved for the image's platform whoever runs it; uv keeps the current pins unless
# pyproject.toml needs others (make lock-upgrade moves everything to the newest).
UV_COMPILE := $(UV) pip compile pyproject.toml --quiet --generate-hashes \
	--python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	--custom-compile-command "make lock" \
	$(TORCH_SOURCE) $(if $(LOCAL_WHEELS),,--index-strategy unsafe-best-match)
# Front-end libraries come from npm (package-lock.json) and are served by whitenoise, never a CDN.
VENDOR := static/vendor
VENDOR_STAMP := $(VENDOR)/.installed
VENDOR_FILES := node_modules/htmx.org/dist/htmx.min.js \
	node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map
# The e2e tests drive Debian's Chromium; Playwright's own browser download is not reachable.
CHROMIUM := /usr/bin/chromium

.PHONY: install lock lock-upgrade run test test-fast lint format bench audit clean-data

# The lock is complete (every dependency, extras' included, pinned with its hashes), so pip
# installs it with --no-deps: it never resolves anything against the index, where a package
# released after the lock (reached through an extra, which older pips resolve afresh) would
# fail --require-hashes. The project itself goes in editable and without dependencies (an
# editable install has no hash to check); pip check then fails if pyproject.toml asks for
# more than the lock holds.
$(STAMP): pyproject.toml $(DEV_LOCK)
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes $(TORCH_SOURCE) -r $(DEV_LOCK)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@$(PY) -m pip check || { echo "$(DEV_LOCK) does not satisfy pyproject.toml: run 'make lock'"; exit 1; }
	touch $(STAMP)

# uv alone, at the version the dev lock pins, so that a changed pyproject.toml can be locked
# before the rest is installed.
$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "$$(grep -o '^uv==[^ ]*' $(DEV_LOCK) || echo uv)"

# The dev lock first; production's is resolved within it, so both pin the same versions.
lock: $(UV)
	$(UV_COMPILE) $(LOCK_FLAGS) --extra dev -o $(DEV_LOCK)
	$(UV_COMPILE) $(LOCK_FLAGS) -c $(DEV_LOCK) -o $(LOCK)

lock-upgrade: LOCK_FLAGS := --upgrade
lock-upgrade: lock

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

# The ONNX export of the embedding model (catalog/embedding.py), made once here: otherwise
# the first start's web and worker processes make it while the catalogue is being embedded,
# on the same cores. Redone when the packages or the export code change. Without it (e.g.
# in the Docker image) the first process that needs the model exports it on demand.
EMBEDDING_EXPORT_DIR ?= .models
EXPORT_STAMP := $(EMBEDDING_EXPORT_DIR)/.exported

$(EXPORT_STAMP): $(STAMP) catalog/embedding.py
	$(PY) manage.py export_embedding_model
	mkdir -p $(EMBEDDING_EXPORT_DIR)
	touch $(EXPORT_STAMP)

install: $(STAMP) $(VENDOR_STAMP) $(EXPORT_STAMP)

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
