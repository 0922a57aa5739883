# The two commands of the README: `make run` and `make test`.
# Both create .venv (Python 3.11) and install torch from this machine's wheels plus the package.
# `make run` runs the quick experiment end to end (EXPERIMENT=paper for another one); the
# workflow's jobs call the `repscope` command, so .venv/bin goes first on PATH.
PYTHON ?= python3.11
EXPERIMENT ?= quick
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install torch==2.14.1 torchvision==0.29.1
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --profile workflow/profiles/default \
		--cores all --config experiment=$(EXPERIMENT)

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) results .snakemake
