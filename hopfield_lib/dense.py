"""Dense associative memory and the continuous modern Hopfield network.

Dense associative memory (Krotov & Hopfield 2016; exponential interaction:
Demircigil et al. 2017). Binary states S (±1), patterns ξ (p, N), overlaps
M_μ = ξ^μ·S (integers in [-N, N]) and the energy

    E(S) = -Σ_μ F(M_μ),   F(x) = x^n (n = 2, 3, ...)   or   F(x) = exp(βx).

A neuron compares the energies of its two states with the others fixed: its *flip
gain* is Δ_i = E(S with S_i = -1) - E(S with S_i = +1); at T = 0 it becomes +1 where
Δ_i > 0, -1 where Δ_i < 0 and keeps its state where Δ_i = 0. With R_μi = M_μ - S_i ξ_i^μ
(the overlap without neuron i), Δ_i = Σ_μ [F(R_μi + ξ_i^μ) - F(R_μi - ξ_i^μ)].

Polynomial F, exactly and with one matrix product. The binomial expansion keeps the
odd powers of ξ_i^μ = ±1: (R + ξ)^n - (R - ξ)^n = 2 ξ G(R) with G(R) = Σ_{k odd} C(n,k) R^(n-k).
As S_i ξ_i^μ = ±1 too, G(M - S_i ξ_i^μ) = A(M) - S_i ξ_i^μ B(M) with the integer polynomials
A(M) = [G(M+1) + G(M-1)]/2 and B(M) = [G(M+1) - G(M-1)]/2, so that

    Δ_i / 2 = [A(M) ξ]_i - S_i Σ_μ B(M_μ)

(n = 2: Δ_i = 4 (Mξ - pS)_i = 4 N h_i, the classic field with λ = 0, hence the same
dynamics as :class:`hopfield_lib.Hopfield`; n = 3: A = 3M² + 4, B = 6M). A and B are
evaluated in int64 and the product A ξ is exact (:func:`hopfield_lib.exact.wide_matmul`),
so Δ is an exact int64: the cost of a synchronous step is that of the classic network
(one (B, p) x (p, N) product, split into a few int8 digits for large A).
Exactness bound: |A|, |B| <= G(N + 1) ≈ n (N + 1)^(n-1), and every value stays exact
while 4 p G(N + 1) < 2^63. With p = 10^4 patterns that holds up to N ≈ 8.7·10^6 for
n = 3, N ≈ 38,600 for n = 4, N ≈ 2600 for n = 5, N = 520 for n = 6, N = 178 for n = 7
and N = 82 for n = 8 (with p = 10^3: 83,000, 4600, 824, 261, 115 for n = 4...8);
beyond it the constructor refuses (use a smaller n or N, or ``n="exp"``).
The energy is exact int64 while p N^n < 2^63, else float64 (rounded, never overflowing
below about N^n p < 10^308).

Exponential F(x) = exp(βx) with β > 0 a scale (Demircigil et al. use β = 1). With the
largest overlap M* of a probe and weights w_μ = exp(β(M_μ - M*)) <= 1,

    Δ_i = 2 sinh(β) e^(βM*) S_i [e^(-β) U_i - e^(β) V_i],

U_i (V_i) the sum of w_μ over the patterns with ξ_i^μ = S_i (≠ S_i): two products of
non-negative weights with 0/1 matrices, no cancellation before the final difference,
no overflow in the comparison. Each weight carries a relative rounding error of at most
(1 + 2βN) ε (the exponent β(M_μ - M*) is rounded; ε = 2^-52 in float64, 2^-23 in float32
on MPS) and each sum adds p ε, so a difference within that bound,
|e^(-β)U - e^(β)V| <= 4 (p + 2βN + 4) ε (e^(-β)U + e^(β)V), is a tie (Δ_i = 0). Exact
ties (as many patterns with ξ_i = +1 as with -1 at every R) then keep the spin as they
do for integers; a true Δ_i this small but not zero is also read as a tie. The
constructor refuses β(N + 2) + ln p > 700 (79 in float32), where e^(βN) would overflow.

At T > 0 the update is heat-bath: P(S_i = +1) = 1 / (1 + exp(-Δ_i / T)), T in the units
of E (k_B = 1). For n = 2 this is the classic Glauber rule at T_classic = T / (2N).

Continuous modern Hopfield network (Ramsauer et al. 2020): see :class:`ModernHopfield`.
"""

