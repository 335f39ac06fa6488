"""Checks on the executed chapter "Dense associative memory and modern Hopfield networks".

They read the notebook that `make book` executed into _build/jupyter_execute/ and check that no
cell failed and that the claims of the text hold for the numbers it glued: n = 2 runs identical
to the classic network, capacity exponents near n - 1 and in line with the finite-N
signal-to-noise prediction, the exponential interaction far beyond the polynomial ones, and the
averaging and retrieval regimes of the modern network at the predicted inverse temperature.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from conftest import executed_notebook, glued

DENSE = "chapters/dense.ipynb"
ORDERS = (2, 3, 4)


@pytest.fixture(scope="module")
def g():
    return glued(DENSE)


def test_text_uses_only_glued_values(g):
    text = "".join(
        "".join(c["source"])
        for c in executed_notebook(DENSE)["cells"]
        if c["cell_type"] == "markdown"
    )
    used = set(re.findall(r"\{glue:(?:text|figure)\}`?\s*([A-Za-z0-9_-]+)", text))
    assert used, "the chapter shows no glued values"
    missing = used - set(g)
    assert not missing, f"the text shows glued values that were never stored: {sorted(missing)}"


def test_n2_is_the_classic_network(g):
    # "the same trajectories, spin for spin", for both rules
    assert g["n2_identical_sync"] is True
    assert g["n2_identical_async"] is True


def test_exponents_follow_the_finite_size_prediction(g):
    # Slope of ln p* against ln N (fixed points) agrees with the slope of the finite-N
    # signal-to-noise prediction: within 3 standard errors plus 0.05 for the Gaussian
    # approximation of the crosstalk.
    ex = g["dense_exponents"]
    for n in ORDERS:
        slope, err = ex[n]["fixed"]
        assert err > 0
        assert abs(slope - ex[n]["finite_N"][0]) < 3 * err + 0.05, (n, ex[n])


def test_exponents_near_n_minus_1(g):
    # with the 1/ln N factor taken out the slopes are within 0.15 of n - 1 ("about 0.1")
    ex = g["dense_exponents"]
    for n in ORDERS:
        slope, err = ex[n]["fixed_log"]
        assert abs(slope - (n - 1)) < 0.15, (n, slope, err)
    # each order adds about one power of N, for fixed points and for recall
    for key in ("fixed", "recall"):
        for n in ORDERS[:-1]:
            step = ex[n + 1][key][0] - ex[n][key][0]
            assert 0.8 < step < 1.3, (key, n, step)


def test_capacity_points(g):
    points, half = g["dense_capacity_points"], g["dense_p_half"]
    ratios = {n: [] for n in ORDERS}
    for key, (p_fixed, s_fixed, p_recall, _s_recall) in points.items():
        n, N = (int(v) for v in key.split(","))
        # the fixed-point capacity lies on the finite-N prediction (within 3σ and 10 %) ...
        assert abs(np.log(p_fixed / half[key])) < 3 * s_fixed + 0.1, (key, p_fixed, half[key])
        # ... above Krotov and Hopfield's large-N estimate
        kh = N ** (n - 1) / (2 * np.prod(np.arange(2 * n - 3, 0, -2)) * np.log(N))
        assert p_fixed > kh, (key, p_fixed, kh)
        ratios[n].append(p_recall / p_fixed)
    # recall from m0 = 0.8 holds fewer patterns than bare stability, the more so the larger n
    mean = {n: float(np.mean(r)) for n, r in ratios.items()}
    assert mean[2] > mean[3] > mean[4], mean
    assert mean[4] < 0.85, mean


def test_exponential_interaction(g):
    table = g["exp_recall_table"]
    ps = table["p"]
    # thousands of patterns in a few dozen neurons
    assert ps[-1] >= 100 * g["exp_N"]
    assert table["exp"][-1] >= 0.9
    # each steeper interaction recalls at least as well as the one before, at every load
    # (same patterns and probes; 0.05 for the few probes that differ by chance)
    order = ["2", "3", "4", "exp"]
    for a, b in zip(order, order[1:]):
        assert all(y >= x - 0.05 for x, y in zip(table[a], table[b])), (a, b, table)
    # the classic network has collapsed at p = 100 (alpha = 2.5 for N = 40)
    assert all(r == 0 for p, r in zip(ps, table["2"]) if p >= 100)


def test_modern_network_regimes(g):
    curve = g["modern_m_curve"]
    beta, m, theory = (np.array(curve[k]) for k in ("beta", "m", "theory"))
    # averaging at small beta, single-pattern retrieval at large beta
    assert m[0] < 0.01
    assert m[-1] > 0.99
    assert np.all(np.diff(m) > -1e-3), "the overlap grows with beta"
    # the theory curve matches the simulation everywhere
    assert np.max(np.abs(m - theory)) < 0.02
    # the crossing of 1/2 lies near beta* = ln(p - 1)/(fN)
    k = int(np.nonzero(m >= 0.5)[0][0])
    crossing = np.exp(np.interp(0.5, m[k - 1 : k + 1], np.log(beta[k - 1 : k + 1])))
    assert abs(np.log(crossing / curve["beta_star"])) < np.log(1.25), (crossing, curve)
    assert float(g["modern_exact_random"]) > 0.99


def test_digits_and_attention(g):
    assert g["digits_exact"] is True
    assert float(g["attention_diff"]) < 1e-10
