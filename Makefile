# Two commands do all the set-up on a fresh machine:
#   make book   virtual environment, dependencies, the whole book (executed) in _build/html
#   make test   the same set-up and book, then the whole test suite
VENV   ?= .venv
PY     := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)
STAMP  := $(VENV)/.installed

.PHONY: venv book test test-fast bench clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

book: $(STAMP)
	$(PY) -m jupyter_book build . -W -n --keep-going

test: book
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow" tests/test_engine*.py tests/test_theory.py tests/test_ising.py

bench: $(STAMP)
	$(PY) benchmarks/bench_sync.py

clean:
	rm -rf _build grading test-artifacts
