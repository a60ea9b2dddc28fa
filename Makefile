# cvcourse: the two commands are `make book` and `make test`; both bootstrap .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
# The venv's bin goes first on PATH: nbgrader shells out to `alembic`, jupyter-book to `jupyter`.
export PATH := $(BIN):$(PATH)
# On 2 shared cores, OpenMP threads that spin while waiting make torch 10x slower: let them sleep.
export OMP_WAIT_POLICY ?= PASSIVE
STAMP := $(VENV)/.installed
WIDGETS_JS := book/_widgets_js/.installed
JB_FLAGS := --all -W -n --keep-going

.PHONY: help venv book book-fast test test-fast lint grade-demo bench clean

help:
	@echo "make book        build the whole book (executes changed chapters) into _build/html"
	@echo "make test        lint, then the whole test suite (builds the book with -W)"
	@echo "make lint        ruff on the package, tests, bench and chapters"
	@echo "make grade-demo  build a demo class, grade it with cvcourse grade, print the report"
	@echo "make bench       run the benchmarks under bench/ (ratios against references)"

# Reinstall only when requirements or package metadata change (the stamp is newer otherwise).
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

venv: $(STAMP)

# The ipywidgets manager JS is served by the book itself so widgets render offline.
$(WIDGETS_JS): book/widgets_js/package.json book/widgets_js/package-lock.json
	@mkdir -p book/_widgets_js
	cd book/widgets_js && npm ci --silent --no-audit --no-fund
	cp book/widgets_js/node_modules/requirejs/require.js book/_widgets_js/require.js
	cp -r book/widgets_js/node_modules/@jupyter-widgets/html-manager/dist/. book/_widgets_js/
	mkdir -p book/_widgets_js/mathjax && cp -r book/widgets_js/node_modules/mathjax/es5 book/_widgets_js/mathjax/
	@touch $@

book: $(STAMP) $(WIDGETS_JS)
	$(BIN)/jupyter-book build $(JB_FLAGS) .
	@echo "Book: file://$(abspath _build/html/book/intro.html)"

lint: $(STAMP)
	$(BIN)/ruff check cvcourse tests bench
	$(BIN)/ruff format --check cvcourse tests bench

test: $(STAMP) $(WIDGETS_JS) lint
	$(BIN)/python -m pytest --durations=25

grade-demo: $(STAMP)
	$(BIN)/python -m cvcourse.grading.demo

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build book/_widgets_js .pytest_cache
