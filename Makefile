# make demo  — set up .venv and train the 3-layer dense network on the bundled handwritten digits
# make test  — set up .venv with the test dependencies and run the whole suite
# make results — the training targets of the README at full settings, over 3 seeds (tens of minutes)
# make bench — the speed benchmarks against hand-written NumPy and the peers that are installed (minutes)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench figures results clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("chainrule needs Python 3.10 or newer") if sys.version_info < (3, 10) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.train: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[train]"
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@ $(VENV)/.train

$(VENV)/.bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[bench]"
	touch $@

demo: $(VENV)/.train
	$(BIN)/chainrule train

test: $(VENV)/.test
	$(BIN)/python -m pytest

# OpenBLAS's core-type override (set on some machines for old builds) slows a current NumPy: unset for timing only
bench: $(VENV)/.bench
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python -m benchmarks.run $(BENCH_ARGS)

results: $(VENV)/.train
	$(BIN)/python scripts/training_results.py $(RESULTS_ARGS)

lint: $(VENV)/.test
	$(BIN)/ruff check src tests benchmarks

# make figures — the pictures in the README's "See the chain rule" section (docs/figures/*.svg)
FIGURES := composition composition3 multivariable gates dense3
figures: $(VENV)/.train
	mkdir -p docs/figures
	for ex in $(FIGURES); do $(BIN)/chainrule explain --example $$ex --draw docs/figures/$$ex.svg > /dev/null || exit 1; done
	$(BIN)/chainrule explain "sin(x*y) + x/y" --at x=1.5 --at y=-2 --draw docs/figures/expression.svg > /dev/null

clean:
	rm -rf $(VENV) runs build src/*.egg-info .pytest_cache
