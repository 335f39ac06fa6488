"""Observables: overlaps, Hamming distances, converged fractions, distributions of m_f."""

from __future__ import annotations

import torch

from ._checks import require_spins
from .device import real_dtype


def _pair(S, patterns):
    require_spins(S, "S")
    require_spins(patterns, "patterns")
    if S.shape[1] != patterns.shape[1]:
        raise ValueError(f"S has N = {S.shape[1]} but patterns have N = {patterns.shape[1]}")
    if S.device != patterns.device:
        raise ValueError(f"S is on {S.device} but patterns are on {patterns.device}")
    return S.to(torch.int32), patterns.to(torch.int32)


def overlap(S, patterns) -> torch.Tensor:
    """m[b, μ] = (1/N) Σ_i ξ^μ_i S_b,i for states S (B, N) and patterns (p, N); float64."""
    s, x = _pair(S, patterns)
    real = real_dtype(S.device)
    return (s.to(real) @ x.to(real).t()) / S.shape[1]


def hamming(S, patterns) -> torch.Tensor:
    """Number of differing spins between each state and each pattern, (B, p) long: (N - N m)/2."""
    s, x = _pair(S, patterns)
    dots = (s.to(torch.float64) @ x.to(torch.float64).t()).round().to(torch.long)
    return (S.shape[1] - dots) // 2


def converged_fraction(result) -> torch.Tensor:
    """Fraction of probes that sit on a fixed point by each step t = 0..steps, (steps + 1,).

    A probe counts from the first step t with S(t+1) == S(t) (``result.converged_step``).
    """
    steps = torch.arange(result.steps + 1, device=result.converged_step.device)
    c = result.converged_step
    hit = (c.unsqueeze(0) >= 0) & (c.unsqueeze(0) <= steps.unsqueeze(1))
    return hit.to(torch.float64).mean(dim=1)


def overlap_histogram(final_overlaps, bins: int = 41):
    """Histogram of final overlaps on [-1, 1]: (bin centres, probability per bin), NumPy arrays."""
    import numpy as np

    values = torch.as_tensor(final_overlaps).detach().cpu().double().numpy()
    counts, edges = np.histogram(values, bins=bins, range=(-1.0, 1.0))
    return 0.5 * (edges[1:] + edges[:-1]), counts / max(1, values.size)
