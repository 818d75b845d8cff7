# kg: two commands do everything on a fresh machine with Python >= 3.11.
#   make demo  — create .venv, install kg, build the graph of sources/ into outputs/
#   make test  — create .venv, install kg with its dev tools, run ruff, mypy and pytest
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kg build sources --out outputs

test: $(STAMP)
	$(BIN)/ruff check kg tests scripts
	$(BIN)/mypy
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) outputs/graph.* outputs/review.csv outputs/.kg-build.json outputs/.kg-cache.sqlite
