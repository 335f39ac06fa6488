"""The Hopfield network with Hebbian couplings, kept in low-rank form.

Conventions (k_B = 1, spins ±1, patterns ξ of shape (p, N), α = p/N):

    J = (1/N) Σ_μ ξ^μ ξ^μᵀ  with the diagonal replaced by J_ii = λα,
    h_i = Σ_j J_ij S_j,      E = -½ Σ_ij J_ij S_i S_j.

J is never built: with the overlaps M = S ξᵀ (integers in [-N, N]),

    N h = M ξ - p S + λ p S,

which costs O(pN) per probe instead of O(N²) and is computed exactly (see
:mod:`hopfield_lib.exact`). The integer part ``M ξ - p S`` is the field of the
off-diagonal couplings, scaled by N.
"""

from __future__ import annotations

import math

import torch

from . import exact
from ._checks import require_range, require_spins, require_states
from .device import check_fits, real_dtype, row_chunks


class Hopfield:
    """A Hopfield network storing ``patterns`` (p, N) of ±1 with self-coupling λ.

    Attributes: ``N``, ``p``, ``alpha`` (= p/N), ``self_coupling`` (λ; J_ii = λα),
    ``patterns`` (int8, on ``device``), ``device``.
    """

    def __init__(self, patterns, *, self_coupling: float = 0.0):
        require_spins(patterns, "patterns")
        self.self_coupling = require_range(self_coupling, "self_coupling")
        if not math.isfinite(self.self_coupling):
            raise ValueError(f"self_coupling must be finite, got {self_coupling!r}")
        self.p, self.N = patterns.shape
        if self.p >= 2**16:
            raise ValueError(f"patterns: at most 65535 patterns are supported, got p = {self.p}")
        self.device = patterns.device
        self.mode = exact.backend(self.device, self.p * self.N)
        extra = {"float32": 5, "onednn": 3, "int8": 1}[self.mode] * self.p * self.N
        check_fits(extra, self.device, f"a network of p={self.p} patterns of N={self.N} neurons")
        self.patterns = patterns.to(torch.int8).contiguous()
        self.patterns_T = self.patterns.t().contiguous()  # (N, p): row i holds neuron i's patterns
        shared = self.patterns.float() if self.mode == "float32" else None
        # the same ξ prepared for S ξᵀ (overlaps) and for M ξ (fields)
        self._xi_T = exact.SpinMatrix(
            self.patterns_T, self.mode, None if shared is None else shared.t()
        )
        self._xi = exact.SpinMatrix(self.patterns, self.mode, shared)

    @property
    def alpha(self) -> float:
        return self.p / self.N

    @property
    def self_term(self) -> float:
        """λ p: the self-coupling J_ii = λα scaled by N."""
        return self.self_coupling * self.p

    def __repr__(self):
        return (
            f"Hopfield(N={self.N}, p={self.p}, alpha={self.alpha:.4g}, "
            f"self_coupling={self.self_coupling:g}, device={self.device}, products={self.mode})"
        )

    # ------------------------------------------------------------------ checks
    def check_states(self, S, name: str = "S") -> torch.Tensor:
        """Validate a (B, N) batch of ±1 states on this network's device; return it as int8."""
        return require_states(S, self.N, self.device, name)

    # ------------------------------------------------------------ exact parts
    def overlaps_int(self, S: torch.Tensor) -> torch.Tensor:
        """M = S ξᵀ as exact int32, shape (B, p); M/N is the overlap with each pattern."""
        M = torch.empty((S.shape[0], self.p), dtype=torch.int32, device=self.device)
        for c in row_chunks(S.shape[0], self.N):
            M[c] = self._xi_T.times_int8(S[c])
        return M

    def overlap_change(self, rows, cols, S_new: torch.Tensor) -> torch.Tensor:
        """ΔM (B, p) int32 after the spins at (rows, cols), listed row-major, flipped to S_new.

        ΔM = ΔS ξᵀ with ΔS = 2 S_new at the flips, multiplied as a sparse matrix: exact,
        and cheap when few spins flipped.
        """
        values = 2.0 * S_new[rows, cols].to(torch.float32)
        return exact.sparse_times(rows, cols, values, S_new.shape[0], self.patterns_T).to(
            torch.int32
        )

    def offdiag_field_int(self, M: torch.Tensor, S: torch.Tensor, cols=None) -> torch.Tensor:
        """N·h minus the self term, ``M ξ - p S``, for the neurons ``cols`` (default all).

        M must be overlaps of ±1 states (so every M_μ has the parity of N) and ``S``
        holds the states of just those neurons. Writing M = 2 Q + r with r = N mod 2
        halves the integers to multiply: M ξ = 2 Q ξ + r Σ_μ ξ_μ. The values are exact
        integers, float32 where that is exact (see :func:`exact.wide_matmul`), else int64.
        """
        xi = self.patterns if cols is None else self.patterns[:, cols]
        product = self._xi if cols is None else exact.SpinMatrix(xi, "float32")
        r = self.N % 2
        half = (M - r) >> 1
        out = exact.wide_matmul(half, product, (self.N + 1) // 2).mul_(2)
        if r:
            out += xi.sum(0, dtype=torch.int32).to(out.dtype)
        return out.sub_(S, alpha=self.p)

    def energy_from_overlaps(self, M: torch.Tensor) -> torch.Tensor:
        """E = -(Σ_μ M_μ² - pN)/(2N) - λp/2 for overlaps M (B, p), float64."""
        sq = (M.to(torch.int64) ** 2).sum(dim=1)
        return (
            -(sq - self.p * self.N).to(real_dtype(self.device)) / (2 * self.N) - self.self_term / 2
        )

    # ------------------------------------------------------------- public API
    def field(self, S) -> torch.Tensor:
        """Local fields h_i = Σ_j J_ij S_j of a (B, N) batch, float64 (float32 on MPS).

        Exact up to the final division by N."""
        S = self.check_states(S)
        M = self.overlaps_int(S)
        real = real_dtype(self.device)
        nh = torch.cat(
            [self.offdiag_field_int(M[c], S[c]).to(real) for c in row_chunks(len(S), self.N)]
        )
        return (nh + self.self_term * S.to(real)) / self.N  # exact up to the division: |N h| < 2^53

    def energy(self, S) -> torch.Tensor:
        """Energies E = -½ Σ_ij J_ij S_i S_j of a (B, N) batch, float64 (float32 on MPS)."""
        S = self.check_states(S)
        return self.energy_from_overlaps(self.overlaps_int(S))

    def weights(self) -> torch.Tensor:
        """The dense coupling matrix J (N, N), float64 (float32 on MPS).

        For teaching and checks at small N."""
        check_fits(16 * self.N**2, self.device, f"the dense J of N={self.N}")
        x = self.patterns.to(real_dtype(self.device))
        J = (x.t() @ x) / self.N
        J.fill_diagonal_(self.self_coupling * self.alpha)
        return J
