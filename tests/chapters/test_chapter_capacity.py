"""Checks on the executed chapters "Capacity".

They read the notebooks that `make book` executed into _build/jupyter_execute/ and check that
no cell failed and that the numbers the text claims (stored with myst_nb.glue) hold.
"""

from __future__ import annotations

import math

import pytest

from conftest import assert_executed_cleanly, executed_notebook, glued

CAPACITY = "chapters/capacity.ipynb"


@pytest.mark.parametrize("path", [CAPACITY])
def test_no_cell_failed(path):
    assert_executed_cleanly(path)


@pytest.mark.parametrize("path", [CAPACITY])
def test_every_code_cell_ran(path):
    nb = executed_notebook(path)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "remove-cell" not in cell.get("metadata", {}).get(
            "tags", []
        ):
            assert cell.get("execution_count") is not None, f"{path}: a code cell was not executed"


# ------------------------------------------------------------------------------- capacity
@pytest.fixture(scope="module")
def cap():
    return glued(CAPACITY)


def _diff_sigma(a, b):
    """(b - a) and its standard error for two (fraction, error) pairs."""
    return b[0] - a[0], math.hypot(a[1], b[1])


def test_capacity_glues_what_the_text_uses(cap):
    nb = executed_notebook(CAPACITY)
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    import re

    used = set(re.findall(r"\{glue:text\}`([A-Za-z0-9_]+)", text))
    assert used, "the capacity chapter shows no glued numbers"
    missing = used - set(cap)
    assert not missing, f"the text shows glued values that were never stored: {sorted(missing)}"


def test_alpha_c_is_the_replica_symmetric_value(cap):
    assert cap["alpha_c"] == pytest.approx(0.1379, abs=2e-4)
    assert cap["m_c"] == pytest.approx(0.967, abs=2e-3)


def test_one_step_error_rates_agree_with_theory(cap):
    # Every measured rate lies within 4 standard errors of the exact finite-N rate (the error
    # is the larger of the binomial one and the scatter between networks), and the finite-N
    # rate differs from the large-N formula by a finite-size correction of at most 25 %.
    table = cap["ber_table"]
    assert len(table) >= 10
    for key, (rate, err, exact, theory) in table.items():
        assert err > 0
        assert abs(rate - exact) < 4 * err, (
            f"{key}: measured {rate:.3e}, exact {exact:.3e} ± {err:.1e}"
        )
        assert abs(exact / theory - 1) < 0.25, (
            f"{key}: exact {exact:.3e}, large-N formula {theory:.3e}"
        )
        lam, alpha = key.split(",")
        if lam == "0":
            other = table.get(f"1,{alpha}")
            if other is not None:
                assert other[0] < rate, f"self-coupling should lower the error rate at α = {alpha}"
    assert cap["ber_max_z"] < 4


def test_recall_grows_with_N_below_alpha_c(cap):
    recall = cap["recall"]
    sizes = sorted({N for (lam, alpha, N) in recall if lam == 0 and alpha == 0.13})
    assert len(sizes) >= 3
    small, large = recall[0.0, 0.13, sizes[0]], recall[0.0, 0.13, sizes[-1]]
    gain, sigma = _diff_sigma(small, large)
    assert gain > 2 * sigma, (
        f"α = 0.13: recall {small} at N = {sizes[0]} vs {large} at N = {sizes[-1]}"
    )
    assert large[0] > 0.9


def test_recall_shrinks_with_N_above_alpha_c(cap):
    recall = cap["recall"]
    sizes = sorted({N for (lam, alpha, N) in recall if lam == 0 and alpha == 0.15})
    small, large = recall[0.0, 0.15, sizes[0]], recall[0.0, 0.15, sizes[-1]]
    change, sigma = _diff_sigma(small, large)
    assert change < -2 * sigma or large[0] < 0.2, (
        f"α = 0.15: recall {small} at N = {sizes[0]} vs {large} at N = {sizes[-1]}"
    )
    # and always well below the recall at α = 0.13 for the same size
    assert large[0] < recall[0.0, 0.13, sizes[-1]][0] - 0.1


def test_self_coupling_recalls_better_at_021(cap):
    recall = cap["recall"]
    sizes = sorted({N for (lam, alpha, N) in recall if alpha == 0.21 and lam == 1.0})
    for N in sizes:
        with_l, without = recall[1.0, 0.21, N], recall[0.0, 0.21, N]
        diff, sigma = _diff_sigma(without, with_l)
        assert diff > 3 * sigma and with_l[0] > 0.5, f"N = {N}: λ=1 {with_l} vs λ=0 {without}"


def test_self_coupling_claims(cap):
    recall, near_one = cap["recall"], cap["near_one"]
    sizes = sorted({N for (lam, alpha, N) in recall if alpha == 0.21 and lam == 1.0})
    small, large = sizes[0], sizes[-1]
    # recall with λ = 1 at α = 0.21 improves with N ...
    gain, sigma = _diff_sigma(recall[1.0, 0.21, small], recall[1.0, 0.21, large])
    assert gain > 2 * sigma
    # ... while near-perfect recalls (m_f >= 0.98) get rarer with N at both loads
    for alpha in (0.21, 0.24):
        assert near_one[1.0, alpha, large] < near_one[1.0, alpha, small]
    # frozen errors: the mean final overlap stays below the λ = 0 retrieval peak
    assert cap["mean_mf"][1.0, 0.24, large] < 0.97


def test_two_cycles(cap):
    cycles = cap["cycle2"]
    # synchronous dynamics without self-coupling near capacity has 2-cycles ...
    assert max(v for (lam, alpha, N), v in cycles.items() if lam == 0 and alpha == 0.13) > 0.02
    # the text: their fraction grows with N and with α
    sizes = sorted({N for (lam, alpha, N) in cycles if lam == 0 and alpha == 0.13})
    for alpha in (0.13, 0.15):
        assert cycles[0.0, alpha, sizes[-1]] > cycles[0.0, alpha, sizes[0]]
    for N in sizes:
        assert cycles[0.0, 0.15, N] > cycles[0.0, 0.13, N]
    # ... and none with λ = 1 (J positive semidefinite)
    assert all(v == 0 for (lam, alpha, N), v in cycles.items() if lam == 1.0)


def test_finite_size_estimate(cap):
    half = cap["alpha_half"]
    sizes = sorted(half)
    assert len(sizes) >= 3
    # the half-success load lies above the AGS value and comes down as N grows
    for N in sizes:
        assert half[N][0] > 0.138 and half[N][1] > 0
    assert half[sizes[-1]][0] < half[sizes[0]][0]
    assert 0.12 < cap["alpha_inf"] < 0.16
    # the largest network falls significantly behind the smallest from a load near α_c on
    assert 0.13 <= cap["behind_from"] <= 0.16
