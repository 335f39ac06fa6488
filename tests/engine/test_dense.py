"""Dense associative memory and the modern Hopfield network against their definitions."""

import itertools
import math

import mpmath
import numpy as np
import pytest
import torch

import hopfield_lib as hl
from hopfield_lib.dense import DenseHopfield, ModernHopfield, run_dense


DEV = hl.get_device()  # inputs live on the engine's device; brute-force references on the CPU


def patterns(p, N, seed=0):
    return hl.random_patterns(p, N, generator=hl.make_generator(seed))


def all_states(N):
    states = list(itertools.product((-1, 1), repeat=N))
    return torch.tensor(states, dtype=torch.int8, device=DEV)


def flipped(S):
    """(B, N, N) copies of S: copy i has S_i = -1 (first) or +1 (second), on the CPU."""
    S = S.cpu()
    B, N = S.shape
    down, up = S.unsqueeze(1).repeat(1, N, 1), S.unsqueeze(1).repeat(1, N, 1)
    idx = torch.arange(N)
    down[:, idx, idx], up[:, idx, idx] = -1, 1
    return down, up


def energy_int(xi, S, n):
    """E = -Σ_μ (ξ^μ·S)^n, in Python integers (no overflow), for states S (..., N)."""
    M = (S.cpu().unsqueeze(-2).long() * xi.cpu().long()).sum(-1)
    return [-sum(int(m) ** n for m in row) for row in M.reshape(-1, xi.shape[0])]


def brute_gain_int(xi, S, n):
    """Δ_i = E(S_i = -1) - E(S_i = +1) from the energies of the flipped states."""
    down, up = flipped(S)
    e_down, e_up = energy_int(xi, down, n), energy_int(xi, up, n)
    return torch.tensor([a - b for a, b in zip(e_down, e_up)]).reshape(S.shape)


def brute_gain_exp(xi, S, beta, digits=60):
    """Δ_i for F(x) = exp(βx) with mpmath at ``digits`` digits; exact zeros where they cancel."""
    mpmath.mp.dps = digits
    x = xi.cpu().long()
    known = {}

    def energy(state):  # each distinct state once
        key = tuple(state.tolist())
        if key not in known:
            M = (state.long() * x).sum(1).tolist()
            known[key] = -mpmath.fsum(mpmath.exp(mpmath.mpf(beta) * m) for m in M)
        return known[key]

    down, up = flipped(S)
    pairs = zip(down.reshape(-1, S.shape[1]), up.reshape(-1, S.shape[1]))
    return [energy(a) - energy(b) for a, b in pairs]


# -------------------------------------------------------------- energies and flip gains
@pytest.mark.parametrize("n", [2, 3, 4, 5])
@pytest.mark.parametrize("N,p", [(8, 5), (9, 4)])
def test_polynomial_gain_equals_energy_difference_exactly(n, N, p):
    """Every state of a small network: the gain is exactly E(S_i=-1) - E(S_i=+1), ties included."""
    xi = patterns(p, N, seed=n)
    net = DenseHopfield(xi, n)
    S = all_states(N)
    gain = net.flip_gain(S)
    assert gain.dtype == torch.int64
    assert torch.equal(gain.cpu(), brute_gain_int(xi, S, n))
    assert torch.equal(net.energy(S).cpu(), torch.tensor(energy_int(xi, S, n), dtype=torch.float64))
    assert torch.equal(net.field(S), gain)


def test_polynomial_gain_exact_with_large_integers():
    """Wide values (n = 6, N = 200: A(M) near 2e12) go through the digit products exactly."""
    xi = patterns(40, 200, seed=3)
    net = DenseHopfield(xi, 6)
    S = torch.cat([hl.corrupt(xi[:3], 0.9, generator=hl.make_generator(1)), patterns(3, 200, 7)])
    assert torch.equal(net.flip_gain(S).cpu(), brute_gain_int(xi, S, 6))


def test_polynomial_gain_equals_per_pattern_definition_at_benchmark_scale():
    """N = 1024, n = 3: sums of p·A(M) ≈ 1e9 pass float32; the gain stays exact."""
    xi = patterns(300, 1024, seed=2)
    net = DenseHopfield(xi, 3)
    S = hl.corrupt(xi[:6], 0.6, generator=hl.make_generator(4))
    s, x = S.cpu().long(), xi.cpu().long()
    R = (s @ x.t()).unsqueeze(2) - s.unsqueeze(1) * x
    reference = ((R + x) ** 3 - (R - x) ** 3).sum(1)
    assert torch.equal(net.flip_gain(S).cpu(), reference)


