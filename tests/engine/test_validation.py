"""Bad input is refused with a clear error that names the argument, before heavy work."""

import sys
import types

import pytest
import torch

import hopfield_lib as hl


@pytest.fixture
def net():
    xi = hl.random_patterns(6, 50, generator=hl.make_generator(0))
    return hl.Hopfield(xi)


def test_patterns_must_be_pm1():
    with pytest.raises(ValueError, match="patterns.*only \\+1 and -1"):
        hl.Hopfield(torch.zeros(3, 10))
    with pytest.raises(TypeError, match="patterns"):
        hl.Hopfield(torch.ones(3, 10, dtype=torch.bool))
    with pytest.raises(ValueError, match="patterns.*2-dimensional"):
        hl.Hopfield(torch.ones(10))
    with pytest.raises(TypeError, match="patterns.*torch.Tensor"):
        hl.Hopfield([[1, -1]])
    with pytest.raises(ValueError, match="self_coupling"):
        hl.Hopfield(torch.ones(2, 4), self_coupling=float("nan"))


def test_run_arguments(net):
    S = net.patterns.clone()
    with pytest.raises(ValueError, match="S0 has N = 49"):
        hl.run(net, S[:, :49])
    with pytest.raises(ValueError, match="S0.*only \\+1 and -1"):
        hl.run(net, S * 0)
    with pytest.raises(ValueError, match="rule must be one of"):
        hl.run(net, S, rule="parallel")
    with pytest.raises(ValueError, match="needs k"):
        hl.run(net, S, rule="hybrid")
    for bad in (0, -0.1, 1.5):
        with pytest.raises(ValueError, match="k must lie in \\(0"):
            hl.run(net, S, rule="hybrid", k=bad)
    with pytest.raises(ValueError, match="k is only used"):
        hl.run(net, S, rule="sync", k=0.5)
    with pytest.raises(ValueError, match="temperature must lie in \\[0"):
        hl.run(net, S, temperature=-1)
    with pytest.raises(ValueError, match="max_steps"):
        hl.run(net, S, max_steps=-1)
    with pytest.raises(TypeError, match="max_steps"):
        hl.run(net, S, max_steps=2.5)
    with pytest.raises(ValueError, match="targets must be given"):
        hl.run(net, S[:3])
    with pytest.raises(ValueError, match="targets must lie"):
        hl.run(net, S[:2], targets=torch.tensor([0, 6]))
    with pytest.raises(ValueError, match="targets must be a \\(2,\\)"):
        hl.run(net, S[:2], targets=torch.tensor([0.0, 1.0]))
    with pytest.raises(TypeError, match="net must be"):
        hl.run(None, S)
    with pytest.raises(TypeError, match="generator"):
        hl.run(net, S, rule="async", generator=0)


def test_run_hands_other_networks_to_the_dense_engine(monkeypatch):
    """run forwards a DenseHopfield and every keyword to dense.run_dense (stand-ins here, so
    that the dispatch is checked on its own) and refuses any other kind of network."""
    calls = []

    class DenseHopfield:
        pass

    def run_dense(net, S0, **kwargs):
        calls.append((net, S0, kwargs))
        return "dense result"

    fake = types.ModuleType("hopfield_lib.dense")
    fake.DenseHopfield, fake.run_dense = DenseHopfield, run_dense
    monkeypatch.setitem(sys.modules, "hopfield_lib.dense", fake)
    dense, S, g = DenseHopfield(), torch.ones(2, 5), hl.make_generator(0)
    got = hl.run(dense, S, rule="async", temperature=0.5, max_steps=3, generator=g, record=True)
    assert got == "dense result"
    want = dict(
        rule="async", k=None, temperature=0.5, max_steps=3, generator=g, targets=None, record=True
    )
    assert calls == [(dense, S, want)]
    with pytest.raises(TypeError, match="net must be a hopfield_lib.Hopfield or DenseHopfield"):
        hl.run([[1, -1]], S)


def test_update_neurons_and_decision_field_arguments(net):
    S = net.patterns[:2]
    with pytest.raises(TypeError, match="net must be a hopfield_lib.Hopfield"):
        hl.update_neurons("net", S, [0])
    with pytest.raises(TypeError, match="generator"):
        hl.update_neurons(net, S, [0], temperature=0.5, generator=1)
    with pytest.raises(ValueError, match="temperature"):
        hl.dynamics.decision_field(net, S, temperature=-0.1)
    with pytest.raises(ValueError, match="S has N = 49"):
        hl.dynamics.decision_field(net, S[:, 1:])


def test_corrupt_and_patterns_arguments():
    xi = hl.random_patterns(2, 10)
    for bad in (1.01, -1.5):
        with pytest.raises(ValueError, match="m0 must lie in \\[-1"):
            hl.corrupt(xi, bad)
    with pytest.raises(ValueError, match="p must be"):
        hl.random_patterns(0, 10)
    with pytest.raises(TypeError, match="N must be an integer"):
        hl.random_patterns(3, 10.5)
    with pytest.raises(ValueError, match="bits must contain only 0 and 1"):
        hl.bits_to_spins(torch.tensor([0, 2]))
    with pytest.raises(ValueError, match="S has N"):
        hl.overlap(xi[:, :5], xi)


def test_sizes_that_do_not_fit_are_refused_before_allocation():
    xi = hl.random_patterns(2, 4)
    net = hl.Hopfield(xi)
    net.N = 10**7  # pretend: the dense J would need 800 TB
    with pytest.raises(ValueError, match="needs about .* GiB"):
        net.weights()
    with pytest.raises(ValueError, match="needs about .* GiB"):
        hl.run(
            hl.Hopfield(hl.random_patterns(2, 8)),
            hl.random_patterns(2, 8),
            max_steps=10**12,
            record=True,
        )


def test_theory_and_ising_arguments():
    with pytest.raises(ValueError, match="alpha"):
        hl.theory.bit_error_rate(0.0)
    with pytest.raises(ValueError, match="alpha must lie"):
        hl.theory.retrieval_overlap(-0.1)
    with pytest.raises(ValueError, match="T must lie"):
        hl.theory.retrieval_overlap(0.1, T=-1)
    with pytest.raises(ValueError, match="N must be > 1"):
        hl.theory.perfect_recall_capacity(1)
    with pytest.raises(ValueError, match="L must be even"):
        hl.ising.simulate(5, 2.0, 1)
    with pytest.raises(ValueError, match="T must lie"):
        hl.ising.simulate(4, -2.0, 1)
    with pytest.raises(ValueError, match="init"):
        hl.ising.simulate(4, 2.0, 1, init="down")
