"""Update rules and the batched ``run`` loop (the public interface of the engine).

Rules (one *step* is one synchronous update, or one *sweep* in which every neuron
is updated exactly once, in a fresh random order):

* ``"sync"``: all N neurons at once from the same field;
* ``"async"``: one neuron at a time (random sequential update);
* ``"hybrid"``: kN neurons at a time (k = 1 is synchronous, k = 1/N asynchronous).

At temperature T = 0 a neuron takes the sign of its field h_i = Σ_j J_ij S_j, the
self-coupling J_ii = λα included, and a zero field keeps its current state. At
T > 0 (heat bath, Glauber) it becomes +1 with probability ½[1 + tanh(h_i^off/T)]
(k_B = 1), from the off-diagonal field h_i^off = Σ_{j≠i} J_ij S_j = h_i - λα S_i:
J_ii only adds the constant -λp/2 to E, and with h^off sequential updates obey
detailed balance with e^{-E/T} for every λ (see :func:`decision_field`). All probes
of a batch share each sweep's random order; their dynamics are otherwise independent.

The work is done without approximation by two private engines: fields come from
the overlaps M = S ξᵀ (never from J) and are exact integers. Synchronous steps at
T = 0 run in :mod:`._sync` (fields kept and advanced by ΔM ξ, probes on a fixed
point or 2-cycle retired); every other rule runs in :mod:`._sweeps` (M kept up to
date per block of neurons, the sequential decisions inside a block settled by a
few small products). The decision itself is in :mod:`._rule`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

from ._checks import require_generator, require_int, require_range, require_tensor
from ._rule import decide, glauber_thresholds, scaled_rule_field
from ._sweeps import run_sweeps, sweep_bytes
from ._sync import run_deterministic, sync_bytes
from .device import CHUNK_ENTRIES, check_fits, real_dtype, row_chunks
from .network import Hopfield

__all__ = [
    "RULES",
    "Result",
    "decide",
    "decision_field",
    "glauber_thresholds",
    "scaled_rule_field",
    "run",
    "update_neurons",
]

RULES = ("sync", "async", "hybrid")


@dataclass
class Result:
    """Outcome of :func:`run` for a batch of B probes.

    state: (B, N) int8, the state after ``steps`` steps.
    fixed: (B,) bool, the last step changed nothing (S(t+1) == S(t)).
    cycle2: (B,) bool, a 2-cycle: S(t+1) == S(t-1) != S(t).
    converged_step: (B,) long, the first step t with S(t+1) == S(t), or -1.
    final_overlaps: (B,) overlap of ``state`` with each probe's target pattern.
    targets: (B,) long, the index of each probe's target pattern.
    steps, rule, temperature: the arguments of the run.
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


def update_neurons(net: Hopfield, S, neurons, *, temperature: float = 0.0, generator=None):
    """Return a copy of the states S (B, N) with ``neurons`` updated, all at once, from S.

    One neuron at a time this is the asynchronous update; the given neurons form one
    group of the hybrid rule. Same decision rule as :func:`run` (zero field keeps the
    state; Glauber at ``temperature`` > 0, from the off-diagonal field). For teaching
    and small N: each call recomputes the overlaps.
    """
    _require_hopfield(net)
    S = net.check_states(S, "S")
    T = require_range(temperature, "temperature", 0.0)
    require_generator(generator, net.device)
    idx = torch.as_tensor(neurons, dtype=torch.long, device=net.device).reshape(-1)
    if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= net.N):
        raise ValueError(f"neurons must lie in [0, {net.N - 1}]")
    threshold = glauber_thresholds(net, T, (S.shape[0], idx.numel()), generator) if T > 0 else None
    out = S.clone()
    out[:, idx] = decide(
        net.offdiag_field_int(net.overlaps_int(S), S[:, idx], cols=idx), S[:, idx], net, threshold
    )
    return out


