"""Reference implementations of synchronous Hopfield recall, used to check and time the engine.

Two deliberately plain algorithms, both written independently of ``hopfield_lib``:

``dense_paper``
    The tutorial paper's algorithm: build the dense coupling matrix once and
    update all probes at once with S <- sign(J S), until no state changes or
    ``max_steps`` products have been computed.  One difference from the paper:
    the zero-field rule of this course ("a zero field keeps the current
    state") replaces ``torch.sign``'s 0, so that the results can be compared
    spin for spin with the engine.

    Exactness.  The paper multiplies by J = (1/N) ξᵀξ in float32.  The entries
    k/N are rounded (unless N is a power of two), so a field that is exactly
    zero, or exactly equal to another, can come out with either sign, and the
    rounding then decides the update.  Here the matrix is scaled by N:
    C = ξᵀξ with diagonal λp (= N·λα), so C·S = N·h.  For ±1 patterns every
    entry and every partial sum is an integer, and float32 holds integers
    exactly below 2^24 = 16,777,216.  |N·h_i| ≤ N·p + λp, which stays below
    2^24 for all sizes the dense algorithm is run at with α = 0.12
    (N·p ≈ 8.1e6 at N = 8192).  The decisions are those of the paper's J/N
    form, except where its rounding decides an exact tie; here ties are
    exact.  ``dense_paper`` refuses sizes where the worst case could pass
    2^24 unless ``check_exact=False``.

``numpy_course_notes``
    What typical course notes write: W = ξᵀξ / N in float64 with a zero (or
    λα) diagonal, a Python loop over steps, ``np.sign`` with a ``np.where`` for
    the zero field.  Its float64 field is exact when N is a power of two (then
    1/N is exact in binary); for other N a true zero field may come out as
    ±1e-17 and be decided by rounding.  The benchmarks and tests use powers of
    two, or an odd number of patterns with λ = 0 (then N·h is odd and never 0).

Both take ``(patterns, probes, max_steps, self_coupling)`` with patterns of
shape (p, N) and probes of shape (B, N) holding ±1 (torch tensors or arrays),
and return ``(final_states, steps)``: final states (B, N) int8 and the number
of steps (synchronous updates, i.e. matrix products) actually computed.  The
final state is the state after ``max_steps`` steps: the loop stops early only
when a whole step changed nothing, and then every later step would change
nothing too.  With ``trajectory=True`` they also return every state
S(0), S(1), ..., S(steps) as a (steps + 1, B, N) int8 array (small N only).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["dense_paper", "numpy_course_notes", "dense_bytes", "FLOAT32_EXACT_LIMIT"]

FLOAT32_EXACT_LIMIT = 2**24


def _as_torch_spins(x, name, device=None) -> torch.Tensor:
    t = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if device is not None:
        t = t.to(device)
    if t.dim() != 2:
        raise ValueError(f"{name} must be 2-dimensional, got shape {tuple(t.shape)}")
    return t


def dense_bytes(N: int, B: int) -> int:
    """Bytes the dense algorithm holds at once: J (N², float32), two state matrices, the field."""
    return 4 * (N * N + 3 * N * B)


def dense_paper(
    patterns,
    probes,
    max_steps=100,
    self_coupling=0.0,
    *,
    trajectory=False,
    device=None,
    check_exact=True,
):
    """The paper's dense synchronous algorithm in exact scaled-integer float32 form.

    States are held as an (N, B) float32 matrix (one probe per column), as in
    the paper; the returned final states are (B, N) int8.
    """
    xi = _as_torch_spins(patterns, "patterns", device)
    S0 = _as_torch_spins(probes, "probes", xi.device)
    p, N = xi.shape
    if S0.shape[1] != N:
        raise ValueError(f"probes must have N = {N} columns, got shape {tuple(S0.shape)}")
    diag = float(self_coupling) * p  # N · λα = λp
    if check_exact and N * p + abs(diag) * 1.0 >= FLOAT32_EXACT_LIMIT:
        raise ValueError(
            f"N·p + λp = {N * p + abs(diag):.0f} reaches 2^24: float32 fields may be inexact; "
            "pass check_exact=False to run anyway"
        )
    xf = xi.to(torch.float32)
    C = xf.T @ xf  # (N, N) integer entries, exact
    del xf
    C.fill_diagonal_(diag)
    S = S0.to(torch.float32).T.contiguous()  # (N, B)
    traj = [S.T.to(torch.int8).clone()] if trajectory else None
    steps = 0
    for _ in range(int(max_steps)):
        H = C @ S  # N·h, exact integers
        new = torch.where(H == 0, S, torch.sign(H))
        steps += 1
        if trajectory:
            traj.append(new.T.to(torch.int8).clone())
        if torch.equal(new, S):
            break
        S = new
    final = S.T.to(torch.int8).contiguous()
    if trajectory:
        return final, steps, torch.stack(traj)
    return final, steps


def numpy_course_notes(patterns, probes, max_steps=100, self_coupling=0.0, *, trajectory=False):
    """Straightforward NumPy synchronous recall, the way course notes usually write it."""
    xi = np.asarray(
        patterns.cpu() if isinstance(patterns, torch.Tensor) else patterns, dtype=np.float64
    )
    S = np.asarray(probes.cpu() if isinstance(probes, torch.Tensor) else probes, dtype=np.float64)
    p, N = xi.shape
    W = xi.T @ xi / N  # Hebb rule
    np.fill_diagonal(W, self_coupling * p / N)  # J_ii = λα (0 in the classic model)
    traj = [S.astype(np.int8)] if trajectory else None
    steps = 0
    for _ in range(int(max_steps)):
        h = S @ W  # W is symmetric: row i of S @ W = W @ S_i
        new = np.where(h == 0, S, np.sign(h))
        steps += 1
        if trajectory:
            traj.append(new.astype(np.int8))
        if np.array_equal(new, S):
            break
        S = new
    final = S.astype(np.int8)
    if trajectory:
        return final, steps, np.stack(traj)
    return final, steps
