"""The paper's dense algorithm, kept as a reference for teaching, tests and benchmarks.

It builds the N x N coupling matrix and applies S <- sign(J S) to all probes at
once until no probe changes or ``max_steps`` is reached: O(N²) memory and O(N²)
work per probe and step. Two changes from the paper keep it exact and comparable
with the engine: a zero field keeps the current spin (``torch.sign`` would give 0),
and the products use N·J, whose entries are integers (plus λp on the diagonal),
so float32 sums are exact while |N h| < 2**24.
"""

from __future__ import annotations

import torch

from ._checks import require_int, require_spins
from .device import check_fits


def dense_sync_run(patterns, probes, max_steps: int = 100, self_coupling: float = 0.0):
    """Synchronous T = 0 dynamics with an explicit J.

    Returns (final states (B, N) int8, steps run).
    """
    require_spins(patterns, "patterns")
    require_spins(probes, "probes")
    max_steps = require_int(max_steps, "max_steps", 0)
    p, N = patterns.shape
    if probes.shape[1] != N:
        raise ValueError(f"probes have N = {probes.shape[1]} but patterns have N = {N}")
    check_fits(4 * N * N + 12 * N * probes.shape[0], patterns.device, f"the dense J of N={N}")
    xi = patterns.to(torch.float32)
    scaled_J = xi.t() @ xi  # N·J off the diagonal
    scaled_J.fill_diagonal_(float(self_coupling) * p)
    S = probes.to(torch.float32).t().contiguous()  # (N, B): one probe per column, as in the paper
    steps = 0
    for steps in range(1, max_steps + 1):
        h = scaled_J @ S
        new = torch.where(h > 0, 1.0, torch.where(h < 0, -1.0, S))
        if torch.equal(new, S):
            break
        S = new
    return S.t().to(torch.int8).contiguous(), steps