@pytest.mark.parametrize("n", [2, 3, 4, "exp"])
def test_a_zero_gain_keeps_the_spin(n):
    """Neuron 0 sees the overlap 3 without itself in both patterns but opposite ξ_0: Δ_0 = 0
    for every F, and no rule moves it (the other neurons agree with both patterns)."""
    xi = torch.tensor([[1, 1, 1, 1], [-1, 1, 1, 1]], dtype=torch.int8, device=DEV)
    S = torch.ones(1, 4, dtype=torch.int8, device=DEV)
    net = DenseHopfield(xi, n)
    gain = net.flip_gain(S)
    assert gain[0, 0] == 0 and bool((gain[0, 1:] > 0).all())
    for rule in ("sync", "async"):
        res = hl.run(net, S, rule=rule, targets=torch.tensor([0]), generator=hl.make_generator(0))
        assert torch.equal(res.state, S) and bool(res.fixed[0])


@pytest.mark.parametrize("beta", [0.5, 2.3, 10.0])
def test_exponential_gain_and_ties_against_high_precision(beta):
    """exp(βx): gains as a 60-digit computation gives them and the same decisions, both for
    exact ties and for gains far below float64 resolution of the leading terms (β = 10,
    where two pairs of patterns cancel the largest terms exactly)."""
    N, p = 8, 8
    xi = patterns(p, N, seed=11)
    xi[1:4:2] = xi[0:4:2]
    xi[1:4:2, 0] *= -1  # two pairs that differ at neuron 0 only: their terms cancel there
    net = DenseHopfield(xi, "exp", beta=beta)
    S = all_states(N)
    gain = net.flip_gain(S).reshape(-1).tolist()
    exact = brute_gain_exp(xi, S, beta)
    scale = math.exp(beta * (N + 1)) * p  # bound of every energy
    ties = 0
    for g, e in zip(gain, exact):
        if abs(e) < mpmath.mpf(10) ** -55 * scale:  # zero up to the 60-digit rounding
            ties += 1
            assert g == 0.0
        else:
            assert (g > 0) == (e > 0) and g != 0.0
            assert abs(g - float(e)) <= 1e-12 * max(abs(float(e)), 1e-300) + 1e-15 * scale
    assert ties > 0
    E = net.energy(S)
    M = (S.cpu().long() @ xi.cpu().long().t()).double()
    assert torch.allclose(E.cpu(), -torch.exp(beta * M).sum(1), rtol=1e-13, atol=0)


# ---------------------------------------------------------------------- dynamics
def classic_and_dense(N, p, B, seed):
    g = hl.make_generator(seed)
    xi = hl.random_patterns(p, N, generator=g)
    S0 = hl.corrupt(xi[torch.arange(B) % p], 0.3, generator=g)
    return xi, S0, torch.arange(B) % p


