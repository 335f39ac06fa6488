"""Physics of the engine against theory, with finite-size and statistical tolerances."""

import math

import pytest
import torch

import hopfield_lib as hl
from hopfield_lib import theory


def recall(N, alpha, m0, lam=0.0, seed=0, rule="sync"):
    g = hl.make_generator(seed)
    xi = hl.random_patterns(int(alpha * N), N, generator=g)
    net = hl.Hopfield(xi, self_coupling=lam)
    return hl.run(net, hl.corrupt(xi, m0, generator=g), rule=rule, max_steps=100, generator=g)


def test_recall_below_and_above_capacity():
    below = recall(1000, 0.05, 0.8)
    assert (below.final_overlaps > 0.99).double().mean() > 0.98
    above = recall(1000, 0.25, 0.8)
    assert above.final_overlaps.mean() < 0.5 and (above.final_overlaps > 0.9).double().mean() < 0.05


def test_synchronous_updates_above_capacity_show_two_cycles():
    res = recall(800, 0.2, 0.8)
    assert res.cycle2.double().mean() > 0.1


def test_self_coupling_moves_recall_to_higher_loading():
    # the paper: lambda = 1 gives useful recall at alpha = 0.21 from m0 = 0.9
    with_self = recall(1500, 0.21, 0.9, lam=1.0)
    without = recall(1500, 0.21, 0.9, lam=0.0)
    assert with_self.final_overlaps.mean() > 0.9
    assert without.final_overlaps.mean() < 0.6


def test_asynchronous_capacity_matches_synchronous():
    s = recall(600, 0.1, 0.8, rule="sync")
    a = recall(600, 0.1, 0.8, rule="async")
    assert a.fixed.all() and not a.cycle2.any()
    assert abs(a.final_overlaps.mean() - s.final_overlaps.mean()) < 0.02


def test_bit_error_rate_matches_signal_to_noise():
    N, alpha = 2000, 0.1
    g = hl.make_generator(1)
    xi = hl.random_patterns(int(alpha * N), N, generator=g)
    flipped = (hl.run(hl.Hopfield(xi), xi, max_steps=1).state != xi).double()
    rate = float(flipped.mean())
    want = theory.bit_error_rate(alpha)
    sigma = math.sqrt(want * (1 - want) / flipped.numel())
    assert (
        abs(rate - want) < 5 * sigma + 0.1 * want
    )  # 10%: finite-N corrections to the Gaussian noise


def test_glauber_statistics_match_tanh():
    """One synchronous Glauber step: P(S_i = +1) = ½[1 + tanh(h_i^off/T)], the off-diagonal
    field (J_ii = λα left out, see notation.md), here with λ = 1.5."""
    N, p, T, lam = 60, 6, 0.7, 1.5
    g = hl.make_generator(2)
    xi = hl.random_patterns(p, N, generator=g)
    net = hl.Hopfield(xi, self_coupling=lam)
    S = hl.corrupt(xi[:1], 0.3, generator=g)
    copies = 40_000
    res = hl.run(
        net,
        S.expand(copies, N).contiguous(),
        targets=torch.zeros(copies, dtype=torch.long),
        temperature=T,
        max_steps=1,
        generator=g,
    )
    freq = (res.state == 1).double().mean(0)
    h_off = net.field(S)[0] - lam * net.alpha * S[0].double()
    want = 0.5 * (1 + torch.tanh(h_off / T))
    sigma = torch.sqrt(want * (1 - want) / copies)
    assert ((freq - want).abs() <= 4.5 * sigma + 1e-12).all()


def test_low_loading_overlap_matches_curie_weiss():
    N, T = 3000, 0.6
    g = hl.make_generator(3)
    xi = hl.random_patterns(1, N, generator=g)
    net = hl.Hopfield(xi)
    res = hl.run(
        net,
        xi.expand(8, N).contiguous(),
        targets=torch.zeros(8, dtype=torch.long),
        rule="async",
        temperature=T,
        max_steps=60,
        generator=g,
        record=True,
    )
    m = res.overlaps[20:].mean()
    # equilibrium m = tanh(m/T); alpha = 1/N is negligible
    assert float(m) == pytest.approx(theory.retrieval_overlap(0.0, T), abs=0.01)


def test_retrieval_melts_above_T_M():
    N, alpha = 1500, 0.05
    g = hl.make_generator(4)
    xi = hl.random_patterns(int(alpha * N), N, generator=g)
    net = hl.Hopfield(xi)
    probes, targets = xi[:20], torch.arange(20)
    cold = hl.run(
        net, probes, targets=targets, rule="async", temperature=0.3, max_steps=20, generator=g
    )
    hot = hl.run(
        net, probes, targets=targets, rule="async", temperature=1.2, max_steps=10, generator=g
    )
    assert cold.final_overlaps.mean() == pytest.approx(
        theory.retrieval_overlap(alpha, 0.3), abs=0.03
    )
    assert hot.final_overlaps.abs().mean() < 0.15
