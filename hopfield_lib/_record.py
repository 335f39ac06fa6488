"""Per-step recording shared by the engines: overlap with each probe's target, energy."""

from __future__ import annotations

import torch

from .device import real_dtype


class Recorder:
    """Per-step target overlaps and energies; fills in probes whose future is known."""

    def __init__(self, net, B, max_steps, targets, enabled):
        self.net, self.targets, self.enabled = net, targets, enabled
        real = real_dtype(net.device)
        if enabled:
            self.m = torch.full((max_steps + 1, B), float("nan"), dtype=real, device=net.device)
            self.e = torch.full_like(self.m, float("nan"))
        self.last = torch.full((B,), max_steps, dtype=torch.long, device=net.device)

    def store(self, t, rows, M):
        """Values at step t of the probes ``rows``, from their overlaps M (len(rows), p)."""
        if self.enabled:
            tg = self.targets[rows]
            self.m[t, rows] = M.gather(1, tg.unsqueeze(1)).squeeze(1).to(self.m.dtype) / self.net.N
            self.e[t, rows] = self.net.energy_from_overlaps(M)

    def retire(self, t, rows):
        """Rows stop being computed after step t; their later values repeat with period 2."""
        self.last[rows] = t

    def finish(self):
        """(overlaps, energies), each (max_steps + 1, B), or (None, None) when disabled."""
        if not self.enabled:
            return None, None
        for t in range(2, self.m.shape[0]):
            late = self.last < t
            self.m[t, late] = self.m[t - 2, late]
            self.e[t, late] = self.e[t - 2, late]
        return self.m, self.e
