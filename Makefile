# Two commands do all the set-up on a fresh machine:
#   make lab    create .venv, install foldlab, open the start notebook (00) in JupyterLab
#   make test   create or reuse .venv and run every test (unit, doctests, notebooks, browser, the book)
#   make docs   build the book (notebooks executed, maths, API) into docs/_build/html
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8888
# pytest workers; the suite is sized for 2 cores
JOBS   ?= 2
# pip prints a "Location ... is ignored" line per package on these machines: filter those, keep real errors
PIPQUIET := { grep -v -E "^(WARNING: )?Location .* is ignored" || true; }
STAMP  := $(VENV)/.foldlab-installed
SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
# torch's AVX2 kernels also on CPUs with AVX-512, whose kernels round float32 sums differently: the lab, the
# tests and the book then give the digits the notebooks state (README, "Same digits")
export ATEN_CPU_CAPABILITY ?= avx2

.PHONY: help lab test lint install browser-deps bench clean test-browser-notebooks docs

help:
	@echo "make lab    install into .venv and open the start notebook in JupyterLab (PORT=$(PORT))"
	@echo "make test   install into .venv and run every test"
	@echo "make lint   ruff (lint and import order), also part of make test"
	@echo "make docs   build the book: every notebook executed, the maths page, the API (docs/_build/html)"
	@echo "make bench  run the benchmarks in benchmarks/"

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip 2>&1 | $(PIPQUIET)
	$(PY) -m pip install -q -c constraints.txt -e ".[lab,test]" 2>&1 | $(PIPQUIET)
	$(PY) -c "import torch, foldlab; assert torch.__version__.startswith('2.13.0'), torch.__version__"
	mkdir -p $(VENV)/share/jupyter/lab/settings && cp binder/overrides.json $(VENV)/share/jupyter/lab/settings/
	touch $@

install: $(STAMP) $(SETTINGS)

# JupyterLab's settings (binder/overrides.json, as Binder's postBuild installs them): saveState keeps widget
# state in saved notebooks, so that a reopened notebook shows its widgets instead of "model not found".
# Copied again whenever the file changes, also into an existing .venv.
$(SETTINGS): binder/overrides.json $(STAMP)
	mkdir -p $(dir $@) && cp binder/overrides.json $@

lab: $(STAMP) $(SETTINGS)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --port=$(PORT) \
	  --no-browser --allow-root --ServerApp.port_retries=0 --LabApp.default_url=/lab/tree/00_start_here.ipynb


# The browser test drives Debian's chromium; install it where it is missing (needs root or sudo).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "installing chromium (apt) for the browser test"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

test: $(STAMP) $(SETTINGS) browser-deps lint
	$(PY) -m pytest -n $(JOBS) --dist loadfile --nbval-current-env $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Every notebook run in a real JupyterLab, every widget moved, screenshots in $FOLDLAB_SCREENSHOTS (long)
test-browser-notebooks: $(STAMP) $(SETTINGS) browser-deps
	FOLDLAB_BROWSER_NOTEBOOKS=1 $(PY) -m pytest tests/test_browser_notebooks.py -v $(PYTEST_ARGS)

# The book: the source directory is the repository (docs/conf.py reads docs/ and notebooks/ only); warnings are
# errors, as in the test suite, which builds it from the notebooks it has run and graded (tests/test_course.py)
docs: $(STAMP)
	rm -rf docs/_build
	$(PY) -m sphinx -W --keep-going -q -b html -c docs -d docs/_build/doctrees . docs/_build/html
	@echo "the book: docs/_build/html/index.html"

bench: $(STAMP)
	for f in benchmarks/*.py; do echo "== $$f"; $(PY) $$f; done

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info docs/_build
