"""The decision every engine applies to a neuron, from its exact field (see :mod:`.dynamics`).

Fields arrive scaled by N and without the self term, ``N h^off = N h - λ p S``
(exact integers, see :meth:`Hopfield.offdiag_field_int`). Two rules use them:

* T = 0: S_i <- sign(h_i) with the full field h_i = Σ_j J_ij S_j, the self-coupling
  J_ii = λα included (as the source paper's self-coupling runs do); a zero field
  keeps the state;
* T > 0, heat bath (Glauber): S_i = +1 with probability ½[1 + tanh(h_i^off / T)],
  h_i^off = Σ_{j≠i} J_ij S_j. The diagonal term -½ Σ_i J_ii S_i² = -λp/2 is a
  constant of E, so sequential updates obey detailed balance with e^{-E/T} only
  with the off-diagonal field (the paper's equations 3-5).
"""

from __future__ import annotations

import torch

from .device import real_dtype
from .network import Hopfield


def decide(nh_offdiag, S, net: Hopfield, threshold=None):
    """New spins, in the dtype of S, from the exact off-diagonal field ``nh_offdiag``.

    ``nh_offdiag`` = N h^off. A neuron becomes +1 where its rule field (see
    :func:`scaled_rule_field`) exceeds N θ, -1 where it is below, and keeps its state
    at equality. At T = 0, θ = 0 (``threshold=None``). At T > 0, θ = (T/2) logit(u)
    with u uniform in (0, 1): then P(S = +1) = P(u < ½[1 + tanh(h^off/T)]), exactly
    the heat-bath probability (see :func:`glauber_thresholds`).
    """
    margin = scaled_rule_field(nh_offdiag, S, net, heat_bath=threshold is not None)
    if threshold is not None:
        margin = margin.to(real_dtype(S.device)) - threshold
    plus, minus = _unit_spins(S.dtype, S.device)
    new = torch.where(margin > 0, plus, minus)
    tie = margin == 0
    return torch.where(tie, S, new) if bool(tie.any()) else new  # a zero margin keeps the state


def scaled_rule_field(nh_offdiag, S, net: Hopfield, heat_bath: bool):
    """N times the field a neuron's rule compares with its threshold.

    The heat bath (``heat_bath=True``, T > 0) uses the off-diagonal field N h^off
    itself; the T = 0 rule adds the self term λ p S_i: N h_i = N h_i^off + λ p S_i.
    """
    if heat_bath or net.self_term == 0:
        return nh_offdiag
    return nh_offdiag.to(real_dtype(S.device)).add(S, alpha=net.self_term)


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
