# The LLM Scaling Workbook. Two commands on a fresh machine with python3 (3.10+) and make:
#   make lab    set up .venv (if missing or stale) and open JupyterLab on chapters/
#   make test   set up .venv and run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYVER := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
LOCK := requirements/lab-py$(PYVER).lock
XLOCK := requirements/crosscheck.lock
STAMP := $(VENV)/.installed-lab
XSTAMP := $(VENV)/.installed-crosscheck
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
ARGS ?=
PYTEST_ARGS ?=

.PHONY: help venv lab test test-browser demo html grade crosscheck bench book exercises clean

help:
	@echo "make lab         open JupyterLab on chapters/ (LAB_DIR=exercises for the student notebooks; ARGS='--no-browser --port=8890' passes through)"
	@echo "make test        unit tests + every chapter under nbval"
	@echo "make test-browser  only the browser tests (JupyterLab and the Voila demo in Debian's chromium)"
	@echo "make demo        the instructor dashboard (Voila, no code shown) on 127.0.0.1:$${PORT:-8866}"
	@echo "make html        the static edition in build/html/ (answers in collapsed <details>)"
	@echo "make grade DIR=d  class view of students' exercise notebooks in d: OUT=grade-report/grades.{html,csv}, TIMEOUT=120 s each"
	@echo "make crosscheck  llmcalc against transformers and torch's FlopCounterMode (installs torch 2.13.0)"
	@echo "make bench       benchmarks (medians and ratios)"
	@echo "make book        re-execute every chapter source (chapters/**/NN_x.py) into its stored notebook"
	@echo "make exercises   regenerate the student notebooks in exercises/ (refuses to overwrite edited ones; FORCE=1 to force)"

venv:
	@test -f "$(LOCK)" || { echo "no lock file for Python $(PYVER) ($(LOCK)); use PYTHON=python3.11 (or 3.10, 3.12, 3.13)"; exit 1; }
	@$(PYTHON) tools/ensure_venv.py $(VENV)
	@$(MAKE) --no-print-directory $(STAMP)

$(STAMP): $(LOCK) pyproject.toml
	@echo "installing pinned packages into $(VENV) ..."
	$(PIP) install -r $(LOCK)
	$(PIP) install --no-build-isolation --no-deps -e .
	@touch $@

$(XSTAMP): $(STAMP) $(XLOCK)
	@echo "installing torch and transformers for the crosscheck ..."
	$(PIP) install -c $(LOCK) -r $(XLOCK)
	@touch $@

# The folder Lab opens: chapters/ by default; `make lab LAB_DIR=exercises` for the student notebooks.
LAB_DIR ?= chapters

# As root (containers, cloud notebooks) Jupyter refuses to start without allow_root; the server still binds 127.0.0.1.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True,)

lab: venv
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=$(LAB_DIR) $(ALLOW_ROOT) $(ARGS)

test: venv
	$(BIN)/python -m pytest tests --ignore=tests/crosscheck $(PYTEST_ARGS)
	@if compgen -G "chapters/*.ipynb" >/dev/null; then \
	  $(BIN)/python -m pytest --nbval --nbval-current-env chapters $(PYTEST_ARGS); \
	else echo "no chapters yet: nbval has nothing to run"; fi

test-browser: venv
	$(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)

PORT ?= 8866
demo: venv
	$(BIN)/voila demo/dashboard.ipynb --no-browser --port=$(PORT) --Voila.ip=127.0.0.1 $(ARGS)

html: venv
	$(BIN)/python tools/build_html.py

# make grade DIR=folder [OUT=grade-report] [TIMEOUT=120]: each notebook runs in its own kernel; files are only read
OUT ?= grade-report
TIMEOUT ?= 120
ifneq ($(filter grade,$(MAKECMDGOALS)),)
ifeq ($(strip $(DIR)),)
$(error usage: make grade DIR=folder-of-student-notebooks [OUT=grade-report] [TIMEOUT=120])
endif
endif
grade: venv
	$(BIN)/python tools/grade.py "$(DIR)" --out "$(OUT)" --timeout "$(TIMEOUT)"

crosscheck: venv
	@$(MAKE) --no-print-directory $(XSTAMP)
	$(BIN)/python -m pytest tests/crosscheck -p no:cacheprovider $(PYTEST_ARGS)

book: venv
	$(BIN)/python tools/build_chapters.py

exercises: venv
	$(BIN)/python tools/make_exercises.py $(if $(FORCE),--force,)

bench: venv
	$(BIN)/python tools/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
