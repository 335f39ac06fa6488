"""Checks on the executed chapters "GPU timing".

They read the notebooks that `make book` executed into _build/jupyter_execute/ and check that
no cell failed and that the numbers the text claims (stored with myst_nb.glue) hold.
"""

from __future__ import annotations


import pytest

from conftest import executed_notebook, glued

TIMING = "chapters/gpu_timing.ipynb"


# ------------------------------------------------------------------------------ GPU timing
@pytest.fixture(scope="module")
def timing():
    return glued(TIMING)


def test_timing_glues_what_the_text_uses(timing):
    nb = executed_notebook(TIMING)
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    import re

    used = set(re.findall(r"\{glue:text\}`([A-Za-z0-9_]+)", text))
    missing = used - set(timing)
    assert not missing, f"the text shows glued values that were never stored: {sorted(missing)}"


def test_engine_matches_dense_reference(timing):
    assert timing["identical_all"] is True
    assert timing["identical_count"] >= 4


def test_engine_is_faster_than_dense(timing):
    assert timing["speedup"] > 1
    # at every size but the smallest one (where fixed costs dominate and timings are noisy)
    speedups = timing["speedups"]
    assert all(s > 1 for N, s in speedups.items() if N > min(speedups))


def test_timing_sanity(timing):
    # Timings on a shared machine are noisy, so only loose checks: the dense simulation grows
    # clearly faster than linearly (cubic in theory) and the float32 pseudo-inverse solves its
    # system to a sensible accuracy.
    assert 1.0 < timing["dense_slope_cpu"] < 5.0
    assert timing["inv_t_cpu"] > 0
    assert timing["pinv_residual"] < 1e-2


def test_memory_table(timing):
    assert timing["t4_dense_largest"] < 65536 <= timing["t4_engine_largest"]
