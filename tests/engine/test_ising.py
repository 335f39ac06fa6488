"""2D Ising model: checkerboard Metropolis against Onsager's exact results."""

import math

import pytest
import torch

import hopfield_lib as hl
from hopfield_lib import ising


def test_onsager_values():
    assert ising.T_C == pytest.approx(2.269185, abs=1e-6)
    assert ising.onsager_magnetization(ising.T_C + 0.01) == 0.0
    assert ising.onsager_magnetization(1.0) == pytest.approx(0.99927, abs=1e-5)
    assert ising.onsager_magnetization(2.0) == pytest.approx(0.91132, abs=1e-5)


def test_magnetization_below_tc_matches_onsager():
    res = ising.simulate(64, 1.8, 600, generator=hl.make_generator(0), init="up")
    m = res.magnetization[100:].abs().mean()
    assert float(m) == pytest.approx(ising.onsager_magnetization(1.8), abs=0.01)


def test_magnetization_vanishes_above_tc():
    res = ising.simulate(64, 3.5, 400, generator=hl.make_generator(1), init="up")
    assert float(res.magnetization[100:].abs().mean()) < 0.08


def test_energy_at_infinite_and_zero_temperature():
    hot = ising.simulate(64, 1e6, 50, generator=hl.make_generator(2))
    assert abs(float(hot.energy[10:].mean())) < 0.02
    cold = ising.simulate(16, 0.0, 5, generator=hl.make_generator(3), init="up")
    assert torch.all(cold.spins == 1) and float(cold.energy[-1]) == -2.0
    assert ising.energy_per_spin(cold.spins) == -2.0


def test_checkerboard_update_is_reproducible():
    a = ising.simulate(32, 2.3, 20, generator=hl.make_generator(4))
    b = ising.simulate(32, 2.3, 20, generator=hl.make_generator(4))
    assert torch.equal(a.spins, b.spins) and torch.equal(a.magnetization, b.magnetization)
    assert math.isclose(float(a.magnetization[-1]), float(a.spins.double().mean()))
