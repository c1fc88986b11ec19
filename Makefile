# The two entry points a newcomer needs (see README): `make demo` and `make test`.
# Each creates a virtualenv in .venv (if missing), installs lamina from this
# checkout with pip (building the native core), and runs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test install bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	$(PY) -m pip install --quiet ".[test]"

demo: install
	$(PY) examples/demo.py

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) bench/bench_ops.py

clean:
	rm -rf $(VENV) build
