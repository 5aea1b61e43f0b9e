# driftcheck: everything runs inside a project-local virtualenv (.venv), created on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    := out

.PHONY: demo test fidelity gold browser lint bench bench-report clean help

help:
	@echo "make demo   compare the bundled samples with the staging server's pending exports linked"
	@echo "            ($(OUT)/report.html, .json), and those pending exports alone ($(OUT)/pending.html, .json, .csv)"
	@echo "make test   run the test suite (browser tests need 'make browser' first)"
	@echo "make fidelity  plant one change at every site of the exports (the whole fidelity walk, about 10 min)"
	@echo "make gold   regenerate tests/gold/files (outputs of the samples) after a change meant to alter them"
	@echo "make browser install Chromium, chromedriver (Debian packages) and axe-core (npm)"
	@echo "make lint   ruff format --check, ruff check, mypy, lint-imports (the layers contract), module and function sizes"
	@echo "make bench  time and measure compare on generated large estates, and exports on large csexport files"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# Exit code 1 means "drift found", which is what the samples are built to show.
demo: $(STAMP)
	@mkdir -p $(OUT)
	@$(BIN)/driftcheck compare samples/primary samples/staging --pending samples/staging-pending \
		--html $(OUT)/report.html --json $(OUT)/report.json; \
	rc=$$?; if [ $$rc -gt 1 ]; then exit $$rc; fi
	@echo
	@echo "Pending exports of the staging server on their own (samples/staging-pending, the Verify step):"
	@$(BIN)/driftcheck exports samples/staging-pending --config samples/staging \
		--html $(OUT)/pending.html --json $(OUT)/pending.json --csv $(OUT)/pending.csv; \
	rc=$$?; if [ $$rc -gt 1 ]; then exit $$rc; fi
	@echo
	@echo "Open the report (configuration drift, with the pending exports it explains): $(abspath $(OUT)/report.html)"
	@echo "Open the pending exports: $(abspath $(OUT)/pending.html) (one row per change: $(abspath $(OUT)/pending.csv))"

# Browser tests skip (with the reason) where Chromium is missing, except in CI, where they fail.
test: $(STAMP)
	$(BIN)/python -m pytest -q --cov=driftcheck --cov-report=term:skip-covered

# The whole fidelity walk: one planted change at every site of the genuine export and the
# samples (make test runs a seeded subset of 40 per export). About 10 minutes.
fidelity: $(STAMP)
	DRIFTCHECK_FIDELITY=all $(BIN)/python -m pytest -q -s tests/test_fidelity_walk.py

# The gold files are what users see of the samples; regenerate them only on purpose, then read
# git diff tests/gold before committing (CONTRIBUTING.md).
gold: $(STAMP)
	DRIFTCHECK_UPDATE_GOLD=1 $(BIN)/python -m pytest -q tests/gold

# Debian's chromium and chromium-driver, and axe-core from npm into .tools/ (see tools/ensure-browser.sh).
browser:
	sh tools/ensure-browser.sh

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python tools/check_sizes.py

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/bench_history.py
	$(BIN)/python bench/bench_exports.py
	$(BIN)/python bench/bench_flows.py
	$(BIN)/python bench/bench_zip.py
	$(MAKE) --no-print-directory bench-report

# The reports that bench wrote, measured in headless Chromium (needs make browser).
bench-report: $(STAMP)
	$(BIN)/python bench/bench_report_browser.py $(sort $(wildcard bench/data/*/reports/report.html))

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache .coverage .tools bench/data
