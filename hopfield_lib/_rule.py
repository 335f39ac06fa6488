"""The decision every engine applies to a neuron, from its exact field (see :mod:`.dynamics`).

Fields arrive scaled by N and without the self term, ``N h - λ p S`` (exact
integers, see :meth:`Hopfield.offdiag_field_int`); the rule adds the self term and
compares with a threshold: 0 at T = 0, a random Glauber threshold at T > 0.
"""

from __future__ import annotations

import torch

from .device import real_dtype
from .network import Hopfield


def decide(nh_offdiag, S, net: Hopfield, threshold=None):
    """New spins, in the dtype of S, from the exact off-diagonal field ``nh_offdiag``.

    ``nh_offdiag`` = N h - λ p S. A neuron becomes +1 where N h > N θ, -1 where
    N h < N θ, and keeps its state at equality. At T = 0, θ = 0 (``threshold=None``).
    At T > 0, Glauber dynamics uses θ = (T/2) logit(u) with u uniform in (0, 1): then
    P(S = +1) = P(u < ½[1 + tanh(h/T)]), exactly the Glauber probability (see
    :func:`glauber_thresholds`).
    """
    if net.self_term == 0 and threshold is None:
        margin = nh_offdiag
    else:
        margin = nh_offdiag.to(real_dtype(S.device)).add(S, alpha=net.self_term)
        if threshold is not None:
            margin = margin.sub_(threshold)  # margin is a fresh tensor here
    plus, minus = _unit_spins(S.dtype, S.device)
    new = torch.where(margin > 0, plus, minus)
    tie = margin == 0
    return torch.where(tie, S, new) if bool(tie.any()) else new  # a zero margin keeps the state


_units: dict = {}


def _unit_spins(dtype, device):
    """0-dimensional +1 and -1 of ``dtype`` on ``device``: torch.where then keeps that dtype."""
    key = (dtype, str(device))
    if key not in _units:
        _units[key] = (
            torch.ones((), dtype=dtype, device=device),
            -torch.ones((), dtype=dtype, device=device),
        )
    return _units[key]


def glauber_thresholds(net: Hopfield, T: float, shape, generator):
    """Random thresholds N θ = N (T/2) logit(u), u ~ U(0, 1), one per neuron update.

    ½[1 + tanh(h/T)] = 1/(1 + e^{-2h/T}) > u  ⟺  h > (T/2) ln(u/(1 - u)).
    """
    u = torch.rand(shape, generator=generator, device=net.device, dtype=real_dtype(net.device))
    return (net.N * T / 2) * (torch.log(u) - torch.log1p(-u))
