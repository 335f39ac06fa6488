# Two commands do all the set-up on a fresh machine:
#   make book   virtual environment, dependencies, the whole book (executed) in _build/html
#   make test   the same set-up and book, then the whole test suite
VENV   ?= .venv
PY     := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)
# Idle OpenMP threads sleep instead of spinning: on a shared, busy machine spinning
# threads made the engine's many small products up to 10x slower.
export OMP_WAIT_POLICY ?= PASSIVE
STAMP  := $(VENV)/.installed

.PHONY: venv book test test-engine lint notebooks bench clean npm chromium bubblewrap grade grades

venv: $(STAMP)

# PyTorch: on Linux, pip's default torch wheel brings CUDA and its NVIDIA libraries (a 6 GB
# environment). Without an NVIDIA GPU (no nvidia-smi) the small CPU build is installed first,
# from PyTorch's own index; where that index cannot be reached, requirements.txt then installs
# torch from the default index. Nothing happens when torch is already installed (CI does that).
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	@if ! $(PY) -c "import torch" 2>/dev/null && [ "$$(uname -s)" = Linux ] \
		&& ! command -v nvidia-smi >/dev/null; then \
		echo "No NVIDIA GPU: installing PyTorch's CPU build from $(TORCH_CPU_INDEX)"; \
		$(PY) -m pip install -q --timeout 20 --retries 1 torch --index-url $(TORCH_CPU_INDEX) \
		|| echo "$(TORCH_CPU_INDEX) unreachable: torch comes from the default index instead"; \
	fi
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# --- the book (site owner) -------------------------------------------------------
# The site serves MathJax, RequireJS and the ipywidgets HTML manager itself: npm
# installs them (versions pinned in site/package-lock.json) and site/vendor.py copies
# them to site/public/_vendor/, which Sphinx copies into _build/html (html_extra_path).
# -W -n: any warning, broken reference or notebook cell error fails the build.
# A full rebuild (--all, every notebook executed again) runs when the last build did
# not succeed or the engine or the dependencies changed since; otherwise Sphinx
# re-reads (and re-executes) only the pages that changed.
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SITE_DEPS := site/node_modules/.installed
VENDORED  := site/public/_vendor/README.txt
BOOK_OK   := _build/.book-ok
BOOK_INPUTS := hopfield_lib requirements.txt pyproject.toml site/package-lock.json site/vendor.py \
		site/hopfield_site.py site/static

npm:
	@command -v npm >/dev/null || { $(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm; }

$(SITE_DEPS): site/package.json site/package-lock.json | npm
	cd site && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(VENDORED): $(SITE_DEPS) site/vendor.py site/mathjax2-shim.js site/requirejs-config.js
	python3 site/vendor.py  # standard library only

book: $(STAMP) $(VENDORED)
	@if [ ! -f $(BOOK_OK) ] || [ -n "$$(find $(BOOK_INPUTS) -newer $(BOOK_OK) ! -path '*/__pycache__*' -print -quit)" ]; \
	then full=--all; else full=; fi; \
	rm -f $(BOOK_OK); \
	echo "$(VENV)/bin/jupyter-book build . -W -n --keep-going $$full"; \
	HOPFIELD_BOOK_BUILD=1 $(VENV)/bin/jupyter-book build . -W -n --keep-going $$full && touch $(BOOK_OK)

# The browser tests drive Chromium at /usr/bin/chromium (never a downloaded browser).
chromium:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
# ----------------------------------------------------------------------------------

# --- grading (grading owner) -------------------------------------------------------
# Every submission is graded in a bubblewrap sandbox (instructor.md, "Grading safely").
bubblewrap:
	@command -v bwrap >/dev/null || { $(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y bubblewrap; }

# make grade ASSIGNMENT=recall_bound: every grading/submitted/*/<name>/, in parallel,
# scores into the gradebook, feedback for every student, a summary table at the end.
grade: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make grade ASSIGNMENT=<name>"; exit 2; }
	$(PY) -m tools.grader grade $(ASSIGNMENT)

# every grade of every assignment, from the gradebook, to grading/grades.csv
grades: $(STAMP)
	$(PY) -m tools.grader grades
# ----------------------------------------------------------------------------------

test: lint book chromium bubblewrap
	$(PY) -m pytest -q

# pyflakes and pycodestyle rules (ruff, configured in pyproject.toml) on the engine, the
# benchmarks, the tests, the tools and the chapters' code cells.
lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The chapters' source is chapters/*.md (MyST Markdown); the .ipynb beside each one is
# generated from it for Colab. Run this after editing a chapter (a test checks the pair).
notebooks: $(STAMP)
	$(VENV)/bin/jupytext --to ipynb --update chapters/*.md

# the engine's tests alone (no book, no browser): a quick check while editing hopfield_lib
test-engine: $(STAMP)
	$(PY) -m pytest -q tests/engine

bench: $(STAMP)
	$(PY) benchmarks/bench_sync.py
	$(PY) benchmarks/bench_async.py
	$(PY) benchmarks/bench_ising.py

clean:
	rm -rf _build grading test-artifacts site/public
