# kehoach-extract: `make run` extracts the bundled corpus, `make test` runs the tests.
# Both set up what they need first: a virtualenv in .venv, and LibreOffice from Debian
# where a feature needs it (legacy .doc input, rendering the corpus and benchmark PDFs).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install libreoffice chromium tesseract run serve test wheel-check eval bench bench-dask bench-ocr corpus golden clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# LibreOffice (Debian) converts legacy .doc and renders DOCX to PDF. Best effort: without it
# those features say how to enable them and their tests are skipped.
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null) \
	      || echo "warning: could not install LibreOffice; .doc input and PDF rendering stay off"; \
	  else echo "note: LibreOffice not found (apt-get install libreoffice-writer-nogui enables .doc input)"; fi; }

# Chromium (Debian) for the real-browser tests of pages a person looks at (Playwright drives it;
# nothing is downloaded). Best effort like LibreOffice: without it those tests skip.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null) \
	      || echo "warning: could not install Chromium; browser tests will skip"; \
	  else echo "note: Chromium not found (apt-get install chromium enables the browser tests)"; fi; }

# Tesseract's Vietnamese model (Debian) reads scanned PDF pages. Best effort: without it a
# scanned page gets `text_layer_missing` saying so, and the OCR tests are skipped.
tesseract:
	@test -f /usr/share/tesseract-ocr/5/tessdata/vie.traineddata || test -f /usr/share/tesseract-ocr/4.00/tessdata/vie.traineddata || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-vie >/dev/null) \
	      || echo "warning: could not install Tesseract; scanned PDF pages stay unread"; \
	  else echo "note: Tesseract not found (apt-get install tesseract-ocr tesseract-ocr-vie enables OCR of scans)"; fi; }

run: install tesseract
	$(BIN)/kehoach batch corpus -o out

# The HTTP API and the review page (kehoach serve), on localhost unless HOST says otherwise.
HOST ?= 127.0.0.1
PORT ?= 8000
serve: install
	$(BIN)/kehoach serve --host $(HOST) --port $(PORT)

test: install libreoffice chromium tesseract
	$(PY) -m pytest

# Build the wheel, install it into a fresh virtualenv outside the clone and extract the corpus
# with it (CI runs this after `make test`).
wheel-check: install
	tools/wheel_check.sh $(PY)

eval: install tesseract
	$(BIN)/kehoach eval golden
	$(BIN)/kehoach eval golden --no-nlp

bench: install libreoffice tesseract
	$(PY) bench/run.py

# Worker processes against Dask (a LocalCluster), 1 and 2 workers, costs per page, the cluster
# size for 100,000 plans an hour (bench/out/dask_scaling.md). Dask comes with the test extra.
bench-dask: install tesseract
	$(PY) bench/dask_scaling.py

# OCR pages/s of the scans with 1 and 2 workers, and the peak RSS of a 100-page scan
# (bench/out/ocr.md).
bench-ocr: install tesseract
	$(PY) bench/ocr.py

corpus: install libreoffice
	$(PY) tools/make_corpus.py
	$(PY) tools/make_scans.py

clean:
	rm -rf out bench/out .pytest_cache
