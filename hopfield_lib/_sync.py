"""The fast path of :func:`hopfield_lib.run` for synchronous steps at T = 0.

Fields are exact integers kept from step to step: the first from the overlaps
M = S ξᵀ, the next by adding ΔM ξ when the overlaps change (one int8 product once
few spins flip, see :func:`_advance_fields`). A probe that reached a fixed point or
a 2-cycle has a known future: it is no longer computed, and its state at any later
step is still exact. Probes are independent and run in groups that bound memory.
"""

from __future__ import annotations

import torch

from . import exact
from ._record import Recorder
from ._rule import decide
from .device import row_chunks
from .exact import FLOAT32_EXACT
from .network import Hopfield

SPARSE_UPDATE_FRACTION = 1 / 256  # below this fraction of flipped spins, update M flip by flip
SYNC_GROUP_BYTES = 2**29  # working memory of one group of probes in a synchronous run


def group_rows(net: Hopfield) -> int:
    """Probes a deterministic synchronous run works on at once: its per-probe arrays
    (float32 fields, three int8 states, int32 overlaps) stay within SYNC_GROUP_BYTES."""
    return max(1, SYNC_GROUP_BYTES // (8 * net.N + 12 * net.p))


def sync_bytes(net: Hopfield, B: int) -> int:
    """Bytes of the working arrays of a run of B probes: final states and one group's arrays."""
    return B * net.N + min(B, group_rows(net)) * (8 * net.N + 12 * net.p)


def run_deterministic(net: Hopfield, S0, max_steps, targets, record):
    """T = 0 synchronous steps, probes in groups of at most :func:`group_rows`.

    Returns (final states, fixed, cycle2, converged_step, overlaps, energies) as
    :class:`hopfield_lib.Result` describes them.
    """
    B, dev = S0.shape[0], net.device
    final = S0.clone()
    fixed = torch.zeros(B, dtype=torch.bool, device=dev)
    cycle2 = torch.zeros_like(fixed)
    conv = torch.full((B,), -1, dtype=torch.long, device=dev)
    rec = Recorder(net, B, max_steps, targets, record)
    groups = -(-B // group_rows(net))
    size = -(-B // groups)  # equal groups: no small, inefficient last one
    for start in range(0, B, size):
        rows = torch.arange(start, min(B, start + size), device=dev)
        _sync_group(net, S0[start : start + size], rows, max_steps, final, fixed, cycle2, conv, rec)
    m, e = rec.finish()
    return final, fixed, cycle2, conv, m, e


# ------------------------------------------------------------------ fields
def _fields(net: Hopfield, M, S):
    """Exact off-diagonal fields M ξ - p S of a batch, float32 where certified, else int64."""
    certified = int(M.abs().sum(dim=1, dtype=torch.int64).max()) + net.p < FLOAT32_EXACT
    H = torch.empty(S.shape, dtype=torch.float32 if certified else torch.int64, device=S.device)
    for c in row_chunks(S.shape[0], S.shape[1]):
        H[c] = net.offdiag_field_int(M[c], S[c])
    return H


def _advance_fields(net: Hopfield, H, dM, M_old, S_new=None, S_old=None):
    """Fields of the new states from those of the old: H + ΔM ξ - p (S_new - S_old), exact.

    ΔM = M_new - M_old is even (a flip moves an overlap by ±2) and small after the
    first steps, so ΔM/2 fits one int8 digit but for a few entries (the overlap with
    the pattern being recalled): those are added as a sparse product. Without
    states the caller has already added the term -p ΔS (at the flips only). H stays
    float32 while every row certifies Σ|M_old| + Σ|ΔM| + 2p < 2**24, which bounds
    every intermediate value; otherwise it moves to int64.
    """
    rowsum = M_old.abs().sum(1, dtype=torch.int64) + dM.abs().sum(1, dtype=torch.int64)
    if H.dtype == torch.float32 and int(rowsum.max()) + 2 * net.p >= FLOAT32_EXACT:
        H = H.to(torch.int64)
    half = dM >> 1
    bound = int(half.abs().max()) if half.numel() else 0
    split = None
    if (
        H.dtype == torch.float32
        and bound > 127
        and net.mode != "float32"
        and H.device.type != "mps"
    ):
        split = exact.split_large(half)
    if split is not None:
        half, rows, cols, residual = split
        bound = 127
        exact.sparse_times(rows, cols, 2 * residual, H.shape[0], net.patterns, out=H)
    for c in row_chunks(H.shape[0], H.shape[1]):
        step = exact.wide_matmul(half[c], net._xi, bound).to(H.dtype).mul_(2)
        if S_new is not None:
            step.sub_(S_new[c] - S_old[c], alpha=net.p)
        H[c] += step
    return H


# ------------------------------------------------- whole-batch helpers, in row chunks
def _decide_all(net: Hopfield, H, S):
    """decide() for a whole batch, in row chunks to bound the temporaries."""
    new = torch.empty_like(S)
    for c in row_chunks(S.shape[0], S.shape[1]):
        new[c] = decide(H[c], S[c], net)
    return new


def _count_flips(new, S):
    """(B,) int32 number of spins where ``new`` differs from ``S``."""
    flips = torch.empty(S.shape[0], dtype=torch.int32, device=S.device)
    for c in row_chunks(S.shape[0], S.shape[1]):
        flips[c] = (new[c] != S[c]).sum(1, dtype=torch.int32)
    return flips


def _flip_positions(S_old, S_new):
    """(rows, cols) where S_new differs from S_old, row-major."""
    rows, cols = [], []
    for c in row_chunks(S_old.shape[0], S_old.shape[1]):
        r, k = (S_new[c] != S_old[c]).nonzero(as_tuple=True)
        rows.append(r + c.start)
        cols.append(k)
    return torch.cat(rows), torch.cat(cols)


def _rows_equal(a, b, idx):
    """(len(idx),) bool: rows idx of a and b are equal."""
    out = torch.empty(idx.numel(), dtype=torch.bool, device=a.device)
    for c in row_chunks(idx.numel(), a.shape[1]):
        out[c] = (a[idx[c]] == b[idx[c]]).all(1)
    return out


def _holes(done):
    """Row moves that drop the ``done`` rows of an array in place: the last kept rows
    (``fillers``) move into the done rows among the first ``n_keep`` (``holes``)."""
    n_keep = int((~done).sum())
    holes = done[:n_keep].nonzero().squeeze(1)
    fillers = (~done[n_keep:]).nonzero().squeeze(1) + n_keep
    return holes, fillers, n_keep


# ------------------------------------------------------------------ the loop
def _sync_group(net: Hopfield, S, rows, max_steps, final, fixed, cycle2, conv, rec):
    """Run one group of probes (original indices ``rows``), writing into the shared results."""
    S0, dev = S, S.device
    prev, prev_flips, prev_M = None, None, None
    M = net.overlaps_int(S)
    rec.store(0, rows, M)
    H = _fields(net, M, S)
    for t in range(max_steps):
        if rows.numel() == 0:
            break
        new = _decide_all(net, H, S)
        flips = _count_flips(new, S)
        sparse = int(flips.sum()) <= SPARSE_UPDATE_FRACTION * new.numel() and dev.type != "mps"
        if sparse:  # few flips: update M and the field's -p ΔS term at the flips only
            r, c = _flip_positions(S, new)
            dM = net.overlap_change(r, c, new)
            H.index_put_((r, c), new[r, c].to(H.dtype) * (-2 * net.p), accumulate=True)
        else:
            dM = net.overlaps_int(new).sub_(M)
        M_new = M + dM
        rec.store(t + 1, rows, M_new)
        same = flips == 0
        # a 2-cycle flips the same spins back, so it has as many flips as last step and
        # the overlaps of two steps ago: only such rows are compared spin by spin
        back = torch.zeros_like(same)
        if prev is not None:
            maybe = (flips == prev_flips) & ~same
            maybe &= (M_new == prev_M).all(1)
            if bool(maybe.any()):
                back[maybe] = _rows_equal(new, prev, maybe.nonzero().squeeze(1))
        done = same | back
        if bool(done.any()):
            idx = rows[done]
            conv[rows[same]] = t
            fixed[rows[same]] = True
            cycle2[rows[back]] = True
            # from step t+1 on the state alternates new, S, new, ...: pick by parity
            even = (max_steps - (t + 1)) % 2 == 0
            final[idx] = torch.where(back[done].unsqueeze(1) & (not even), S[done], new[done])
            rec.retire(t + 1, idx)
            # drop the finished rows, moving the last active rows into their places
            holes, fillers, n_keep = _holes(done)
            order = torch.arange(done.numel(), device=dev)
            order[holes] = fillers
            order = order[:n_keep]
            rows, M, M_new, dM, flips = rows[order], M[order], M_new[order], dM[order], flips[order]
            if S is S0:  # never overwrite the caller's S0
                S = S[order]
            else:
                S[holes] = S[fillers]
                S = S[:n_keep]
            for big in (new, H):
                big[holes] = big[fillers]
            new, H = new[:n_keep], H[:n_keep]
        if t + 1 < max_steps and rows.numel():
            H = _advance_fields(net, H, dM, M, *(() if sparse else (new, S)))
        S, prev, M, prev_flips, prev_M = new, S, M_new, flips, M
    if rows.numel():
        final[rows] = S