from __future__ import annotations

import math

import torch

from . import exact
from ._checks import require_int, require_range, require_spins, require_states, require_tensor
from .device import check_fits, real_dtype
from .dynamics import Result, _check_run_args

INT64_LIMIT = 2**63
MAX_PATTERNS = 65535  # exact float32 digit products need 128 p < 2^24
ROW_CHUNK_ENTRIES = 2**20  # entries of a (rows, max(p, N)) temporary worked on at once
SWEEP_BLOCK = 32  # neurons settled together in a sweep (see _sweep)


def _binomial_polynomials(n: int):
    """Integer coefficients (lowest power first) of G, A and B for F(x) = x^n (see module doc)."""
    G = [0] * n
    for k in range(1, n + 1, 2):
        G[n - k] = math.comb(n, k)
    A, B = [0] * n, [0] * n
    for i, g in enumerate(G):  # G(M + t) = Σ_i g_i Σ_l C(i, l) M^(i-l) t^l, t = ±1
        for ell in range(i + 1):
            (A if ell % 2 == 0 else B)[i - ell] += g * math.comb(i, ell)
    return G, A, B


def _horner(coeffs, M):
    """Σ_j coeffs[j] M^j for an int64 tensor M (coefficients lowest power first)."""
    out = torch.full_like(M, coeffs[-1])
    for c in reversed(coeffs[:-1]):
        out.mul_(M).add_(c)
    return out


def _parse_order(n, beta):
    """(n, beta) checked: n an int >= 2 with beta None, or n == 'exp' with beta > 0 (default 1)."""
    if isinstance(n, str):
        if n != "exp":
            raise ValueError(f"n must be an integer >= 2 or 'exp', got {n!r}")
        beta = 1.0 if beta is None else require_range(beta, "beta", 0.0, low_open=True)
        if not math.isfinite(beta):
            raise ValueError(f"beta must be finite, got {beta!r}")
        return n, beta
    n = require_int(n, "n", 2)
    if beta is not None:
        raise ValueError(f"beta is only used with n='exp', got beta={beta!r} with n={n}")
    return n, None


