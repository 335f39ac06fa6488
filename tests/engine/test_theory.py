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


# ------------------------------------------- AGS states at T >= 0, free energies, T_c
def test_spin_glass_q_vanishes_continuously_at_T_g():
    for a in (0.05, 0.14, 0.5):
        tg = theory.T_g(a)
        qs = [theory.edwards_anderson(a, tg - d) for d in (0.3, 0.1, 0.01, 1e-3)]
        assert all(np.diff(qs) < 0) and 0 < qs[-1] < 2e-3  # q -> 0 linearly from below
        assert qs[-1] / qs[-2] == pytest.approx(0.1, rel=0.05)
        assert theory.edwards_anderson(a, tg + 1e-3) == 0.0
        assert theory.rs_solution(a, tg + 0.5, "spin_glass") == (0.0, 0.0, 0.0)  # paramagnet


def test_spin_glass_zero_temperature_limit():
    for a in (0.05, 0.14, 0.5):
        m, q, r = theory.rs_solution(a, 0.0, "spin_glass")
        # T = 0: q = 1 and √(αr) = √α + √(2/π), energy -1/π - √(2α/π) (AGS 1987)
        assert (m, q) == (0.0, 1.0)
        assert math.sqrt(a * r) == pytest.approx(math.sqrt(a) + math.sqrt(2 / math.pi))
        assert theory.free_energy(a, 0.0, "spin_glass") == pytest.approx(
            -1 / math.pi - math.sqrt(2 * a / math.pi), abs=1e-12
        )
        # continuity: small T approaches the T = 0 solution, with 1 - q ≈ C T
        for T in (0.01, 0.03):
            m_T, q_T, r_T = theory.rs_solution(a, T, "spin_glass")
            assert q_T < 1 and q_T == pytest.approx(1.0, abs=3 * T)
            assert r_T == pytest.approx(r, rel=3 * T)
            assert theory.free_energy(a, T, "spin_glass") == pytest.approx(
                theory.free_energy(a, 0.0, "spin_glass"), abs=T
            )


def test_rs_solutions_solve_the_ags_equations():
    z = np.linspace(-12, 12, 200001)
    w = np.exp(-z * z / 2)
    w /= w.sum()
    for a, T, state in (
        (0.05, 0.3, "retrieval"),
        (0.03, 0.6, "retrieval"),
        (0.15, 0.8, "spin_glass"),
        (0.3, 1.2, "spin_glass"),
    ):
        m, q, r = theory.rs_solution(a, T, state)
        u = (m + math.sqrt(a * r) * z) / T
        assert m == pytest.approx(np.dot(w, np.tanh(u)), abs=1e-6)
        assert q == pytest.approx(np.dot(w, np.tanh(u) ** 2), abs=1e-6)
        assert r == pytest.approx(q / (1 - (1 - q) / T) ** 2, rel=1e-6)
        assert (m > 0.5) == (state == "retrieval")
    # retrieval agrees with retrieval_overlap, and is absent above T_M
    assert theory.rs_solution(0.05, 0.3)[0] == theory.retrieval_overlap(0.05, 0.3)
    assert all(math.isnan(v) for v in theory.rs_solution(0.05, theory.T_M(0.05) + 0.02))
    assert all(math.isnan(v) for v in theory.rs_solution(0.15, 0.0))
    # T = 0 retrieval: q = 1 and the free energy is the energy -m²/2 - α(r - 1)/2
    m, q, r = theory.rs_solution(0.1, 0.0)
    assert q == 1.0 and m == theory.retrieval_overlap(0.1)
    assert theory.free_energy(0.1, 0.0) == pytest.approx(-m * m / 2 - 0.1 * (r - 1) / 2)


def test_free_energy_is_stationary_at_the_solution():
    # the RS free energy written in (m, q, r) has zero gradient at the solution of the equations
    z = np.linspace(-12, 12, 400001)
    w = np.exp(-z * z / 2)
    w /= w.sum()

    def f(a, T, m, q, r):
        u = (m + math.sqrt(a * r) * z) / T
        log_cosh = np.abs(u) + np.log1p(np.exp(-2 * np.abs(u)))
        D = 1 - (1 - q) / T
        return (
            a / 2
            + m * m / 2
            + a * T / 2 * (math.log(D) - q / (T * D))
            + a / (2 * T) * r * (1 - q)
            - T * np.dot(w, log_cosh)
        )

    for a, T, state in ((0.05, 0.3, "retrieval"), (0.15, 0.8, "spin_glass")):
        x = list(theory.rs_solution(a, T, state))
        assert f(a, T, *x) == pytest.approx(theory.free_energy(a, T, state), abs=2e-5)
        for i in range(3):
            up, down = list(x), list(x)
            up[i] += 1e-4
            down[i] -= 1e-4
            assert abs(f(a, T, *up) - f(a, T, *down)) / 2e-4 < 1e-6


