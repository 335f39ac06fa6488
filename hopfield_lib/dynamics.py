"""Update rules and the batched ``run`` loop.

Rules (one *step* is one synchronous update, or one *sweep* in which every neuron
is updated exactly once, in a fresh random order):

* ``"sync"``: all N neurons at once from the same field;
* ``"async"``: one neuron at a time (random sequential update);
* ``"hybrid"``: kN neurons at a time (k = 1 is synchronous, k = 1/N asynchronous).

At temperature T = 0 a neuron takes the sign of its field, and a zero field keeps
its current state. At T > 0 it becomes +1 with the Glauber probability
½[1 + tanh(h/T)] (k_B = 1). All probes of a batch share each sweep's random order;
their dynamics are otherwise independent.

Speed without approximation:

* fields come from the overlaps M = S ξᵀ (never from J) and are exact integers;
  a synchronous run keeps them and adds ΔM ξ when the overlaps change (one int8
  product once few spins flip, see ``_advance_fields``);
* at T = 0 a synchronous probe that reached a fixed point or a 2-cycle has a known
  future: it is no longer computed, and its state at any later step is still exact;
* sweeps keep M up to date per block of neurons: the block's fields come from M at
  once, and the sequential decisions inside the block are found by iterating the
  block's small triangular system until no decision changes (see ``_settle_block``),
  a few small products instead of one step per neuron; M is updated once per block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

from ._checks import require_int, require_range, require_tensor
from .device import check_fits, real_dtype
from . import exact
from .exact import FLOAT32_EXACT
from .network import FIELD_CHUNK_ENTRIES, Hopfield

RULES = ("sync", "async", "hybrid")
BLOCK = 256  # neurons per block in a sweep when groups are small (see _run_sweeps)
OWN_BLOCK_GROUP = 16  # groups at least this large are their own block: no settling needed
SPARSE_UPDATE_FRACTION = 1 / 256  # below this fraction of flipped spins, update M flip by flip
SYNC_GROUP_BYTES = 2**29  # working memory of one group of probes in a synchronous run


@dataclass
class Result:
    """Outcome of :func:`run` for a batch of B probes.

    state: (B, N) int8, the state after ``steps`` steps.
    fixed: (B,) bool, the last step changed nothing (S(t+1) == S(t)).
    cycle2: (B,) bool, a 2-cycle: S(t+1) == S(t-1) != S(t).
    converged_step: (B,) long, the first step t with S(t+1) == S(t), or -1.
    final_overlaps: (B,) overlap of ``state`` with each probe's target pattern.
    overlaps, energies: (steps + 1, B) per step when ``record=True`` (else None).
    """

    state: torch.Tensor
    fixed: torch.Tensor
    cycle2: torch.Tensor
    converged_step: torch.Tensor
    final_overlaps: torch.Tensor
    targets: torch.Tensor
    steps: int
    rule: str
    temperature: float
    overlaps: Optional[torch.Tensor] = None
    energies: Optional[torch.Tensor] = None


# ----------------------------------------------------------------- decisions
def decide(nh_offdiag, S, net: Hopfield, threshold=None):
    """New spins, in the dtype of S, from the exact off-diagonal field ``nh_offdiag`` (= N h - λ p S).

    A neuron becomes +1 where N h > N θ, -1 where N h < N θ, and keeps its state at
    equality. At T = 0, θ = 0 (``threshold=None``). At T > 0, Glauber dynamics uses
    θ = (T/2) logit(u) with u uniform in (0, 1): then P(S = +1) = P(u < ½[1 + tanh(h/T)]),
    exactly the Glauber probability (see :func:`glauber_thresholds`).
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


def _fields(net: Hopfield, M, S):
    """Exact off-diagonal fields M ξ - p S of a batch, float32 where certified, else int64."""
    certified = int(M.abs().sum(dim=1, dtype=torch.int64).max()) + net.p < FLOAT32_EXACT
    H = torch.empty(S.shape, dtype=torch.float32 if certified else torch.int64, device=S.device)
    for c in net.row_chunks(S.shape[0]):
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
    for c in net.row_chunks(H.shape[0]):
        step = exact.wide_matmul(half[c], net._xi, bound).to(H.dtype).mul_(2)
        if S_new is not None:
            step.sub_(S_new[c] - S_old[c], alpha=net.p)
        H[c] += step
    return H


