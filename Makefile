# The project's verbs. Every target sets up .venv itself, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NTM := $(VENV)/bin/ntm
SAMPLE := data/sample
OUT := outputs/sample

.PHONY: setup setup-test report assess test sample bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test

## report: assess the bundled sample district and print where the results are
report: assess

assess: setup
	$(NTM) assess $(SAMPLE)/indicators.csv --communes $(SAMPLE)/communes.csv \
		--set hd-2022-advanced --out $(OUT)/assessment --force
	@echo "Output: $(abspath $(OUT)/assessment)"

## test: install with the test extras and run the whole suite
test: setup-test
	$(PY) -m pytest

## sample: regenerate the illustrative sample data (seeded: same files every time)
sample: setup
	$(PY) data/make_sample.py

## bench: print scoring throughput and peak memory
bench: setup
	$(PY) benchmarks/bench_scoring.py

clean:
	rm -rf $(VENV) outputs/sample .pytest_cache
