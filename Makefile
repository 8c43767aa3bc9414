# The one task runner: the README's two commands and CI call these targets verbatim.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt
LOCK_VENV := .venv-lock

export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test test-unit test-integration test-browser install lock check-latest lint bench bench-scale bench-quality documents clean

# Exactly the tested versions: every package from the lock, each file checked against its hash
# (the pip that comes with the venv can do that; nothing is upgraded first). The lock pins torch
# to 2.13.0+cpu, the CPU build on this disk: anything else pulls CUDA (GBs). Then our own code,
# built with the lock's setuptools, and a check that the lock satisfies pyproject.toml's ranges.
# --no-deps: the lock is complete; without it pip 23.2 resolves jusText's lxml[html_clean] anew,
# which hash mode refuses as unpinned once lxml releases a version with that extra.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $(STAMP)

install: $(STAMP)

# After changing a range in pyproject.toml, or to take newer releases (check-latest says which):
# regenerate the lock, then `make test` on it and commit both.
lock:  ## requirements/lock.txt anew: the newest versions the ranges allow, with hashes
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet pip-tools==7.6.2
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --upgrade \
	  --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	  --extra dev --constraint requirements/constraints.txt --output-file $(LOCK) pyproject.toml

check-latest:  ## a throwaway venv with the newest allowed versions: smoke test, diff to the lock
	$(PYTHON) scripts/check_latest.py

run: $(STAMP)  ## serve the app on 127.0.0.1:7860 (builds the index from corpus/ when absent)
	$(BIN)/toolbox-assistant serve

test: $(STAMP)  ## the whole test suite (all three lanes)
	$(BIN)/pytest

test-unit: $(STAMP)  ## the fast lane: in-process tests only
	$(BIN)/pytest -m "unit and not slow"

test-integration: $(STAMP)  ## tests that start processes or servers
	$(BIN)/pytest -m "integration and not slow"

test-browser: $(STAMP)  ## tests in a real headless Chromium
	$(BIN)/pytest -m "browser and not slow"

lint: $(STAMP)  ## ruff, and mypy over ingest, assistant, app.py, scripts and corpus
	$(BIN)/ruff check ingest assistant app.py tests benchmarks scripts corpus
	$(BIN)/mypy  # the files and options are in pyproject.toml

bench: $(STAMP)  ## speed figures: query latency and ingest throughput against their floors
	$(BIN)/python benchmarks/latency.py
	$(BIN)/python benchmarks/ingest.py

bench-scale: $(STAMP)  ## latency at 10k/100k chunks, embedded and server; start-up; 16 users
	$(BIN)/python benchmarks/scale_corpus.py 10000 100000
	$(BIN)/python benchmarks/scale.py
	$(BIN)/python benchmarks/serving.py
	$(BIN)/python benchmarks/serving.py --corpus 100k --starts 1

bench-quality: $(STAMP)  ## retrieval quality on the built-in benchmark; evaluate on 5,000 documents
	$(BIN)/python benchmarks/quality.py
	$(BIN)/python benchmarks/followups.py
	$(BIN)/python benchmarks/evaluate_beir.py

documents: $(STAMP)  ## rebuild corpus/documents/*.pdf from corpus/sources/*.md
	$(BIN)/python corpus/build_documents.py

clean:
	rm -rf $(VENV) $(LOCK_VENV) data