def _holes(done):
    """Row moves that drop the ``done`` rows of an array in place: the last kept rows
    (``fillers``) move into the done rows among the first ``n_keep`` (``holes``)."""
    n_keep = int((~done).sum())
    holes = done[:n_keep].nonzero().squeeze(1)
    fillers = (~done[n_keep:]).nonzero().squeeze(1) + n_keep
    return holes, fillers, n_keep


def _flip_positions(net: Hopfield, S_old, S_new):
    """(rows, cols) where S_new differs from S_old, row-major, found in row chunks."""
    rows, cols = [], []
    for c in net.row_chunks(S_old.shape[0]):
        r, k = (S_new[c] != S_old[c]).nonzero(as_tuple=True)
        rows.append(r + c.start)
        cols.append(k)
    return torch.cat(rows), torch.cat(cols)


def _rows_equal(net: Hopfield, a, b, idx):
    """(len(idx),) bool: rows idx of a and b are equal; in chunks, to bound temporaries."""
    out = torch.empty(idx.numel(), dtype=torch.bool, device=a.device)
    for c in net.row_chunks(idx.numel()):
        out[c] = (a[idx[c]] == b[idx[c]]).all(1)
    return out


def _decide_all(net: Hopfield, H, S):
    """decide() for a whole batch, in row chunks to bound the temporaries."""
    new = torch.empty_like(S)
    for c in net.row_chunks(S.shape[0]):
        new[c] = decide(H[c], S[c], net)
    return new


def update_neurons(net: Hopfield, S, neurons, *, temperature: float = 0.0, generator=None):
    """Return a copy of the states S (B, N) with ``neurons`` updated, all at once, from S.

    One neuron at a time this is the asynchronous update; the given neurons form one
    group of the hybrid rule. Same decision rule as :func:`run` (zero field keeps the
    state; Glauber at ``temperature`` > 0). For teaching and small N: each call
    recomputes the overlaps.
    """
    S = net.check_states(S, "S")
    T = require_range(temperature, "temperature", 0.0)
    idx = torch.as_tensor(neurons, dtype=torch.long, device=net.device).reshape(-1)
    if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= net.N):
        raise ValueError(f"neurons must lie in [0, {net.N - 1}]")
    threshold = glauber_thresholds(net, T, (S.shape[0], idx.numel()), generator) if T > 0 else None
    out = S.clone()
    out[:, idx] = decide(
        net.offdiag_field_int(net.overlaps_int(S), S[:, idx], cols=idx), S[:, idx], net, threshold
    )
    return out


# ------------------------------------------------------------------ checking
def _check_run_args(net, S0, rule, k, temperature, max_steps, targets, generator):
    if not isinstance(net, Hopfield):
        raise TypeError(f"net must be a hopfield_lib.Hopfield, got {type(net).__name__}")
    S0 = net.check_states(S0, "S0")
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if rule == "hybrid":
        if k is None:
            raise ValueError(
                "rule='hybrid' needs k, the fraction of neurons updated at once, in (0, 1]"
            )
        k = require_range(k, "k", 0.0, 1.0, low_open=True)
    elif k is not None:
        raise ValueError(f"k is only used with rule='hybrid', got k={k!r} with rule={rule!r}")
    T = require_range(temperature, "temperature", 0.0)
    max_steps = require_int(max_steps, "max_steps", 0)
    B = S0.shape[0]
    if targets is None:
        if B != net.p:
            raise ValueError(
                f"targets must be given when the number of probes (B = {B}) differs from p = {net.p}"
            )
        targets = torch.arange(B, device=net.device)
    else:
        require_tensor(targets, "targets")
        if targets.shape != (B,) or targets.is_floating_point() or targets.dtype == torch.bool:
            raise ValueError(
                f"targets must be a ({B},) integer tensor of pattern indices, got "
                f"{tuple(targets.shape)} {targets.dtype}"
            )
        if B and (int(targets.min()) < 0 or int(targets.max()) >= net.p):
            raise ValueError(f"targets must lie in [0, {net.p - 1}]")
        targets = targets.to(device=net.device, dtype=torch.long)
    if generator is not None:
        if not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        if generator.device.type != net.device.type:
            raise ValueError(
                f"generator is on {generator.device} but the network is on {net.device}"
            )
    return S0, k, T, max_steps, targets


