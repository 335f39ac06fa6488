"""Theory functions against published values and limiting forms."""

import math

import numpy as np
import pytest
from scipy.special import erfinv

from hopfield_lib import theory


def test_alpha_c_matches_ags():
    # Amit, Gutfreund & Sompolinsky: alpha_c ≈ 0.138, with m ≈ 0.967 just below it
    assert theory.alpha_c() == pytest.approx(0.1379, abs=2e-4)
    assert theory.retrieval_overlap(theory.alpha_c() - 1e-6) == pytest.approx(0.967, abs=2e-3)
    assert theory.retrieval_overlap(theory.alpha_c() + 1e-4) == 0.0


def test_zero_temperature_overlap_solves_the_equation():
    for a in (0.04, 0.07, 0.1, 0.13):
        m = theory.retrieval_overlap(a)
        y = erfinv(m)  # m = erf(y)
        assert math.erf(y) == pytest.approx(
            y * (math.sqrt(2 * a) + 2 / math.sqrt(math.pi) * math.exp(-y * y)), abs=1e-9
        )
    ms = [theory.retrieval_overlap(a) for a in np.linspace(0.0, 0.137, 12)]
    assert all(np.diff(ms) <= 0) and ms[-1] < ms[6] < ms[3]


def test_curie_weiss_limit():
    for T in (0.2, 0.5, 0.9):
        m = theory.retrieval_overlap(0.0, T)
        assert m == pytest.approx(math.tanh(m / T), abs=1e-12) and m > 0.1
        # tiny loading continues smoothly to the alpha = 0 result
        assert theory.retrieval_overlap(1e-6, T) == pytest.approx(m, abs=2e-3)
    assert theory.retrieval_overlap(0.0, 1.2) == 0.0


def test_retrieval_line_and_spin_glass_line():
    assert theory.T_M(0.0) == 1.0 and theory.T_M(0.14) == 0.0
    for a in (1e-4, 1e-3, 0.01):  # AGS small-alpha form T_M ≈ 1 - 1.95 sqrt(alpha)
        assert theory.T_M(a) == pytest.approx(
            1 - 1.95 * math.sqrt(a), abs=0.25 * 1.95 * math.sqrt(a)
        )
    line = [theory.T_M(a) for a in (0.02, 0.05, 0.08, 0.11, 0.13)]
    assert all(np.diff(line) < 0) and 0 < line[-1] < 0.3
    assert theory.T_g(0.0) == 1.0 and theory.T_g(0.09) == pytest.approx(1.3)
    assert np.allclose(theory.T_g(np.array([0.04, 0.16])), [1.2, 1.4])
    # the retrieval state exists just below T_M and not above it
    a = 0.05
    t = theory.T_M(a)
    assert theory.retrieval_overlap(a, t - 0.01) > 0.5
    assert theory.retrieval_overlap(a, t + 0.01) == 0.0


def test_bit_error_rate_and_capacity():
    assert theory.bit_error_rate(0.1) == pytest.approx(0.5 * math.erfc(1 / math.sqrt(0.2)))
    assert theory.bit_error_rate(0.2, self_coupling=1.0) < theory.bit_error_rate(0.2)
    assert theory.bit_error_rate(0.138) == pytest.approx(
        0.0036, abs=2e-4
    )  # Hertz, Krogh & Palmer table
    N = 10_000
    assert theory.perfect_recall_capacity(N) == pytest.approx(N / (4 * math.log(N)))
    assert theory.perfect_recall_capacity(N, all_patterns=False) == pytest.approx(
        N / (2 * math.log(N))
    )