class DenseHopfield:
    """Dense associative memory storing ``patterns`` (p, N) of ±1, F(x) = x^n or exp(βx).

    ``n``: an integer >= 2, or ``"exp"`` with the scale ``beta`` > 0 (default 1).
    Attributes ``patterns`` (int8), ``n``, ``beta``, ``N``, ``p``, ``device``. Energies
    and flip gains follow the module docstring; :func:`run_dense` (or ``hl.run``) evolves
    probes.
    """

    def __init__(self, patterns, n=3, *, beta=None):
        require_spins(patterns, "patterns")
        self.n, self.beta = _parse_order(n, beta)
        self.p, self.N = patterns.shape
        if self.p > MAX_PATTERNS:
            raise ValueError(
                f"patterns: at most {MAX_PATTERNS} patterns are supported, got p = {self.p}"
            )
        if self.n == "exp":
            limit = math.log(torch.finfo(real_dtype(patterns.device)).max) - 9  # 700 in float64
            largest = (limit - math.log(self.p)) / (self.N + 2)
            if self.beta > largest:
                raise ValueError(
                    f"beta = {self.beta:g} with N = {self.N}: energies reach exp(beta N) and "
                    f"overflow {real_dtype(patterns.device)}; use beta <= {largest:.4g}"
                )
        else:
            self._G, self._A, self._B = _binomial_polynomials(self.n)
            self._bound = sum(g * (self.N + 1) ** j for j, g in enumerate(self._G))
            if 4 * self.p * self._bound >= INT64_LIMIT:
                raise ValueError(
                    f"n = {self.n} with N = {self.N} and p = {self.p}: the exact flip gains "
                    f"need integers up to {4 * self.p * self._bound:.2e}, beyond int64 "
                    f"({INT64_LIMIT:.2e}); use a smaller n or N, or n='exp'"
                )
        self.device = patterns.device
        self._mode = exact.backend(self.device, self.p * self.N)
        check_fits(
            (24 if self.n == "exp" else 16) * self.p * self.N,  # ξ copies (and 0/1 masks)
            self.device,
            f"a dense network of p={self.p} patterns of N={self.N} neurons",
        )
        self.patterns = patterns.to(torch.int8).contiguous()
        self._xi_T = exact.SpinMatrix(self.patterns.t().contiguous(), self._mode)  # for S ξᵀ
        self._rows = self.patterns.t().to(torch.float32).contiguous()  # (N, p): neuron i's ξ_i
        if self.n == "exp":
            real = real_dtype(self.device)
            plus = (self.patterns > 0).t().to(real)  # (N, p) 0/1
            self._split = (plus, 1.0 - plus)
        else:
            self._xi = exact.SpinMatrix(self.patterns, self._mode)  # for A ξ

    def __repr__(self):
        kind = f"exp, beta={self.beta:g}" if self.n == "exp" else f"n={self.n}"
        return f"DenseHopfield(N={self.N}, p={self.p}, {kind}, device={self.device})"

    # ------------------------------------------------------------------ checks
    def check_states(self, S, name: str = "S") -> torch.Tensor:
        """Validate a (B, N) batch of ±1 states on this network's device; return it as int8."""
        return require_states(S, self.N, self.device, name)

    def _chunks(self, rows: int):
        step = max(1, ROW_CHUNK_ENTRIES // max(self.p, self.N))
        return [slice(s, s + step) for s in range(0, rows, step)]

    # ------------------------------------------------------------ exact parts
    def overlaps_int(self, S: torch.Tensor) -> torch.Tensor:
        """M = S ξᵀ (B, p) as exact int64 for int8 states S (B, N)."""
        M = torch.empty((S.shape[0], self.p), dtype=torch.int64, device=self.device)
        for c in self._chunks(S.shape[0]):
            M[c] = self._xi_T.times_int8(S[c]).to(torch.int64)
        return M

    def energy_from_overlaps(self, M: torch.Tensor) -> torch.Tensor:
        """E = -Σ_μ F(M_μ) for int64 overlaps M (B, p), float64 (float32 on MPS)."""
        real = real_dtype(self.device)
        if self.n == "exp":
            z = torch.logsumexp(M.to(real) * self.beta, dim=1)
            return -torch.exp(z)
        if self.p * self.N**self.n < INT64_LIMIT:
            return -(M**self.n).sum(1).to(real)
        return -(M.to(real) ** self.n).sum(1)

    def _weights(self, M):
        """Per-probe quantities from the overlaps that every flip gain uses.

        Polynomial F: (A(M), Σ_μ B(M_μ)) in int64. Exponential F: (w, βM*, M) with
        w_μ = exp(β(M_μ - M*)).
        """
        if self.n == "exp":
            top = M.max(dim=1, keepdim=True).values
            real = real_dtype(self.device)
            w = torch.exp((M - top).to(real) * self.beta)
            return w, top.squeeze(1).to(real) * self.beta, M
        return _horner(self._A, M), _horner(self._B, M).sum(1)

    def _gains(self, W, S_cols, cols=None):
        """Δ (B, len(cols)) of the neurons ``cols`` (all when None) with states S_cols."""
        if self.n == "exp":
            return self._exp_gains(W, S_cols, cols)
        A, sum_B = W
        if cols is None:
            xi = self._xi
        else:
            xi = exact.SpinMatrix(self.patterns[:, cols], "float32", self._rows[cols].t())
        half = exact.wide_matmul(A, xi, self._bound).to(torch.int64)
        return half.sub_(S_cols.to(torch.int64) * sum_B.unsqueeze(1)).mul_(2)

    def _exp_gains(self, W, S_cols, cols):
        w, top, M = W
        plus, minus = self._split if cols is None else (x[cols] for x in self._split)
        P, Q = w @ plus.t(), w @ minus.t()  # weights of the patterns with ξ_i = +1 and -1
        up = S_cols > 0
        same = torch.where(up, P, Q) * math.exp(-self.beta)
        other = torch.where(up, Q, P) * math.exp(self.beta)
        diff = same - other
        eps = torch.finfo(diff.dtype).eps
        bound = 4 * (self.p + 2 * self.beta * self.N + 4) * eps  # relative, see module doc
        unsure = (diff.abs() <= bound * (same + other)).nonzero(as_tuple=True)
        scale = 2 * math.sinh(self.beta) * torch.exp(top).unsqueeze(1)
        gains = diff.mul_(scale).mul_(S_cols.to(diff.dtype))
        if unsure[0].numel():
            rows, pos = unsure
            neurons = pos if cols is None else cols[pos]
            gains[rows, pos] = self._exp_gains_by_counts(M[rows], S_cols[rows, pos], neurons)
        return gains

    def _exp_gains_by_counts(self, M, s, neurons):
        """Δ for single (probe, neuron) pairs whose float sums could not decide, from counts.

        Δ_i = 2 sinh(β) Σ_r c_r e^(βr) with the integers c_r = Σ_μ ξ_i^μ [R_μi = r]: exact
        cancellations happen in the counts, and the rest is summed from the largest r
        with c_r ≠ 0 down, in powers of e^(-2β) < 1. It is 0 only when every c_r is 0, or
        (a coincidence of β) when the sum is below its own rounding bound.
        """
        out = torch.empty(s.shape, dtype=real_dtype(self.device), device=self.device)
        N = self.N
        for c in self._chunks(s.numel()):
            x = self._rows[neurons[c]].to(torch.int64)  # (F, p): ξ_i^μ
            R = M[c] - s[c].to(torch.int64).unsqueeze(1) * x  # parity of N - 1
            counts = torch.zeros((x.shape[0], N), dtype=torch.int64, device=self.device)
            counts.scatter_add_(1, (R + N - 1) >> 1, x)  # bin k holds R = 2k - (N - 1)
            k = torch.arange(N, device=self.device)
            lead = torch.where(counts != 0, k, -1).max(1, keepdim=True).values
            decay = torch.exp(2 * self.beta * (k - lead).clamp(max=0).to(out.dtype))
            decay = decay.masked_fill_(k > lead, 0.0)
            total = (counts.to(out.dtype) * decay).sum(1)
            size = (counts.abs().to(out.dtype) * decay).sum(1)
            eps = torch.finfo(out.dtype).eps
            total = total.masked_fill_(total.abs() <= 4 * (N + 4) * eps * size, 0.0)
            r_lead = (2 * lead.squeeze(1) - (N - 1)).to(out.dtype)
            out[c] = total * (2 * math.sinh(self.beta)) * torch.exp(self.beta * r_lead)
        return out

    # ------------------------------------------------------------- public API
    def energy(self, S) -> torch.Tensor:
        """Energies E = -Σ_μ F(ξ^μ·S) of a (B, N) batch, float64 (float32 on MPS)."""
        S = self.check_states(S)
        return self.energy_from_overlaps(self.overlaps_int(S))

    def flip_gain(self, S) -> torch.Tensor:
        """Δ_i = E(S_i = -1) - E(S_i = +1) for every neuron of a (B, N) batch.

        Polynomial F: exact int64. Exponential F: float64 (float32 on MPS), 0 at ties.
        The sign decides the T = 0 update: +1 where Δ > 0, -1 where Δ < 0, kept at 0.
        """
        S = self.check_states(S)
        M = self.overlaps_int(S)
        dtype = torch.int64 if self.n != "exp" else real_dtype(self.device)
        out = torch.empty(S.shape, dtype=dtype, device=self.device)
        for c in self._chunks(S.shape[0]):
            out[c] = self._gains(self._weights(M[c]), S[c])
        return out

    field = flip_gain  # the quantity whose sign each neuron follows


# ----------------------------------------------------------------- dynamics
def _decide(gain, S, threshold):
    """New int8 spins: +1 where gain > threshold, -1 where below, S where equal (None: 0)."""
    margin = gain if threshold is None else gain.to(threshold.dtype) - threshold
    one = torch.ones((), dtype=torch.int8, device=S.device)
    return torch.where(margin > 0, one, torch.where(margin < 0, -one, S))


def _check_run(net, S0, rule, k, temperature, max_steps, targets, generator):
    """hl.run's checks (same messages); returns (S0, neurons per group, T, max_steps, targets)."""
    if not isinstance(net, DenseHopfield):
        raise TypeError(f"net must be a hopfield_lib.DenseHopfield, got {type(net).__name__}")
    S0, k, T, max_steps, targets = _check_run_args(
        net, S0, rule, k, temperature, max_steps, targets, generator
    )
    if not math.isfinite(T):
        raise ValueError(f"temperature must be finite, got {temperature!r}")
    group = {"sync": net.N, "async": 1}.get(rule) or max(1, round(k * net.N))
    return S0, group, T, max_steps, targets


def _full_step(net, S, M, threshold, overlaps=True):
    """All neurons at once from S: (new states, their overlaps, or None without ``overlaps``)."""
    new = torch.empty_like(S)
    for c in net._chunks(S.shape[0]):
        th = None if threshold is None else threshold[c]
        new[c] = _decide(net._gains(net._weights(M[c]), S[c]), S[c], th)
    return new, net.overlaps_int(new) if overlaps else None


def _sweep(net, S, M, order, group, threshold):
    """Every neuron once, ``group`` at a time in ``order``, exactly as one group after another.

    Blocks of about SWEEP_BLOCK neurons (whole groups) are settled together: the gains of
    the whole block come from the current weights in one product; for each probe the
    first group with a flip is applied (its decisions were taken from the right state:
    every earlier group was kept), the probe's overlaps and weights are updated and its
    later groups are decided again. A block costs one product per flip of its probes'
    busiest member, and one product in all once the probes have settled.
    """
    S, M = S.clone(), M.clone()
    W = net._weights(M)
    span = group * max(1, SWEEP_BLOCK // group)
    saved = torch.get_num_threads()
    if S.shape[0] * net.p * span < 2**20:  # tiny products: waking threads costs more
        torch.set_num_threads(1)
    try:
        _settle_blocks(net, S, M, W, order, group, span, threshold)
    finally:
        torch.set_num_threads(saved)
    return S, M


def _settle_blocks(net, S, M, W, order, group, span, threshold):
    """The blocks of :func:`_sweep`, updating S, M and the weights W in place."""
    for start in range(0, net.N, span):
        cols = order[start : start + span]
        gid = torch.arange(cols.numel(), device=S.device) // group
        th = None if threshold is None else threshold[:, start : start + span]
        rows = torch.arange(S.shape[0], device=S.device)
        settled = torch.zeros(S.shape[0], dtype=torch.long, device=S.device)  # groups done
        while rows.numel():
            old = S[rows.unsqueeze(1), cols]
            gains = net._gains(tuple(x[rows] for x in W), old, cols)
            new = _decide(gains, old, None if th is None else th[rows])
            moved = (new != old) & (gid >= settled[rows].unsqueeze(1))
            busy = moved.any(1)
            rows, old, new, moved = rows[busy], old[busy], new[busy], moved[busy]
            if rows.numel() == 0:
                break
            first = torch.where(moved, gid, gid.numel()).min(1, keepdim=True).values
            delta = torch.where(moved & (gid == first), new - old, 0).to(torch.int8)
            S[rows.unsqueeze(1), cols] = old + delta
            M[rows] += (delta.to(torch.float32) @ net._rows[cols]).to(torch.int64)
            for full, part in zip(W, net._weights(M[rows])):
                full[rows] = part
            settled[rows] = first.squeeze(1) + 1


def _step(net, S, M, group, shuffle, T, generator, overlaps=True):
    """One step (synchronous update or sweep), drawing random numbers like hl.run does."""
    B, N, dev = S.shape[0], net.N, net.device
    order = torch.randperm(N, generator=generator, device=dev) if shuffle else None
    threshold = None
    if T > 0:  # heat-bath: +1 iff u < 1/(1 + e^(-Δ/T)), i.e. Δ > T logit(u)
        u = torch.rand((B, N), generator=generator, device=dev, dtype=real_dtype(dev))
        threshold = T * (torch.log(u) - torch.log1p(-u))
    if order is None and group >= N:
        return _full_step(net, S, M, threshold, overlaps)
    if order is None:
        order = torch.arange(N, device=dev)
    return _sweep(net, S, M, order, group, threshold)


def _estimate_bytes(net, B, max_steps, record):
    """Bytes of a run's per-probe arrays (states, int8; overlaps and weights; gains) and records."""
    width = max(net.p, net.N)
    chunk = min(B, max(1, ROW_CHUNK_ENTRIES // width)) * 24 * width  # a chunk's temporaries
    return B * (4 * net.N + 32 * net.p) + chunk + (16 * (max_steps + 1) * B if record else 0)


def run_dense(
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
    """Evolve probes ``S0`` (B, N) on a :class:`DenseHopfield` for ``max_steps`` steps.

    Same rules, stopping and :class:`hopfield_lib.dynamics.Result` as ``hl.run`` on a
    classic network: "sync", "async" (a fresh random order each sweep, drawn from
    ``generator``), "hybrid" (round(kN) neurons at a time); T = 0 follows the sign of
    Δ (a zero gain keeps the spin), T > 0 is heat-bath (module docstring). At T = 0 a
    probe on a fixed point (and, for "sync", on a 2-cycle) stops being computed; its
    final state and recorded values are still exact. ``fixed``: the last step changed
    nothing; ``cycle2``: S(t+1) == S(t-1) != S(t) at the last step; ``converged_step``:
    the first step that changed nothing. With ``record=True``, the overlap with the
    target and the energy E = -Σ F(M) are kept for steps 0..max_steps.
    """
    S0, group, T, max_steps, targets = _check_run(
        net, S0, rule, k, temperature, max_steps, targets, generator
    )
    B, dev, real = S0.shape[0], net.device, real_dtype(net.device)
    check_fits(_estimate_bytes(net, B, max_steps, record), dev, f"a run of {B} probes on N={net.N}")
    final = S0.clone()
    fixed = torch.zeros(B, dtype=torch.bool, device=dev)
    cycle2 = torch.zeros_like(fixed)
    conv = torch.full((B,), -1, dtype=torch.long, device=dev)
    last = torch.full((B,), max_steps, dtype=torch.long, device=dev)
    rec_m = rec_e = None
    if record:
        rec_m = torch.full((max_steps + 1, B), float("nan"), dtype=real, device=dev)
        rec_e = torch.full_like(rec_m, float("nan"))

    def store(t, rows, M):
        if record:
            tg = targets[rows].unsqueeze(1)
            rec_m[t, rows] = M.gather(1, tg).squeeze(1).to(real) / net.N
            rec_e[t, rows] = net.energy_from_overlaps(M)

    rows = torch.arange(B, device=dev)
    S, prev = S0, None
    M = net.overlaps_int(S)
    store(0, rows, M)
    for t in range(max_steps):
        if rows.numel() == 0:
            break
        last_step = t == max_steps - 1  # then the new overlaps only serve the record
        new, M_new = _step(net, S, M, group, rule != "sync", T, generator, record or not last_step)
        store(t + 1, rows, M_new)
        same = (new == S).all(1)
        conv[rows[same & (conv[rows] < 0)]] = t
        back = torch.zeros_like(same) if prev is None else (new == prev).all(1) & ~same
        if last_step:
            cycle2[rows] = back
            if T > 0:
                fixed[rows] = same
        done = (same | (back if rule == "sync" else False)) if T == 0 else None
        if done is not None and bool(done.any()):
            fixed[rows[same]] = True
            cycle2[rows[back & done]] = True
            odd = (max_steps - (t + 1)) % 2 == 1  # a 2-cycle ends on S(t) after an odd rest
            final[rows[done]] = torch.where((back & odd).unsqueeze(1), S, new)[done]
            last[rows[done]] = t + 1
            keep = ~done
            rows, S, new = rows[keep], S[keep], new[keep]
            M_new = None if M_new is None else M_new[keep]
        prev, S, M = S, new, M_new
    if rows.numel():
        final[rows] = S
    if record:
        for t in range(2, max_steps + 1):  # stopped probes repeat with period 2
            late = last < t
            rec_m[t, late] = rec_m[t - 2, late]
            rec_e[t, late] = rec_e[t - 2, late]
    final_m = (final.to(torch.int32) * net.patterns[targets]).sum(1).to(real) / net.N
    return Result(
        state=final,
        fixed=fixed,
        cycle2=cycle2,
        converged_step=conv,
        final_overlaps=final_m,
        targets=targets,
        steps=max_steps,
        rule=rule,
        temperature=T,
        overlaps=rec_m,
        energies=rec_e,
    )


# ------------------------------------------------------- modern (continuous) network
class ModernHopfield:
    """Continuous modern Hopfield network (Ramsauer et al. 2020) storing real ``patterns`` (p, N).

    States x are real vectors (batches X of shape (B, N)); ``beta`` > 0 is the inverse
    temperature of the softmax. Energy, with Ramsauer et al.'s constants:

        E(x) = -β⁻¹ ln Σ_μ exp(β ξ^μ·x) + ½ x·x + β⁻¹ ln p + ½ K²,   K = max_μ |ξ^μ|,

    so that E >= ½(|x| - K)² >= 0. One update is x ← softmax(β ξ x)ᵀ ξ: an attention
    step with the query x, keys and values the stored patterns, and it never raises E.
    Small β averages all patterns, large β retrieves the single closest pattern, and in
    between similar patterns merge into metastable averages. Computed in float64
    (float32 on MPS) with torch.softmax / logsumexp, which never overflow.
    """

    def __init__(self, patterns, beta):
        require_tensor(patterns, "patterns")
        if patterns.dtype == torch.bool or patterns.is_complex():
            raise TypeError(f"patterns must be real numbers, got dtype {patterns.dtype}")
        if patterns.dim() != 2 or patterns.numel() == 0:
            raise ValueError(
                f"patterns must be a non-empty (p, N) tensor, got {tuple(patterns.shape)}"
            )
        self.device = patterns.device
        self.patterns = patterns.to(real_dtype(self.device)).contiguous()
        if not bool(torch.isfinite(self.patterns).all()):
            raise ValueError("patterns must be finite (no NaN or inf)")
        self.beta = require_range(beta, "beta", 0.0, low_open=True)
        if not math.isfinite(self.beta):
            raise ValueError(f"beta must be finite, got {beta!r}")
        self.p, self.N = patterns.shape
        self.radius = float(self.patterns.norm(dim=1).max())  # K, the largest pattern norm

    def __repr__(self):
        return f"ModernHopfield(N={self.N}, p={self.p}, beta={self.beta:g}, device={self.device})"

    def check_states(self, X, name: str = "X") -> torch.Tensor:
        """Validate a (B, N) batch of real states on this network's device; return it as float."""
        require_tensor(X, name)
        if X.dtype == torch.bool or X.is_complex():
            raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
        if X.dim() != 2 or X.shape[1] != self.N or X.shape[0] == 0:
            raise ValueError(
                f"{name} must have shape (B, {self.N}) with B >= 1, got {tuple(X.shape)}"
            )
        if X.device != self.device:
            raise ValueError(f"{name} is on {X.device} but the network is on {self.device}")
        X = X.to(self.patterns.dtype)
        if not bool(torch.isfinite(X).all()):
            raise ValueError(f"{name} must be finite (no NaN or inf)")
        return X

    def weights(self, X) -> torch.Tensor:
        """Attention weights softmax(β X ξᵀ) (B, p): how much each pattern enters the update."""
        X = self.check_states(X)
        return torch.softmax(self.beta * (X @ self.patterns.t()), dim=1)

    def update(self, X) -> torch.Tensor:
        """One update of a batch (B, N): X ← softmax(β X ξᵀ) ξ."""
        return self.weights(X) @ self.patterns

    def retrieve(self, X, steps: int = 1) -> torch.Tensor:
        """``steps`` updates of a batch X (B, N); returns the final states."""
        steps = require_int(steps, "steps", 1)
        X = self.check_states(X)
        for _ in range(steps):
            X = self.update(X)
        return X

    def energy(self, X) -> torch.Tensor:
        """E(x) (B,) of a batch X (B, N), with the constants of the class docstring."""
        X = self.check_states(X)
        lse = torch.logsumexp(self.beta * (X @ self.patterns.t()), dim=1) / self.beta
        const = math.log(self.p) / self.beta + 0.5 * self.radius**2
        return -lse + 0.5 * (X * X).sum(1) + const