def test_edwards_anderson_of_the_retrieval_state():
    assert theory.edwards_anderson(0.1, 0.0, state="retrieval") == 1.0
    q = theory.edwards_anderson(0.05, 0.3, state="retrieval")
    m = theory.retrieval_overlap(0.05, 0.3)
    assert m * m < q < 1  # the frozen spins include those not aligned with the pattern
    assert math.isnan(theory.edwards_anderson(0.2, 0.1, state="retrieval"))


def test_coexistence_load_at_zero_temperature():
    # AGS 1987 (and Amit's book) quote α ≈ 0.051 below which the retrieval states are the
    # ground states; Hertz, Krogh & Palmer round it to 0.05. Our RS evaluation: 0.0519.
    a0 = theory.alpha_coexistence()
    assert a0 == pytest.approx(0.051, abs=1e-3)
    e_r, e_sg = theory.free_energy(a0, 0.0), theory.free_energy(a0, 0.0, "spin_glass")
    assert e_r == pytest.approx(e_sg, abs=1e-10)
    assert theory.free_energy(0.03, 0.0) < theory.free_energy(0.03, 0.0, "spin_glass")
    assert theory.free_energy(0.1, 0.0) > theory.free_energy(0.1, 0.0, "spin_glass")
    assert a0 < theory.alpha_c()  # α_c is a spinodal well above the coexistence load


def test_first_order_line_T_c():
    assert theory.T_c(0.0) == 1.0 and theory.T_c(0.06) == 0.0
    # AGS (1985, 1987): near α = 0, T_c ≈ 1 - 2.6 √α, below T_M ≈ 1 - 1.95 √α; all three lines
    # T_c, T_M and T_g = 1 + √α meet at (α, T) = (0, 1); T_c reaches T = 0 at alpha_coexistence.
    for a in (1e-4, 1e-3):
        assert (1 - theory.T_c(a)) / math.sqrt(a) == pytest.approx(2.6, abs=0.1)
    alphas = [0.01, 0.02, 0.035, 0.05]
    line = [theory.T_c(a) for a in alphas]
    assert all(np.diff(line) < 0)
    assert all(0 < tc < theory.T_M(a) for a, tc in zip(alphas, line))
    assert theory.T_c(0.9 * theory.alpha_coexistence()) < 0.3
    # on the line the two free energies are equal; below it retrieval is lower
    a, tc = 0.02, line[1]
    assert theory.free_energy(a, tc) == pytest.approx(
        theory.free_energy(a, tc, "spin_glass"), abs=1e-6
    )
    assert theory.free_energy(a, tc - 0.05) < theory.free_energy(a, tc - 0.05, "spin_glass")
    assert theory.free_energy(a, tc + 0.05) > theory.free_energy(a, tc + 0.05, "spin_glass")


def test_T_c_is_re_entrant_just_above_the_coexistence_load():
    # a replica-symmetry artefact: at α = 0.052 the spin glass is lower at T = 0, the retrieval
    # state in a window of low T > 0 (the RS spin glass has negative entropy there)
    a = 0.052
    assert a > theory.alpha_coexistence()
    assert theory.free_energy(a, 0.0) > theory.free_energy(a, 0.0, "spin_glass")
    assert theory.free_energy(a, 0.1) < theory.free_energy(a, 0.1, "spin_glass")
    assert 0.1 < theory.T_c(a) < theory.T_c(0.05)
    assert theory.T_c(0.055) == 0.0


def test_theory_input_errors():
    with pytest.raises(ValueError, match="state"):
        theory.rs_solution(0.1, 0.5, state="ferro")
    with pytest.raises(ValueError, match="alpha"):
        theory.edwards_anderson(0.0, 0.5)
    with pytest.raises(ValueError, match="T"):
        theory.free_energy(0.1, -1.0)
    with pytest.raises(TypeError, match="alpha"):
        theory.T_c("a lot")
