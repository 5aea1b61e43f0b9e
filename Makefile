# driftcheck: everything runs inside a project-local virtualenv (.venv), created on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    := out

.PHONY: demo test lint bench clean help

help:
	@echo "make demo   compare the bundled samples and write $(OUT)/report.html and $(OUT)/report.json"
	@echo "make test   run the test suite"
	@echo "make lint   ruff format --check, ruff check, mypy"
	@echo "make bench  time and measure compare on generated large estates"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# Exit code 1 means "drift found", which is what the samples are built to show.
demo: $(STAMP)
	@mkdir -p $(OUT)
	@$(BIN)/driftcheck compare samples/primary samples/staging \
		--html $(OUT)/report.html --json $(OUT)/report.json; \
	rc=$$?; if [ $$rc -gt 1 ]; then exit $$rc; fi
	@echo
	@echo "Open the report: $(abspath $(OUT)/report.html)"

test: $(STAMP)
	sh tools/ensure-browser.sh
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/bench_history.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache bench/data
