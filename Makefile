# make run: set up and start on SQLite with a sample portfolio. make test: set up and run the tests.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
PRICE_SOURCE ?= yahoo
export FLASK_APP := wsgi

.PHONY: run test setup setup-dev lint bench clean browser vendor

$(BIN)/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev

run: setup
	FLASK_DEBUG=1 $(BIN)/flask db upgrade
	FLASK_DEBUG=1 PORT=$(PORT) $(BIN)/flask seed
	FLASK_DEBUG=1 PRICE_SOURCE=$(PRICE_SOURCE) $(BIN)/flask run --port $(PORT)

# Browser tests need Debian's Chromium; install it when it is missing and we may (root).
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "Chromium missing: apt-get install chromium"; }

test: setup-dev browser
	$(BIN)/ruff check .
	TEST_DB=sqlite $(BIN)/python -m pytest -q -n 2
	@if [ -n "$$DATABASE_URL" ]; then echo "== again on PostgreSQL"; TEST_DB=postgres $(BIN)/python -m pytest -q -n 2 -m "not once" -p no:cacheprovider; fi

lint: setup-dev
	$(BIN)/ruff check .

bench: setup-dev
	$(BIN)/python bench/prices.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/analytics.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/income.py
	$(BIN)/python bench/signin.py

clean:
	rm -rf $(VENV) instance .pytest_cache

# Re-fetch the vendored charting libraries from the npm registry (pinned versions): Chart.js and its
# date adapter (the bundle carries date-fns inside it), for time axes.
CHARTJS_VERSION := 4.6.1
ADAPTER_VERSION := 3.0.0
vendor:
	rm -rf /tmp/folio-vendor && mkdir -p /tmp/folio-vendor/chart /tmp/folio-vendor/adapter
	cd /tmp/folio-vendor/chart && npm pack --silent chart.js@$(CHARTJS_VERSION) >/dev/null && tar xzf chart.js-$(CHARTJS_VERSION).tgz
	cd /tmp/folio-vendor/adapter && npm pack --silent chartjs-adapter-date-fns@$(ADAPTER_VERSION) >/dev/null && tar xzf chartjs-adapter-date-fns-$(ADAPTER_VERSION).tgz
	mkdir -p app/static/vendor/chart.js-$(CHARTJS_VERSION) app/static/vendor/chartjs-adapter-date-fns-$(ADAPTER_VERSION)
	cp /tmp/folio-vendor/chart/package/dist/chart.umd.min.js /tmp/folio-vendor/chart/package/LICENSE.md app/static/vendor/chart.js-$(CHARTJS_VERSION)/
	cp /tmp/folio-vendor/adapter/package/dist/chartjs-adapter-date-fns.bundle.min.js /tmp/folio-vendor/adapter/package/LICENSE.md app/static/vendor/chartjs-adapter-date-fns-$(ADAPTER_VERSION)/
