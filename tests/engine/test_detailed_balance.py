"""Glauber dynamics samples e^{-E/T}, with and without self-coupling (issue 11, item 3).

The heat bath must use the off-diagonal field h_i^off = Σ_{j≠i} J_ij S_j: the diagonal
J_ii = λα only adds a constant to E. Every state of a small network is enumerated, the
exact transition matrix of one random-site sequential update is built from the field
the engine decides with (``dynamics.decision_field``), and the Boltzmann distribution
must be its stationary distribution, pair by pair (detailed balance). A Monte-Carlo
check then ties ``update_neurons`` to those probabilities.
"""

import math

import pytest
import torch

import hopfield_lib as hl
from hopfield_lib import dynamics

N_SMALL, P_SMALL = 10, 3


def all_states(N):
    """(2^N, N) int8: state s has S_i = +1 where bit i of s is set."""
    bits = (torch.arange(2**N).unsqueeze(1) >> torch.arange(N)) & 1
    return (2 * bits - 1).to(torch.int8)


def heat_bath_matrix(h, T):
    """Transition matrix (2^N, 2^N) of one update of a uniformly chosen site i, which
    becomes +1 with probability ½[1 + tanh(h_i/T)]; h (2^N, N) are the fields per state."""
    n_states, N = h.shape
    up = 0.5 * (1.0 + torch.tanh(h / T))
    s = torch.arange(n_states).unsqueeze(1)
    bit = 1 << torch.arange(N)
    P = torch.zeros(n_states, n_states, dtype=torch.float64)
    rows = s.expand(n_states, N)
    P.index_put_((rows, s | bit), up / N, accumulate=True)
    P.index_put_((rows, s & ~bit), (1.0 - up) / N, accumulate=True)
    return P


def boltzmann(net, states, T):
    E = net.energy(states)
    w = torch.exp(-(E - E.min()) / T)
    return w / w.sum()


@pytest.mark.parametrize("lam", [0.0, 1.0])
@pytest.mark.parametrize("T", [0.4, 1.3])
def test_boltzmann_is_stationary_and_reversible_for_the_engine_rule(lam, T):
    xi = hl.random_patterns(P_SMALL, N_SMALL, generator=hl.make_generator(31))
    net = hl.Hopfield(xi, self_coupling=lam)
    states = all_states(N_SMALL)
    P = heat_bath_matrix(dynamics.decision_field(net, states, temperature=T), T)
    assert torch.allclose(P.sum(1), torch.ones(len(states), dtype=torch.float64), atol=1e-14)
    pi = boltzmann(net, states, T)
    assert (pi @ P - pi).abs().max() < 1e-12
    flow = pi.unsqueeze(1) * P  # probability flow s -> t in equilibrium
    assert (flow - flow.t()).abs().max() < 1e-12


def test_the_full_field_would_break_detailed_balance():
    """The check above has teeth: with J_ii in the heat bath (the old rule) it fails."""
    lam, T = 1.0, 0.4
    xi = hl.random_patterns(P_SMALL, N_SMALL, generator=hl.make_generator(31))
    net = hl.Hopfield(xi, self_coupling=lam)
    states = all_states(N_SMALL)
    P = heat_bath_matrix(net.field(states), T)
    pi = boltzmann(net, states, T)
    assert (pi @ P - pi).abs().max() > 1e-4
    # and the engine's T > 0 field is the full field minus the self term, exactly
    h_off = dynamics.decision_field(net, states, temperature=T)
    assert torch.equal(h_off * N_SMALL, net.field(states) * N_SMALL - lam * P_SMALL * states)
    assert torch.equal(dynamics.decision_field(net, states), net.field(states))


def test_update_neurons_draws_the_heat_bath_probabilities_with_self_coupling():
    """B copies of a few states, every neuron updated once from the same state: the
    fraction of +1 matches ½[1 + tanh(h_i^off/T)] within 4.5σ, with h^off from the dense
    J without its diagonal; the full field's probabilities lie far outside."""
    N, p, lam, T, B = 40, 5, 2.0, 1.0, 20000
    g = hl.make_generator(17)
    xi = hl.random_patterns(p, N, generator=g)
    net = hl.Hopfield(xi, self_coupling=lam)
    J_off = net.weights().fill_diagonal_(0.0)
    for S in (hl.corrupt(xi[:1], 0.6, generator=g), hl.random_patterns(1, N, generator=g)):
        new = hl.update_neurons(
            net, S.expand(B, N), range(N), temperature=T, generator=hl.make_generator(5)
        )
        frac_up = (new == 1).double().mean(0)
        h_off = (S.double() @ J_off).squeeze(0)
        want = 0.5 * (1.0 + torch.tanh(h_off / T))
        sigma = (want * (1 - want) / B).sqrt()
        assert ((frac_up - want).abs() < 4.5 * sigma).all()
        full = 0.5 * (1.0 + torch.tanh((h_off + lam * p / N * S.double().squeeze(0)) / T))
        assert ((full - want).abs() > 10 * sigma).all()


def test_async_sweeps_keep_boltzmann_samples_boltzmann():
    """Chains started from exact samples of e^{-E/T}/Z stay so under run(rule="async"): every
    single-site heat-bath update leaves that law unchanged, whatever the order. With λ = 4
    (J_ii = 1, above T) the old rule, J_ii inside the heat bath, acts like a colder bath
    and lowers the mean energy by many standard errors."""
    N, p, lam, T, B = 8, 2, 4.0, 1.0, 20000
    g = hl.make_generator(23)
    xi = hl.random_patterns(p, N, generator=g)
    net = hl.Hopfield(xi, self_coupling=lam)
    states = all_states(N)
    pi, E = boltzmann(net, states, T), net.energy(states)
    S0 = states[torch.multinomial(pi, B, replacement=True, generator=g)]
    res = hl.run(
        net, S0, rule="async", temperature=T, max_steps=4, generator=g,
        targets=torch.zeros(B, dtype=torch.long), record=True,
    )  # fmt: skip
    mean, sd = (pi * E).sum(), (pi * (E - (pi * E).sum()) ** 2).sum().sqrt()
    for sweep in range(5):
        assert abs(res.energies[sweep].mean() - mean) < 4.5 * sd / math.sqrt(B), sweep
