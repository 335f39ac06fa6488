"""Finite-p mean-field theory (α → 0): Curie-Weiss magnetization and symmetric mixture states.

The closed forms at T = 0, the self-consistency equations, and the Hessian eigenvalues are
checked against an independent brute-force evaluation of the free energy
f(m) = ½|m|² - T <ln 2cosh(ξ·m/T)> over all 2^p pattern bits; a short simulation checks
that a 3-mixture survives below its stability temperature and decays above it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

import hopfield_lib as hl
from hopfield_lib import theory


def _free_energy(m, T):
    """f(m) per neuron for p = len(m) condensed or uncondensed patterns, by enumeration."""
    xi = np.array(list(itertools.product((1.0, -1.0), repeat=len(m))))
    x = xi @ np.asarray(m) / T
    return 0.5 * float(np.dot(m, m)) - T * float(np.mean(np.logaddexp(x, -x)))


def _numerical_hessian(m, T, h=1e-4):
    p = len(m)
    H = np.empty((p, p))
    for i, j in itertools.product(range(p), repeat=2):

        def f(di, dj):
            x = np.array(m, dtype=float)
            x[i] += di
            x[j] += dj
            return _free_energy(x, T)

        H[i, j] = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4 * h * h)
    return H


@pytest.mark.parametrize("s", [1, 3, 5, 7, 9])
def test_zero_temperature_overlap_and_energy_closed_form(s):
    # m_s = <|z|>/s = 2^(1-s) C(s-1, (s-1)/2) for odd s; E/N = -s m^2 / 2
    m = 2.0 ** (1 - s) * math.comb(s - 1, (s - 1) // 2)
    assert theory.mixture_overlap(s) == pytest.approx(m, rel=1e-12)
    assert theory.mixture_energy(s) == pytest.approx(-0.5 * s * m * m, rel=1e-12)


def test_known_mixture_values():
    assert theory.mixture_overlap(3) == 0.5
    assert theory.mixture_energy(3) == -0.375
    assert theory.mixture_energy(1) == -0.5
    # the energies of odd mixtures rise towards -1/π
    energies = [theory.mixture_energy(s) for s in (1, 3, 5, 7, 9, 101)]
    assert all(a < b for a, b in zip(energies, energies[1:]))
    assert energies[-1] == pytest.approx(-1 / math.pi, rel=0.01)


@pytest.mark.parametrize("T", [0.1, 0.5, 0.9, 0.99])
def test_single_pattern_is_curie_weiss(T):
    m = theory.mixture_overlap(1, T)
    assert m == pytest.approx(math.tanh(m / T), abs=1e-12)
    assert m > 0
    assert m == pytest.approx(theory.retrieval_overlap(0.0, T), abs=1e-10)


@pytest.mark.parametrize("s", [2, 3, 5])
@pytest.mark.parametrize("T", [0.2, 0.46, 0.8])
def test_mixture_solves_the_stationarity_equations(s, T):
    # gradient of the brute-force free energy vanishes at (m_s, ..., m_s, 0)
    m = [theory.mixture_overlap(s, T)] * s + [0.0]
    assert m[0] > 0
    h = 1e-6
    for i in range(len(m)):
        up, down = list(m), list(m)
        up[i] += h
        down[i] -= h
        grad = (_free_energy(up, T) - _free_energy(down, T)) / (2 * h)
        assert abs(grad) < 1e-6, (s, T, i, grad)


def test_only_the_paramagnet_above_T_1():
    for s in (1, 3, 5):
        assert theory.mixture_overlap(s, 1.0) == 0.0
        assert theory.mixture_overlap(s, 1.5) == 0.0
        # the overlaps fall continuously to 0 as T -> 1
        values = [theory.mixture_overlap(s, t) for t in (0.0, 0.3, 0.6, 0.9, 0.999)]
        assert all(a > b for a, b in zip(values, values[1:]))
        assert values[-1] < 0.1


@pytest.mark.parametrize("s,T", [(3, 0.3), (3, 0.6), (5, 0.3), (5, 0.5), (2, 0.4), (1, 0.7)])
def test_hessian_eigenvalues_match_brute_force(s, T):
    m = [theory.mixture_overlap(s, T)] * s + [0.0]  # one pattern outside the mixture
    numeric = np.sort(np.linalg.eigvalsh(_numerical_hessian(m, T)))
    a, unbalance, scale = theory.mixture_hessian_eigenvalues(s, T)
    expected = [a, scale] + ([unbalance] * (s - 1))
    assert numeric == pytest.approx(np.sort(expected), abs=1e-5)


def test_stability_temperatures():
    T3 = theory.mixture_stability_T(3)
    assert T3 == pytest.approx(0.46, abs=0.005)  # AGS 1985: T ≈ 0.46
    assert min(theory.mixture_hessian_eigenvalues(3, T3 - 0.01)) > 0
    assert min(theory.mixture_hessian_eigenvalues(3, T3 + 0.01)) < 0
    assert theory.mixture_stability_T(1) == 1.0
    assert 0 < theory.mixture_stability_T(7) < theory.mixture_stability_T(5) < T3
    assert theory.mixture_stability_T(2) == theory.mixture_stability_T(4) == 0.0
    # even mixtures are saddles: a negative eigenvalue at every temperature
    assert all(min(theory.mixture_hessian_eigenvalues(4, t)) < 0 for t in (0.05, 0.3, 0.9))


def test_bad_arguments():
    with pytest.raises(ValueError, match="s"):
        theory.mixture_overlap(0)
    with pytest.raises(TypeError, match="s"):
        theory.mixture_overlap(2.5)
    with pytest.raises(ValueError, match="T"):
        theory.mixture_overlap(3, -0.1)
    with pytest.raises(ValueError, match="T"):
        theory.mixture_hessian_eigenvalues(3, 0.0)
    with pytest.raises(ValueError, match="s"):
        theory.mixture_stability_T(-1)


@pytest.mark.parametrize("T,stable", [(0.2, True), (0.7, False)])
def test_simulated_three_mixture(T, stable):
    """Glauber dynamics from the 3-mixture sign(ξ¹ + ξ² + ξ³): it stays below T_3, decays above.

    N = 4000 and 40 sweeps: well below T_3 the escape over the finite-N barrier takes far
    longer; above T_3 the unbalancing direction grows within a few sweeps.
    """
    g = hl.make_generator(3, "cpu")
    xi = hl.random_patterns(3, 4000, generator=g)
    S0 = torch.where(xi.sum(0) > 0, 1, -1).to(torch.int8).repeat(4, 1)
    net = hl.Hopfield(xi)
    res = hl.run(
        net,
        S0,
        rule="async",
        temperature=T,
        max_steps=40,
        generator=g,
        targets=torch.zeros(4, dtype=torch.long),
    )
    m = hl.overlap(res.state, xi).sort(dim=1).values.double()  # (4, 3), ascending
    if stable:
        assert (m - theory.mixture_overlap(3, T)).abs().max() < 0.05, m
    else:
        assert (m[:, 2] - theory.mixture_overlap(1, T)).abs().max() < 0.05, m
        assert m[:, :2].abs().max() < 0.1, m


def test_numpy_integers_are_accepted():
    assert theory.mixture_overlap(np.int64(3), 0.2) == theory.mixture_overlap(3, 0.2)
    assert theory.mixture_stability_T(np.int64(3)) == theory.mixture_stability_T(3)
