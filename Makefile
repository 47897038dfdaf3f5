# Two commands do all set-up on a fresh machine (Linux/macOS, Python 3.10+):
#   make demo   - a demo workspace of the default city: 2022-12 to 2025-05 imported as history; 2025-06, its
#                 quarter 2025-Q2 and the whole year 2024 consolidated; prints where each brief is
#   make test   - ruff, mypy, the import layering contracts (pyproject.toml [tool.importlinter]) and the test suite
#   make serve  - the districts' web page on the demo workspace (http://localhost:8765/)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= demo
PERIOD ?= 2025-06
FROM   ?= 2022-12

.PHONY: demo test venv bench serve clean

$(BIN)/reporttool: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

venv: $(BIN)/reporttool

demo: venv
	@rm -rf $(DEMO)
	$(BIN)/reporttool init $(DEMO)
	$(BIN)/reporttool -w $(DEMO) demo --period $(PERIOD) --from $(FROM) --workers 2 --consolidate

test: venv
	$(BIN)/ruff check reporttool tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The districts' web page on the demo workspace (make demo first); new access codes are printed each time.
serve: venv
	@test -d $(DEMO) || $(MAKE) demo
	$(BIN)/reporttool -w $(DEMO) codes --rotate
	$(BIN)/reporttool -w $(DEMO) serve --period $(PERIOD)

bench: venv
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(DEMO) build *.egg-info