def _sync_group_rows(net) -> int:
    """Probes a deterministic synchronous run works on at once: its per-probe arrays
    (float32 fields, three int8 states, int32 overlaps) stay within SYNC_GROUP_BYTES."""
    return max(1, SYNC_GROUP_BYTES // (8 * net.N + 12 * net.p))


def _estimate_bytes(net, B, rule, T, max_steps, record):
    """Bytes a run needs beyond its inputs: results, working arrays, largest temporaries."""
    chunk = 4 * FIELD_CHUNK_ENTRIES * 4
    recorded = 2 * 8 * (max_steps + 1) * B if record else 0
    if rule == "sync" and T == 0:
        rows = min(B, _sync_group_rows(net))
        return B * net.N + rows * (8 * net.N + 12 * net.p) + chunk + recorded
    per_probe = net.N * (1 + 12 + (8 if T > 0 else 0)) + 16 * net.p  # states, thresholds, overlaps
    return B * per_probe + 4 * net.N * net.p + chunk + recorded


# ---------------------------------------------------------------------- run
def run(
    net,
    S0,
    *,
    rule="sync",
    k=None,
    temperature=0.0,
    max_steps=100,
    generator=None,
    targets=None,
    record=False,
) -> Result:
    """Evolve a batch of probes ``S0`` (B, N) on ``net`` for ``max_steps`` steps.

    See the module docstring for the rules. ``targets`` (B,) names each probe's
    pattern (default: probe b targets pattern b, when B == p). With ``record=True``
    the overlap with the target and the energy are kept for every step 0..max_steps.
    """
    S0, k, T, max_steps, targets = _check_run_args(
        net, S0, rule, k, temperature, max_steps, targets, generator
    )
    check_fits(
        _estimate_bytes(net, S0.shape[0], rule, T, max_steps, record),
        net.device,
        f"a run of {S0.shape[0]} probes on N={net.N}",
    )
    if rule == "sync" and T == 0:
        out = _run_sync_deterministic(net, S0, max_steps, targets, record)
    else:
        group = {"sync": net.N, "async": 1}.get(rule) or max(1, round(k * net.N))
        out = _run_sweeps(net, S0, group, rule != "sync", T, max_steps, generator, targets, record)
    state, fixed, cycle2, conv, rec_m, rec_e = out
    final_m = torch.empty(state.shape[0], dtype=real_dtype(net.device), device=net.device)
    for c in net.row_chunks(state.shape[0]):  # overlap of each final state with its target
        final_m[c] = (state[c].to(torch.int32) * net.patterns[targets[c]]).sum(1).to(final_m.dtype)
    return Result(
        state=state,
        fixed=fixed,
        cycle2=cycle2,
        converged_step=conv,
        final_overlaps=final_m / net.N,
        targets=targets,
        steps=max_steps,
        rule=rule,
        temperature=T,
        overlaps=rec_m,
        energies=rec_e,
    )


class _Recorder:
    """Per-step target overlaps and energies; fills in probes whose future is known."""

    def __init__(self, net, B, max_steps, targets, enabled):
        self.net, self.targets, self.enabled = net, targets, enabled
        real = real_dtype(net.device)
        if enabled:
            self.m = torch.full((max_steps + 1, B), float("nan"), dtype=real, device=net.device)
            self.e = torch.full_like(self.m, float("nan"))
        self.last = torch.full((B,), max_steps, dtype=torch.long, device=net.device)

    def store(self, t, rows, M):
        if self.enabled:
            tg = self.targets[rows]
            self.m[t, rows] = M.gather(1, tg.unsqueeze(1)).squeeze(1).to(self.m.dtype) / self.net.N
            self.e[t, rows] = self.net.energy_from_overlaps(M)

    def retire(self, t, rows):
        """Rows stop being computed after step t; their later values repeat with period 2."""
        self.last[rows] = t

    def finish(self):
        if not self.enabled:
            return None, None
        for t in range(2, self.m.shape[0]):
            late = self.last < t
            self.m[t, late] = self.m[t - 2, late]
            self.e[t, late] = self.e[t - 2, late]
        return self.m, self.e


def _run_sync_deterministic(net, S0, max_steps, targets, record):
    """T = 0 synchronous steps, probes in groups of at most _sync_group_rows (they are independent)."""
    B, dev = S0.shape[0], net.device
    final = S0.clone()
    fixed = torch.zeros(B, dtype=torch.bool, device=dev)
    cycle2 = torch.zeros_like(fixed)
    conv = torch.full((B,), -1, dtype=torch.long, device=dev)
    rec = _Recorder(net, B, max_steps, targets, record)
    groups = -(-B // _sync_group_rows(net))
    size = -(-B // groups)  # equal groups: no small, inefficient last one
    for start in range(0, B, size):
        rows = torch.arange(start, min(B, start + size), device=dev)
        _sync_group(net, S0[start : start + size], rows, max_steps, final, fixed, cycle2, conv, rec)
    m, e = rec.finish()
    return final, fixed, cycle2, conv, m, e


def _count_flips(net: Hopfield, new, S):
    """(B,) number of spins where ``new`` differs from ``S``, in row chunks."""
    flips = torch.empty(S.shape[0], dtype=torch.int32, device=S.device)
    for c in net.row_chunks(S.shape[0]):
        flips[c] = (new[c] != S[c]).sum(1, dtype=torch.int32)
    return flips


def _sync_group(net, S, rows, max_steps, final, fixed, cycle2, conv, rec):
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
        flips = _count_flips(net, new, S)
        sparse = int(flips.sum()) <= SPARSE_UPDATE_FRACTION * new.numel() and dev.type != "mps"
        if sparse:  # few flips: update M and the field's -p ΔS term at the flips only
            r, c = _flip_positions(net, S, new)
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
                back[maybe] = _rows_equal(net, new, prev, maybe.nonzero().squeeze(1))
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


def _sweep_dtype(net, block):
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


def _earlier_groups(block, group, device):
    """(b, b) bool: True at [j, i] when neuron i's group comes before neuron j's in a block."""
    g = torch.arange(block, device=device) // group
    return g.unsqueeze(1) > g.unsqueeze(0)


def _settle_block(F, Sb, xb, new, earlier, net, threshold):
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


def _sweep(net, M, S, x, threshold, group, block, earlier):
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


class _few_threads:
    """Run many tiny tensor operations on one thread: waking threads costs more than they do."""

    def __init__(self, enabled=True):
        self.enabled = enabled

    def __enter__(self):
        self.saved = torch.get_num_threads()
        if self.enabled:
            torch.set_num_threads(1)

    def __exit__(self, *exc):
        torch.set_num_threads(self.saved)


def _run_sweeps(net, S0, group, shuffle, T, max_steps, generator, targets, record):
    """Steps that update ``group`` neurons at a time; with ``shuffle`` a fresh random order each sweep.

    Works on transposed copies, neurons in rows and probes in columns, so that a
    sweep's order is a cheap row gather and its blocks are contiguous slices.
    """
    B, N, dev = S0.shape[0], net.N, net.device
    block = group if group >= OWN_BLOCK_GROUP else group * (BLOCK // group)
    real = _sweep_dtype(net, block)
    earlier = _earlier_groups(min(block, N), group, dev)
    fixed = torch.zeros(B, dtype=torch.bool, device=dev)
    cycle2 = torch.zeros_like(fixed)
    conv = torch.full((B,), -1, dtype=torch.long, device=dev)
    rec = _Recorder(net, B, max_steps, targets, record)
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
        with _few_threads(small):
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
