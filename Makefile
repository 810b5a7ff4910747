# Two commands: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: demo test lint typecheck unit lock clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes. pip, not uv: a fresh clone needs only Python 3.
# The demo runs the emulator ([emulator]) and an evaluation ([eval]); dev includes both.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[emulator,eval]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

# `make demo BACKEND=promptlayer` runs the same tour on PromptLayer (examples/promptlayer/).
BACKEND ?= freeplay

demo: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh $(BACKEND)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/check-jsonschema --builtin-schema vendor.github-actions action.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows \
		docs/examples/pr-plan.yml docs/examples/deploy.yml promptsync/init_files/workflow.yml \
		docs/examples/promptlayer-pr-plan.yml docs/examples/promptlayer-deploy.yml \
		promptsync/init_files/promptlayer/workflow.yml \
		.github/workflows/ci.yml .github/workflows/release.yml \
		docs/examples/drift.yml docs/examples/monorepo-pr-plan.yml docs/examples/monorepo-deploy.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/pytest

test: lint typecheck unit

# The Action's locks (docs/install.md): every wheel it installs, pinned with its hashes. Run after
# changing dependencies in pyproject.toml (tests/test_lock.py fails until you do). Pins already in
# a lock are kept; `make lock UPGRADE=--upgrade` moves every pin to the newest release.
COMPILE := $(BIN)/uv pip compile --universal --python-version 3.11 --only-binary :all: \
	--generate-hashes --quiet $(UPGRADE)

lock: $(VENV)/.installed-dev
	$(COMPILE) pyproject.toml -o locks/runtime.txt
	$(COMPILE) locks/build.in -o locks/build.txt
	$(COMPILE) locks/uv.in -o locks/uv.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
