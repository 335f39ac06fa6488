"""The 2D Ising model on an L x L square lattice with periodic boundaries.

H = -Σ_<ij> s_i s_j (coupling J = 1, no field, k_B = 1, each bond counted once).
Metropolis updates on a checkerboard: the two sublattices have no bonds inside
them, so all spins of one colour can be updated at once, on any device.
Exact results: Onsager's critical temperature T_c = 2/ln(1 + √2) and Yang's
spontaneous magnetization m(T) = [1 - sinh(2/T)^-4]^(1/8) below T_c.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ._checks import require_int, require_range
from .device import get_device

T_C = 2.0 / math.log(1.0 + math.sqrt(2.0))


@dataclass
class IsingResult:
    """Outcome of :func:`simulate`.

    spins: (L, L) int8, the final configuration.
    magnetization, energy: (sweeps,) per spin, after each sweep.
    """

    spins: torch.Tensor
    magnetization: torch.Tensor
    energy: torch.Tensor
    temperature: float


def onsager_magnetization(T):
    """Exact spontaneous magnetization per spin of the infinite 2D lattice (0 at and above T_c)."""
    t = np.asarray(T, dtype=float)
    if np.any(t < 0):
        raise ValueError(f"T must be >= 0, got {T!r}")
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        inner = 1.0 - np.sinh(2.0 / t) ** -4.0
        m = np.where(t < T_C, np.clip(inner, 0.0, None) ** 0.125, 0.0)
    m = np.where(t == 0, 1.0, m)
    return float(m) if np.ndim(m) == 0 else m


def _acceptance(T, device):
    """Metropolis acceptance min(1, exp(-2 s Σ / T)) indexed by (s Σ + 4) / 2 for s Σ in -4..4."""
    s_sum = torch.arange(-4, 5, 2, dtype=torch.float64)
    if T == 0:
        table = (s_sum <= 0).to(torch.float64)
    else:
        table = torch.clamp(torch.exp(-2.0 * s_sum / T), max=1.0)
    return table.to(device=device, dtype=torch.float32)


def energy_per_spin(spins) -> float:
    """-(1/L²) Σ_<ij> s_i s_j for a configuration (L, L) of ±1."""
    s = spins.to(torch.float32)
    bonds = s * torch.roll(s, 1, 0) + s * torch.roll(s, 1, 1)
    return float(-bonds.sum() / s.numel())


def _neighbour_sum(other):
    """Σ of the four neighbours of every site of one colour, from the other colour's array.

    Each colour is stored packed as (L, L/2): column k of row i holds the site
    (i, 2k + (i + c) % 2) for colour c. Up and down neighbours share the column; the
    left-right pair is column k and, on even rows of colour 0 (odd rows of colour 1),
    column k - 1, else k + 1. Call with the colour-1 array to update colour 0; for
    colour 1 the same formula holds with the rows shifted by one (see ``simulate``).
    """
    total = torch.roll(other, 1, 0)
    total += torch.roll(other, -1, 0)
    total += other
    total[0::2] += torch.roll(other[0::2], 1, 1)
    total[1::2] += torch.roll(other[1::2], -1, 1)
    return total


def _metropolis_half(spins, neighbours, T, table, generator):
    """Metropolis on one colour: flip where u < min(1, exp(-2 s Σ / T))."""
    s_sum = spins * neighbours  # in {-4, -2, 0, 2, 4}
    if T > 0:
        prob = s_sum.clamp_(min=0).mul_(-2.0 / T).exp_()
    else:
        prob = table[((s_sum + 4) * 0.5).to(torch.int32)]
    u = torch.rand(spins.shape, generator=generator, device=spins.device)
    return torch.where(u < prob, -spins, spins)


def _unpack(colours, L):
    a, b = colours
    rows = torch.arange(L, device=a.device).unsqueeze(1)
    out = torch.empty(L, L, dtype=torch.int8, device=a.device)
    cols = 2 * torch.arange(L // 2, device=a.device).unsqueeze(0)
    out[rows, cols + rows % 2] = a.to(torch.int8)
    out[rows, cols + 1 - rows % 2] = b.to(torch.int8)
    return out


def simulate(L, T, sweeps, *, generator=None, device=None, init="random") -> IsingResult:
    """Checkerboard Metropolis at temperature T for ``sweeps`` sweeps (each spin once per sweep).

    ``init`` is "random" (infinite temperature) or "up" (all +1). Even L is required
    so that the checkerboard is consistent with the periodic boundaries. The two
    colours are stored packed, so each half-sweep touches only the spins it updates.
    """
    L = require_int(L, "L", 2)
    if L % 2:
        raise ValueError(f"L must be even for the checkerboard update, got {L}")
    T = require_range(T, "T", 0.0)
    sweeps = require_int(sweeps, "sweeps", 0)
    if init not in ("random", "up"):
        raise ValueError(f"init must be 'random' or 'up', got {init!r}")
    dev = generator.device if generator is not None and device is None else get_device(device)
    shape = (L, L // 2)
    if init == "up":
        a, b = torch.ones(shape, device=dev), torch.ones(shape, device=dev)
    else:
        a, b = (
            torch.randint(0, 2, shape, generator=generator, device=dev).float() * 2 - 1
            for _ in range(2)
        )
    table = _acceptance(T, dev)
    mags = torch.empty(sweeps, dtype=torch.float64, device=dev)
    energies = torch.empty(sweeps, dtype=torch.float64, device=dev)
    for sweep in range(sweeps):
        a = _metropolis_half(a, _neighbour_sum(b), T, table, generator)
        # colour 1 seen from colour 0 is the same packing with the rows shifted by one
        nb_b = torch.roll(_neighbour_sum(torch.roll(a, 1, 0)), -1, 0)
        b = _metropolis_half(b, nb_b, T, table, generator)
        mags[sweep] = (a.sum() + b.sum()) / (L * L)
        energies[sweep] = -(b * nb_b).sum() / (L * L)  # every bond joins a to b; a is unchanged
    return IsingResult(spins=_unpack((a, b), L), magnetization=mags, energy=energies, temperature=T)
