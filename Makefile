# The project's verbs. Every target sets up .venv itself, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NTM := $(VENV)/bin/ntm
SAMPLE := data/sample
OUT := outputs/sample

.PHONY: setup setup-test report assess test test-fast lint locale sample notebooks lab bench bench-large bench-assess bench-reports clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@# Compiled once, as an installed wheel is: every worker would compile it again where
	@# PYTHONDONTWRITEBYTECODE is set (a second of each process's start).
	$(PY) -m compileall -q ntm_lib >/dev/null
	@# The notebooks' kernel, for JupyterLab; `ntm report` also resolves it by itself.
	$(PY) -m ipykernel install --sys-prefix --name ntm-assess --display-name "Python 3 (ntm-assess)" >/dev/null
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test

## report: HTML reports of the sample district for its latest year, with an index; the
## model-commune set, and Đức Chính's illustrative plan for its roadmap section
report: setup
	$(NTM) report $(SAMPLE)/indicators.csv $(SAMPLE)/model_conditions.csv \
		--communes $(SAMPLE)/communes.csv --set hd-2022-model \
		--plan $(SAMPLE)/plan.csv --budget $(SAMPLE)/budget.csv --summary --documents \
		--out $(OUT)/reports --force
	@# Tuệ Tĩnh (2025 merger of Cẩm Văn, Cẩm Vũ, Đức Chính) under the 2026-2030 set; its
	@# commune group (2) is an assumption, see data/README.md.
	$(NTM) merge $(SAMPLE)/indicators.csv --communes $(SAMPLE)/communes.csv \
		--set hd-2022-advanced --to new --new-set vn-2026-ntm --group 2 \
		--out $(OUT)/merged/merged.csv --force
	$(NTM) report $(OUT)/merged/merged.vn-2026-ntm.csv --communes $(OUT)/merged/merged.communes.csv \
		--set vn-2026-ntm --commune 10909 --predecessors-data $(SAMPLE)/indicators.csv \
		--predecessors-communes $(SAMPLE)/communes.csv --predecessors-set hd-2022-advanced \
		--out $(OUT)/tue-tinh --force
	@echo "Index: $(abspath $(OUT)/reports/index.html)"
	@echo "Tuệ Tĩnh (2026-2030 set): $(abspath $(OUT)/tue-tinh/index.html)"

## assess: result tables (CSV, Excel) for the sample district, all years
assess: setup
	$(NTM) assess $(SAMPLE)/indicators.csv --communes $(SAMPLE)/communes.csv \
		--set hd-2022-advanced --out $(OUT)/assessment --force
	@echo "Output: $(abspath $(OUT)/assessment)"

## test: install with the test extras, check the code's form (ruff), run the whole suite
test: setup-test lint
	$(PY) -m pytest

## test-fast: the pure-library tests (criteria, intake, assess; about two minutes), while working
test-fast: setup-test
	$(PY) -m pytest -m "not slow"

## lint: ruff's format and lint rules (pyproject.toml), as CI runs them
lint: setup-test
	$(VENV)/bin/ruff format --check ntm_lib tests benchmarks data
	$(VENV)/bin/ruff check ntm_lib tests benchmarks data

## locale: rebuild argparse's Vietnamese words (gettext) from ntm_lib/locale/cli_help.yaml
locale: setup
	$(PY) -c "from ntm_lib.i18n import argparse_catalogue as c; open('ntm_lib/locale/vi/LC_MESSAGES/ntm.mo', 'wb').write(c('vi'))"

## sample: regenerate the illustrative sample data (seeded: same files every time)
sample: setup
	$(PY) data/make_sample.py

## bench: every benchmark in one table, each figure beside its reference and goal (~10 min)
bench: setup-test
	$(PY) benchmarks/bench.py

## bench-large: the same, with the largest sizes (30,000 communes assessed; the whole country,
## 3,300 communes x 5 years, reported and updated): about half an hour
bench-large: setup-test
	$(PY) benchmarks/bench.py --large

## bench-assess: `ntm assess` end to end on a million input rows and more (time, CPU, memory)
bench-assess: setup
	$(PY) benchmarks/bench_assess.py

## bench-reports: `ntm report` against the notebook's floor and the naive loop
bench-reports: setup-test
	$(PY) benchmarks/bench_reports.py

## lab: JupyterLab on the notebooks with the project's kernel (trainers start here; see
## notebooks/HUONG-DAN-GIANG-VIEN.md)
lab: setup
	@# In Vietnamese (the language pack, chosen in notebooks/.jupyterlab/overrides.json);
	@# checkpoints kept in .venv, not beside the lessons.
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks \
		--LabApp.app_settings_dir=$(abspath notebooks/.jupyterlab) \
		--FileCheckpoints.checkpoint_dir=$(abspath $(VENV)/ipynb_checkpoints) \
		$(if $(filter 0,$(shell id -u)),--allow-root)

## notebooks: rebuild the training notebooks (vi, en) from notebooks/training.yaml
notebooks: setup
	$(PY) -m ntm_lib.reports.training

clean:
	rm -rf $(VENV) outputs/sample .pytest_cache
