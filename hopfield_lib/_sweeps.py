"""The sweep engine of :func:`hopfield_lib.run`: groups of neurons updated in turn.

Serves every rule but the deterministic synchronous one (see :mod:`._sync`): a step
updates every neuron once, ``group`` neurons at a time, in a fresh random order
for the asynchronous and hybrid rules. The overlaps M are kept up to date per
block of neurons: the block's fields come from M at once, and the sequential
decisions inside the block are found by iterating the block's small triangular
system until no decision changes (see :func:`_settle_block`), a few small products
instead of one step per neuron; M is updated once per block.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch

from ._record import Recorder
from ._rule import decide, glauber_thresholds
from .device import real_dtype
from .exact import FLOAT32_EXACT
from .network import Hopfield

BLOCK = 256  # neurons per block in a sweep when groups are small (see run_sweeps)
OWN_BLOCK_GROUP = 16  # groups at least this large are their own block: no settling needed


def sweep_dtype(net: Hopfield, block):
    """float32 where every partial sum of a sweep is an exact float32 integer, else float64.

    Fields satisfy |M ξ - p S| <= (N + 1) p, and a block's corrections add at most 2 b p.
    """
    if (net.N + 1 + 2 * block) * net.p < FLOAT32_EXACT:
        return torch.float32
    wide = real_dtype(net.device)
    if wide == torch.float32:
        raise ValueError(
            f"sweeps with N = {net.N} and p = {net.p} need float64 to stay exact, "
            f"which {net.device} lacks: use rule='sync' or a CPU/CUDA device"
        )
    return wide


def sweep_bytes(net: Hopfield, B: int, T: float) -> int:
    """Bytes of the working arrays of a run of B probes: states, thresholds, overlaps, ξ."""
    per_probe = net.N * (1 + 12 + (8 if T > 0 else 0)) + 16 * net.p
    return B * per_probe + 4 * net.N * net.p


def run_sweeps(net: Hopfield, S0, group, shuffle, T, max_steps, generator, targets, record):
    """Steps that update ``group`` neurons at a time; ``shuffle``: a fresh random order each step.

    Works on transposed copies, neurons in rows and probes in columns, so that a
    sweep's order is a cheap row gather and its blocks are contiguous slices.
    Returns (final states, fixed, cycle2, converged_step, overlaps, energies) as
    :class:`hopfield_lib.Result` describes them.
    """
    B, N, dev = S0.shape[0], net.N, net.device
    block = group if group >= OWN_BLOCK_GROUP else group * (BLOCK // group)
    real = sweep_dtype(net, block)
    earlier = _earlier_groups(min(block, N), group, dev)
    fixed = torch.zeros(B, dtype=torch.bool, device=dev)
    cycle2 = torch.zeros_like(fixed)
    conv = torch.full((B,), -1, dtype=torch.long, device=dev)
    rec = Recorder(net, B, max_steps, targets, record)
    final = S0.clone()
    rows = torch.arange(B, device=dev)
    x = net.patterns.t().contiguous().to(real)  # (N, p)
    S = S0.t().contiguous().to(real)  # (N, B)
    prev = S
    M = net.overlaps_int(S0).t().contiguous().to(real)  # (p, B), exact: |M| <= N
    rec.store(0, rows, M.t())
    small = B * net.p * block < 2**20  # tiny products: one thread beats two
    for t in range(max_steps):
        if rows.numel() == 0:
            break
        order = torch.randperm(N, generator=generator, device=dev) if shuffle else None
        threshold = glauber_thresholds(net, T, (rows.numel(), N), generator).t() if T > 0 else None
        work = S[order] if shuffle else S.clone()
        with _one_thread(small):
            M, moved = _sweep(
                net, M, work, x[order] if shuffle else x, threshold, group, block, earlier
            )
        before = S
        S = torch.empty_like(work).index_copy_(0, order, work) if shuffle else work
        rec.store(t + 1, rows, M.t())
        same = ~moved
        first_same = same & (conv[rows] < 0)
        conv[rows[first_same]] = t
        if T == 0 and bool(same.any()):  # a sweep that changed nothing: a fixed point forever
            idx = rows[same]
            fixed[idx] = True
            final[idx] = S[:, same].t().to(torch.int8)
            rec.retire(t + 1, idx)
            keep = ~same
            rows, S, M, same = rows[keep], S[:, keep], M[:, keep], same[keep]
            before, prev = before[:, keep], prev[:, keep]
        if t == max_steps - 1:
            cycle2[rows] = (S == prev).all(0) & ~same
            if T > 0:
                fixed[rows] = same
        prev = before
    if rows.numel():
        final[rows] = S.t().to(torch.int8)
    m, e = rec.finish()
    return final, fixed, cycle2, conv, m, e


@contextmanager
def _one_thread(enabled=True):
    """Run many tiny tensor operations on one thread: waking threads costs more than they do."""
    saved = torch.get_num_threads()
    if enabled:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


def _earlier_groups(block, group, device):
    """(b, b) bool: True at [j, i] when neuron i's group comes before neuron j's in a block."""
    g = torch.arange(block, device=device) // group
    return g.unsqueeze(1) > g.unsqueeze(0)


def _sweep(net: Hopfield, M, S, x, threshold, group, block, earlier):
    """Update every neuron once, in the row order of S (N, B) and x (N, p), ``group`` at a time.

    S (spins, probes in columns) is updated in place. Returns the overlaps M (p, B)
    up to date and whether each probe changed. Fields come from M per block, exact
    in S's float dtype.
    """
    moved = torch.zeros(S.shape[1], dtype=torch.bool, device=S.device)
    for start in range(0, S.shape[0], block):
        part = slice(start, start + block)
        xb, Sb = x[part], S[part]
        th = None if threshold is None else threshold[part]
        F = torch.addmm(Sb, xb, M, beta=-net.p)  # M ξ - p S for the block, (b, B)
        new = decide(F, Sb, net, th)
        if group < xb.shape[0]:
            new = _settle_block(F, Sb, xb, new, earlier, net, th)
        delta = new - Sb
        M = M.addmm_(xb.t(), delta)
        moved |= delta.any(0)
        S[part] = new
    return M, moved


def _settle_block(F, Sb, xb, new, earlier, net: Hopfield, threshold):
    """Sequential decisions of one block, group by group, given its fields F from M.

    The sequential result is the unique solution Δ of the triangular system

        Δ = decide(F + L Δ) - S,   L_ji = Σ_μ ξ_μi ξ_μj if group(i) < group(j), else 0,

    where F are the block's fields before any of its flips and L_ji is how a flip of
    neuron i moves the field of the later neuron j. Iterating the map from Δ = 0
    makes the first k groups right after k evaluations, and a Δ that repeats is the
    solution (the fixed point of a triangular map is unique). So one small product
    per evaluation replaces one step per neuron, and the loop ends as soon as no
    decision changes, after as many evaluations as the block has groups at most.
    """
    b = xb.shape[0]
    L = (xb @ xb.t()).masked_fill_(~earlier[:b, :b], 0.0)
    delta = new - Sb
    for _ in range(b):  # at most the number of groups, see above
        new = decide(torch.addmm(F, L, delta), Sb, net, threshold)
        moved = new - Sb
        if torch.equal(moved, delta):
            break
        delta = moved
    return new