@pytest.mark.parametrize(
    "rule,k,T", [("sync", None, 0.0), ("async", None, 0.0), ("hybrid", 0.1, 0.0),
                 ("sync", None, 0.3), ("async", None, 0.25), ("hybrid", 0.3, 0.2)]
)
@pytest.mark.parametrize("N,p", [(64, 8), (101, 14)])
def test_n2_trajectories_equal_the_classic_network(rule, k, T, N, p):
    """n = 2 is hl.Hopfield with λ = 0: Δ = 4Nh, so every result is bit-identical
    (at T > 0 with the dense temperature 2N T, which scales the same random thresholds)."""
    xi, S0, targets = classic_and_dense(N, p, 40, seed=N)
    kwargs = dict(rule=rule, k=k, max_steps=15, targets=targets, record=True)
    a = hl.run(hl.Hopfield(xi), S0, temperature=T, generator=hl.make_generator(5), **kwargs)
    b = hl.run(DenseHopfield(xi, 2), S0, temperature=2 * N * T, generator=hl.make_generator(5),
               **kwargs)
    for name in ("state", "fixed", "cycle2", "converged_step", "targets", "final_overlaps",
                 "overlaps"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    # energies: E_dense = -Σ M² = -2N E_classic - pN at λ = 0
    assert torch.allclose(b.energies, 2 * N * a.energies - p * N, rtol=1e-15, atol=0)
    assert (b.steps, b.rule, b.temperature) == (15, rule, 2 * N * T)


def test_dispatch_through_hl_run_equals_run_dense():
    xi, S0, targets = classic_and_dense(80, 20, 20, seed=2)
    net = DenseHopfield(xi, 3)
    a = hl.run(net, S0, rule="async", targets=targets, generator=hl.make_generator(1))
    b = run_dense(net, S0, rule="async", targets=targets, generator=hl.make_generator(1))
    assert torch.equal(a.state, b.state) and torch.equal(a.converged_step, b.converged_step)


def brute_gain_columns(xi, S, n, idx):
    """Δ of the neurons idx from the energies of the two flipped states, int64 (small sizes)."""
    x = xi.cpu().long()
    gains = []
    for i in idx.tolist():
        down, up = S.cpu().long(), S.cpu().long()
        down[:, i], up[:, i] = -1, 1
        gains.append(((up @ x.t()) ** n).sum(1) - ((down @ x.t()) ** n).sum(1))
    return torch.stack(gains, 1)


def sequential_reference(xi, S0, n, group, sweeps, seed):
    """Sweeps from the definition: each group decides from the energies of the current state."""
    g = hl.make_generator(seed)
    S = S0.cpu().clone()
    for _ in range(sweeps):
        order = torch.randperm(S.shape[1], generator=g, device=g.device).cpu()
        for start in range(0, S.shape[1], group):
            idx = order[start : start + group]
            gain = brute_gain_columns(xi, S, n, idx)
            S[:, idx] = torch.where(gain > 0, 1, torch.where(gain < 0, -1, S[:, idx])).to(S.dtype)
    return S


@pytest.mark.parametrize("n,group", [(3, 1), (4, 1), (3, 5), (5, 3)])
def test_sweeps_follow_the_definition(n, group):
    N, p = 30, 25
    xi = patterns(p, N, seed=n)
    S0 = patterns(6, N, seed=100 + n)
    rule, k = ("async", None) if group == 1 else ("hybrid", group / N)
    res = run_dense(DenseHopfield(xi, n), S0, rule=rule, k=k, max_steps=3,
                    targets=torch.zeros(6, dtype=torch.long), generator=hl.make_generator(9))
    ref = sequential_reference(xi, S0, n, group, 3, seed=9)
    assert torch.equal(res.state.cpu(), ref)


@pytest.mark.parametrize("n", [3, "exp"])
def test_heat_bath_probabilities(n):
    """T > 0: one synchronous step of 4000 copies of a state sets S_i = +1 with the
    frequency 1/(1 + exp(-Δ_i/T)), within 5 binomial standard deviations."""
    xi = patterns(3, 10, seed=21)
    net = DenseHopfield(xi, n, beta=0.5) if n == "exp" else DenseHopfield(xi, n)
    S = patterns(1, 10, seed=22)
    gain = net.flip_gain(S).double()[0]
    T = float(gain.abs().median())  # probabilities away from 0 and 1
    B = 4000
    res = hl.run(net, S.expand(B, -1), temperature=T, max_steps=1,
                 targets=torch.zeros(B, dtype=torch.long), generator=hl.make_generator(3))
    freq = (res.state == 1).double().mean(0)
    prob = torch.sigmoid(gain / T)
    assert bool(((freq - prob).abs() <= 5 * (prob * (1 - prob) / B).sqrt() + 1e-9).all())


@pytest.mark.parametrize("n", [3, 4, "exp"])
def test_async_runs_never_raise_the_energy(n):
    N, p = 60, 200 if n != "exp" else 2000
    xi = patterns(p, N, seed=5)
    net = DenseHopfield(xi, n, beta=0.3) if n == "exp" else DenseHopfield(xi, n)
    S0 = patterns(30, N, seed=6)
    res = hl.run(net, S0, rule="async", max_steps=20, targets=torch.zeros(30, dtype=torch.long),
                 generator=hl.make_generator(0), record=True)
    E = res.energies
    assert bool(torch.isfinite(E).all())
    slack = 1e-12 * E[:-1].abs() if n == "exp" else 0.0  # polynomial energies are exact
    assert bool((E[1:] <= E[:-1] + slack).all())
    assert bool(res.fixed.all())  # it ends on a fixed point: the energy is bounded below


def test_sync_two_cycles_and_records_are_consistent():
    """Stopped probes: the final state and the recorded values follow their period."""
    xi = patterns(300, 40, seed=1)  # far above capacity: 2-cycles appear
    net = DenseHopfield(xi, 2)
    S0 = patterns(50, 40, seed=2)
    t = torch.zeros(50, dtype=torch.long)
    for steps in (10, 11):
        res = run_dense(net, S0, max_steps=steps, targets=t, record=True)
        done = res.fixed | res.cycle2
        again = run_dense(net, res.state[done], max_steps=2, targets=t[done])
        assert torch.equal(again.state, res.state[done])  # both have period 2
        assert torch.allclose(res.energies[-1], net.energy(res.state))
        assert torch.allclose(res.overlaps[-1], res.final_overlaps)
    assert bool(res.cycle2.any()) and not bool((res.cycle2 & res.fixed).any())


@pytest.mark.parametrize("n,N,p", [(3, 100, 60), (4, 60, 400), ("exp", 36, 2000)])
def test_stored_patterns_are_fixed_points_below_capacity(n, N, p):
    """Well below dense_capacity every stored pattern is a fixed point (all bits stable)."""
    assert p < hl.theory.dense_capacity(N, n) / 4
    xi = patterns(p, N, seed=12)
    net = DenseHopfield(xi, n)
    res = hl.run(net, xi, max_steps=1)
    assert bool(res.fixed.all()) and bool((res.converged_step == 0).all())
    assert bool((res.final_overlaps == 1).all())


def test_recall_from_corrupted_probes_beyond_classic_capacity():
    """n = 3 recalls p = 2N patterns from m0 = 0.6, where the classic network cannot."""
    N = 200
    xi = patterns(2 * N, N, seed=4)
    probes = hl.corrupt(xi, 0.6, generator=hl.make_generator(3))
    dense = hl.run(DenseHopfield(xi, 3), probes, max_steps=10)
    classic = hl.run(hl.Hopfield(xi), probes, max_steps=10)
    assert bool((dense.final_overlaps == 1).all())
    assert float(classic.final_overlaps.mean()) < 0.5


# ------------------------------------------------------------- modern Hopfield
def test_modern_one_step_retrieval_at_large_beta():
    xi = patterns(50, 64, seed=8).double()
    net = ModernHopfield(xi, beta=2.0)
    query = xi.clone()
    query[:, 32:] = 0  # half of every pattern hidden
    out = net.update(query)
    assert torch.allclose(out, xi, atol=1e-9)
    assert torch.equal(net.retrieve(query, steps=3).sign(), xi)


def test_modern_small_beta_returns_the_average():
    g = hl.make_generator(0)
    xi = torch.randn(30, 20, generator=g, dtype=torch.float64)
    net = ModernHopfield(xi, beta=1e-9)
    X = torch.randn(5, 20, generator=g, dtype=torch.float64)
    assert torch.allclose(net.update(X), xi.mean(0).expand(5, -1), atol=1e-7)
    w = net.weights(X)
    assert torch.allclose(w.sum(1), torch.ones_like(w[:, 0]))


def test_modern_energy_bounds_and_descent():
    g = hl.make_generator(1)
    xi = torch.randn(40, 16, generator=g, dtype=torch.float64)
    X = 3 * torch.randn(50, 16, generator=g, dtype=torch.float64)
    for beta in (0.1, 1.0, 20.0):
        net = ModernHopfield(xi, beta)
        E = net.energy(X)
        K = float(xi.norm(dim=1).max())
        assert bool((E >= 0.5 * (X.norm(dim=1) - K) ** 2 - 1e-9).all())
        assert bool((net.energy(net.update(X)) <= E + 1e-9).all())  # an update never raises E
        if beta <= 1:  # the plain formula overflows at larger beta
            z = beta * X @ xi.t()
            direct = (-torch.log(torch.exp(z).sum(1)) / beta + 0.5 * (X * X).sum(1)
                      + math.log(40) / beta + 0.5 * K**2)
            assert torch.allclose(E, direct, rtol=1e-12)


def test_modern_is_numerically_stable_at_huge_beta():
    xi = patterns(10, 30, seed=2).double()
    net = ModernHopfield(xi, beta=1e4)
    out = net.update(xi * 50)
    assert bool(torch.isfinite(out).all()) and torch.equal(out, xi)
    assert bool(torch.isfinite(net.energy(xi * 50)).all())


# ------------------------------------------------------------------ validation
def test_dense_validation_names_the_argument():
    xi = patterns(4, 10)
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        DenseHopfield(xi, 1)
    with pytest.raises(TypeError, match="n must be an integer"):
        DenseHopfield(xi, 2.5)
    with pytest.raises(TypeError, match="n must be an integer"):
        DenseHopfield(xi, True)
    with pytest.raises(ValueError, match="n must be an integer >= 2 or 'exp'"):
        DenseHopfield(xi, "cube")
    with pytest.raises(ValueError, match="beta must lie in \\(0"):
        DenseHopfield(xi, "exp", beta=0)
    with pytest.raises(ValueError, match="beta is only used with n='exp'"):
        DenseHopfield(xi, 3, beta=1.0)
    with pytest.raises(ValueError, match="patterns.*only \\+1 and -1"):
        DenseHopfield(xi * 0, 3)
    with pytest.raises(ValueError, match="n = 8 with N = 1000.*int64"):
        DenseHopfield(patterns(10, 1000), 8)
    with pytest.raises(ValueError, match="beta = 1 with N = 1000.*overflow"):
        DenseHopfield(patterns(10, 1000), "exp")
    net = DenseHopfield(xi, 3)
    with pytest.raises(ValueError, match="S has N = 9"):
        net.energy(xi[:, :9])
    with pytest.raises(ValueError, match="S0.*only \\+1 and -1"):
        hl.run(net, xi * 0)
    with pytest.raises(ValueError, match="rule must be one of"):
        hl.run(net, xi, rule="parallel")
    with pytest.raises(ValueError, match="needs k"):
        hl.run(net, xi, rule="hybrid")
    with pytest.raises(ValueError, match="temperature must lie in \\[0"):
        hl.run(net, xi, temperature=-1.0)
    with pytest.raises(ValueError, match="targets must be given"):
        hl.run(net, xi[:2])
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        hl.run(net, xi, rule="async", generator=3)
    with pytest.raises(TypeError, match="net must be a hopfield_lib.DenseHopfield"):
        run_dense(hl.Hopfield(xi), xi)


def test_modern_validation_names_the_argument():
    xi = torch.randn(5, 8, dtype=torch.float64)
    for bad in (0, -1.0, float("inf")):
        with pytest.raises(ValueError, match="beta"):
            ModernHopfield(xi, bad)
    with pytest.raises(ValueError, match="patterns must be a non-empty \\(p, N\\)"):
        ModernHopfield(xi[0], 1.0)
    with pytest.raises(ValueError, match="patterns must be finite"):
        ModernHopfield(xi * float("nan"), 1.0)
    net = ModernHopfield(xi, 1.0)
    with pytest.raises(ValueError, match="X must have shape \\(B, 8\\)"):
        net.update(torch.zeros(3, 7, device=DEV))
    with pytest.raises(TypeError, match="steps must be an integer"):
        net.retrieve(torch.zeros(3, 8), steps=1.5)


def test_dense_capacity_theory():
    N = np.array([100.0, 1000.0])
    assert hl.theory.dense_capacity(100, 2) == pytest.approx(100 / (2 * math.log(100)))
    assert hl.theory.dense_capacity(100, 3) == pytest.approx(100**2 / (6 * math.log(100)))
    assert hl.theory.dense_capacity(N, 4) == pytest.approx(N**3 / (30 * np.log(N)))
    assert hl.theory.exp_capacity_rate() == pytest.approx(math.log(2) / 2)
    assert hl.theory.dense_capacity(40, "exp") == pytest.approx(2.0**20)
    assert hl.theory.exp_capacity_rate(0.2) < hl.theory.exp_capacity_rate(0.1)
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        hl.theory.dense_capacity(100, 1)
    with pytest.raises(ValueError, match="rho"):
        hl.theory.exp_capacity_rate(0.5)
