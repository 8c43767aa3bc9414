# The one task runner: the README's two commands and CI call these targets verbatim.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test install lint bench bench-scale bench-quality documents clean

# torch first, pinned: 2.13.0 is the CPU build on this disk; anything else pulls CUDA (GBs).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)  ## serve the app on 127.0.0.1:7860 (builds the index from corpus/ when absent)
	$(BIN)/toolbox-assistant serve

test: $(STAMP)  ## the whole test suite
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check ingest assistant app.py tests benchmarks

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
	rm -rf $(VENV) data