def decision_field(net: Hopfield, S, *, temperature: float = 0.0) -> torch.Tensor:
    """The field (B, N) that each neuron's update uses in state S, float64 (float32 on MPS).

    At T = 0 the full field h_i = Σ_j J_ij S_j (self-coupling included), whose sign
    the neuron takes; at T > 0 the off-diagonal field h_i^off = Σ_{j≠i} J_ij S_j, with
    P(S_i = +1) = ½[1 + tanh(h_i^off / T)]. The engines decide from this very field.
    """
    _require_hopfield(net)
    S = net.check_states(S, "S")
    T = require_range(temperature, "temperature", 0.0)
    nh = scaled_rule_field(net.offdiag_field_int(net.overlaps_int(S), S), S, net, T > 0)
    return nh.to(real_dtype(net.device)) / net.N


# ------------------------------------------------------------------ checking
def _require_hopfield(net):
    if not isinstance(net, Hopfield):
        raise TypeError(f"net must be a hopfield_lib.Hopfield, got {type(net).__name__}")


def _check_run_args(net, S0, rule, k, temperature, max_steps, targets, generator):
    """Validate run's arguments before any work; return (S0 int8, k, T, max_steps, targets)."""
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
                f"targets must be given when the number of probes (B = {B}) "
                f"differs from p = {net.p}"
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
    require_generator(generator, net.device)
    return S0, k, T, max_steps, targets


def _estimate_bytes(net, B, rule, T, max_steps, record):
    """Bytes a run needs beyond its inputs: results, working arrays, largest temporaries."""
    recorded = 2 * 8 * (max_steps + 1) * B if record else 0
    engine = sync_bytes(net, B) if rule == "sync" and T == 0 else sweep_bytes(net, B, T)
    return engine + 4 * CHUNK_ENTRIES * 4 + recorded


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
    A :class:`hopfield_lib.dense.DenseHopfield` network is run by its own engine,
    :func:`hopfield_lib.dense.run_dense`, with the same arguments.
    """
    if not isinstance(net, Hopfield):
        from .dense import DenseHopfield, run_dense  # lazily: dense imports Result from here

        if not isinstance(net, DenseHopfield):
            raise TypeError(
                f"net must be a hopfield_lib.Hopfield or DenseHopfield, got {type(net).__name__}"
            )
        return run_dense(
            net,
            S0,
            rule=rule,
            k=k,
            temperature=temperature,
            max_steps=max_steps,
            generator=generator,
            targets=targets,
            record=record,
        )
    S0, k, T, max_steps, targets = _check_run_args(
        net, S0, rule, k, temperature, max_steps, targets, generator
    )
    check_fits(
        _estimate_bytes(net, S0.shape[0], rule, T, max_steps, record),
        net.device,
        f"a run of {S0.shape[0]} probes on N={net.N}",
    )
    if rule == "sync" and T == 0:
        out = run_deterministic(net, S0, max_steps, targets, record)
    else:
        group = {"sync": net.N, "async": 1}.get(rule) or max(1, round(k * net.N))
        out = run_sweeps(net, S0, group, rule != "sync", T, max_steps, generator, targets, record)
    state, fixed, cycle2, conv, rec_m, rec_e = out
    return Result(
        state=state,
        fixed=fixed,
        cycle2=cycle2,
        converged_step=conv,
        final_overlaps=_target_overlaps(net, state, targets),
        targets=targets,
        steps=max_steps,
        rule=rule,
        temperature=T,
        overlaps=rec_m,
        energies=rec_e,
    )


def _target_overlaps(net: Hopfield, state, targets):
    """(B,) overlap m = (1/N) Σ_i ξ_i S_i of each state with its target pattern."""
    m = torch.empty(state.shape[0], dtype=real_dtype(net.device), device=net.device)
    for c in row_chunks(state.shape[0], net.N):
        m[c] = (state[c].to(torch.int32) * net.patterns[targets[c]]).sum(1).to(m.dtype)
    return m / net.N
