# The project's commands. Each creates the virtual environment first when it is missing
# or older than the files that define it.
#
#   make book      build the book into _build/html, executing every chapter, and its
#                  Korean edition into _build/html/ko from the same executions
#   make catalogs  after an English edit: merge its messages into the Korean catalogs
#   make check-catalogs  list what the Korean catalogs still lack
#   make test      run the whole test suite (what CI runs)
#   make refresh   re-execute chapter notebooks in place (NOTEBOOKS="book/x.ipynb" for some)
#   make screenshots  after make book: every page in Chromium, to _build/screenshots
#   make lab       JupyterLab on the chapters, in the pinned environment
#   make gpu-check on a CUDA machine, with its own PyTorch: compare every chapter on CPU
#                  and CUDA, run the cuda tests and the quick bench (writes gpu-report.md)
#   make gpu-wheels  download into .whl/ the wheels gpu-check installs where they are missing

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
NOTEBOOKS ?=

export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONHASHSEED := 0

.PHONY: book test catalogs check-catalogs refresh inventories lock clean gpu-check gpu-wheels screenshots lab

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --constraint constraints.txt --editable '.[book,dev]'
	$(VENV)/bin/python -m pip check
	touch $@

book: $(STAMP)
	python -m tools.build

test: $(STAMP)
	python -m pytest

catalogs: $(STAMP)
	python -m tools.translation update

check-catalogs: $(STAMP)
	python -m tools.translation check

refresh: $(STAMP)
	python -m tools.refresh $(NOTEBOOKS)

# After make book: a screenshot of every page at desktop and phone width, for humans,
# and the browser test's counts per page.
screenshots: $(STAMP)
	python -m tools.browser_check _build/html --screenshots _build/screenshots

inventories: $(STAMP)
	python -m tools.inventories

# JupyterLab is installed on first use, so that make book and make test stay lean.
lab: $(STAMP)
	$(VENV)/bin/python -m pip install --quiet --constraint constraints.txt --editable '.[book,dev,lab]'
	jupyter lab book/

clean:
	rm -rf _build

# No .venv here: the GPU machine's own Python and PyTorch are the ones to check.
gpu-check:
	bash tools/gpu_check.sh

gpu-wheels:
	bash tools/gpu_wheels.sh

# Re-resolve the newest compatible versions into constraints.txt (torch stays on the
# release whose CPU wheel the project's machines carry).
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --editable '.[book,dev,lab]' 'torch==2.13.0'
	.lock-venv/bin/python -m pip check
	{ echo "# Every package of the book's environment, pinned; produced by 'make lock'."; \
	  echo "# torch 2.13.0 resolves to the CPU wheel on the project's machines; see the README for CUDA."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | sed 's/+cpu$$//'; } > constraints.txt
	rm -rf .lock-venv
