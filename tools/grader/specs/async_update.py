"""Exercise 1, asynchronous and hybrid updates: what the autograder calls and how it scores.

(How a spec is built: see the docstring of tools/grader/specs/recall_bound.py.)

Every reference here is exact: the dynamics at T = 0 is deterministic once the update
order is known, and the order is the one the student's own ``hybrid_groups`` returns for
the same seed (the text asks for one ``hybrid_groups`` call per sweep with the given
generator and no other random numbers), so the trusted side replays it with integer
arithmetic and compares every spin.
"""

from __future__ import annotations

import math

import numpy as np

from tools.grader.spec import Call, Gen, Part, Tensor, Wrong, array, integers, spins

ASSIGNMENT = "async_update"
# the engine's dynamics: a part must not hand its work to hl.run and friends
DYNAMICS = (
    "hopfield_lib.dynamics",
    "hopfield_lib.reference",
    "hopfield_lib._sync",
    "hopfield_lib._sweeps",
)


def network(N: int, p: int, seed: int, self_coupling: float = 0.0):
    """Patterns (p, N) int8, couplings J (N, N) float64 (J_ii = lambda p / N), and N J (int64)."""
    rng = np.random.default_rng(seed)
    xi = (rng.integers(0, 2, size=(p, N)) * 2 - 1).astype(np.int8)
    NJ = xi.T.astype(np.int64) @ xi.astype(np.int64)
    np.fill_diagonal(NJ, round(self_coupling * p))
    return xi, NJ.astype(np.float64) / N, NJ


def probes(xi, copies: int, flip: float, seed: int) -> np.ndarray:
    """``copies`` probes per pattern, each bit flipped with probability ``flip`` (int8)."""
    rng = np.random.default_rng(seed)
    S = np.tile(xi, (copies, 1))
    return (S * np.where(rng.random(S.shape) < flip, -1, 1)).astype(np.int8)


def sweep(NJ, S, groups):
    """One sweep with the given groups, exactly (integer fields; zero keeps the spin)."""
    S = S.astype(np.int64).copy()
    for idx in groups:
        nh = S @ NJ[:, idx]
        S[:, idx] = np.where(nh > 0, 1, np.where(nh < 0, -1, S[:, idx]))
    return S


def run(NJ, S0, group_list, max_sweeps):
    """hybrid_run replayed: (final states, fixed flags)."""
    S = S0.astype(np.int64)
    fixed = np.zeros(len(S), dtype=bool)
    for t in range(max_sweeps):
        new = sweep(NJ, S, group_list[t])
        fixed = (new == S).all(axis=1)
        S = new
        if fixed.all():
            break
    return S, fixed


def n_groups(N: int, k: float) -> int:
    return min(N, math.ceil(round(1.0 / k, 9)))


def read_groups(value, N: int, what: str) -> list:
    if not isinstance(value, list):
        raise Wrong(f"{what} must return a list of tensors")
    groups = [integers(g, what) for g in value]
    if any(g.ndim != 1 for g in groups):
        raise Wrong(f"{what}: each group must be a one-dimensional tensor")
    if not groups or sorted(np.concatenate(groups).tolist()) != list(range(N)):
        raise Wrong(f"{what}: every neuron must appear in exactly one group")
    return groups


# ---------------------------------------------------------------- part 1
GROUP_CASES = [(N, 1 / N) for N in (1, 2, 3, 7, 30, 49, 97, 119, 999, 1000, 1024)] + [
    (7, 0.3),
    (10, 0.35),
    (13, 0.26),
    (50, 0.07),
    (64, 0.5),
    (9, 0.999),
    (100, 0.03),
    (10, 0.001),
    (10, 1.0),
]
BAD_K = (0, -0.5, 1.5)
ORDER_SEEDS = 500


def _score_groups(out):
    failed = set()
    for outcome, (N, k) in zip(out, GROUP_CASES):
        groups = read_groups(outcome.value(), N, f"hybrid_groups({N}, {k:.3g})")
        sizes = [len(g) for g in groups]
        if len(groups) != n_groups(N, k) or max(sizes) - min(sizes) > 1:
            failed.add(
                "wrong number or sizes of groups for some k between 1/N and 1 "
                "(k = 1/N must give N groups of one neuron: mind floating point)"
            )
    rest = out[len(GROUP_CASES) :]
    for outcome in rest[: len(BAD_K)]:
        if not (outcome.error or "").startswith("ValueError"):
            failed.add("k outside (0, 1] must raise ValueError")
    firsts = [
        int(read_groups(o.value(), 5, "hybrid_groups(5, 0.2)")[0][0]) for o in rest[len(BAD_K) :]
    ]
    # 500 draws, 100 expected per neuron (standard deviation 9): at least 60 each
    if np.bincount(firsts, minlength=5).min() <= 60:
        failed.add("the order must be uniformly random (every neuron equally likely to come first)")
    return sorted(failed)


# ---------------------------------------------------------------- part 2
SYNC_CASES = [(64, 4, 0.0), (99, 12, 0.0), (70, 10, 1.0), (50, 5, 1.0), (120, 2, 0.0), (80, 6, 0.0)]


def _sync_inputs():
    cases = []
    for i, (N, p, lam) in enumerate(SYNC_CASES):
        xi, J, NJ = network(N, p, 100 + i, lam)
        cases.append((J, NJ, probes(xi, 5, 0.5, 200 + i)))
    return cases


def _score_sync(out):
    failed = set()
    for outcome, (J, NJ, S) in zip(out, _sync_inputs()):
        mine = spins(outcome.value(), "hybrid_sweep(J, S, 1.0, generator)", S.shape)
        if not np.array_equal(mine, sweep(NJ, S, [np.arange(len(NJ))])):
            failed.add(
                "k = 1 must be exactly one synchronous step (checked with random states, "
                "many zero fields, and a nonzero diagonal J_ii = lambda*alpha)"
            )
    kept = array(out[-1].value(), "hybrid_sweep of a float32 S")
    if kept.dtype != np.float32:
        failed.add("keep the dtype of S")
    return sorted(failed)


# ---------------------------------------------------------------- part 3
ASYNC_CASES = [
    (80, 16, 1 / 80),
    (90, 9, 0.05),
    (70, 14, 0.3),
    (64, 8, 0.5),
    (50, 6, 0.999),
    (60, 6, 1 / 60),
]


def _async_inputs():
    cases = []
    for i, (N, p, k) in enumerate(ASYNC_CASES):
        xi, J, NJ = network(N, p, 300 + i)
        cases.append((J, NJ, probes(xi, 3, 0.2, 400 + i), k))
    return cases


def _score_async(out):
    for i, (J, NJ, S, k) in enumerate(_async_inputs()):
        N = len(NJ)
        groups = read_groups(out[2 * i].value(), N, f"hybrid_groups({N}, {k:.3g})")
        mine = spins(out[2 * i + 1].value(), f"hybrid_sweep(J, S, {k:.3g}, generator)", S.shape)
        if not np.array_equal(mine, sweep(NJ, S, groups)):
            return [
                "a sweep must update the groups of hybrid_groups(N, k, generator) in turn, "
                "each from the current state (checked for k between 1/N and 1)"
            ]
    return []


# ---------------------------------------------------------------- part 4
RUN_N, RUN_P, RUN_COPIES, RUN_SWEEPS = 200, 30, 2, 40


def _run_inputs():
    xi, J, NJ = network(RUN_N, RUN_P, 500)
    return J, NJ, probes(xi, RUN_COPIES, 0.1, 501)  # initial overlap about 0.8


RUN_KS = (1.0, 0.1, 0.3)


def _score_run(out):
    J, NJ, S0 = _run_inputs()
    failed = []
    for i, k in enumerate(RUN_KS):
        value = out[2 * i + 1].value()
        if not isinstance(value, list) or len(value) != 2:
            raise Wrong("hybrid_run must return (S, fixed)")
        S = spins(value[0], "the final states of hybrid_run", S0.shape)
        fixed = array(value[1], "fixed", (len(S0),), kind="b")
        if k == 1.0:
            ref = run(NJ, S0, [[np.arange(RUN_N)]] * RUN_SWEEPS, RUN_SWEEPS)
        else:
            groups = [read_groups(g, RUN_N, "hybrid_groups") for g in out[2 * i].values]
            ref = run(NJ, S0, groups, RUN_SWEEPS)
        if not (np.array_equal(S, ref[0]) and np.array_equal(fixed, ref[1])):
            failed.append(
                "with k = 1, hybrid_run must follow the synchronous dynamics, 2-cycles included"
                if k == 1.0
                else f"with k = {k:.3g}, hybrid_run must repeat hybrid_sweep (one call per sweep, "
                "with the generator it was given) until a sweep changes no probe, or max_sweeps"
            )
        elif k < 1 and not (fixed.all() and ((S * (S @ NJ - np.diag(NJ) * S)) >= 0).all()):
            failed.append(f"with k = {k:.3g} every probe must end on a fixed point")
    return failed


def parts() -> list:
    group_calls = [
        Call("hybrid_groups", (N, k, Gen(f"g{i}", N))) for i, (N, k) in enumerate(GROUP_CASES)
    ]
    group_calls += [Call("hybrid_groups", (10, k, Gen("bad", 0))) for k in BAD_K]
    group_calls += [Call("hybrid_groups", (5, 0.2, Gen(f"o{s}", s))) for s in range(ORDER_SEEDS)]
    sync_calls = [
        Call("hybrid_sweep", (Tensor(J), Tensor(S), 1.0, Gen("s", 12)))
        for J, _, S in _sync_inputs()
    ]
    J, _, S = _sync_inputs()[-1]
    sync_calls.append(
        Call("hybrid_sweep", (Tensor(J), Tensor(S.astype(np.float32)), 1.0, Gen("s", 12)))
    )
    async_calls = []
    for i, (J, _, S, k) in enumerate(_async_inputs()):
        async_calls += [
            Call("hybrid_groups", (len(J), k, Gen(f"a{i}", 99))),
            Call("hybrid_sweep", (Tensor(J), Tensor(S), k, Gen(f"b{i}", 99))),
        ]
    J, _, S0 = _run_inputs()
    run_calls = []
    for i, k in enumerate(RUN_KS):
        run_calls += [
            Call("hybrid_groups", (RUN_N, k, Gen(f"r{i}", 7 + i)), repeat=RUN_SWEEPS),
            Call("hybrid_run", (Tensor(J), Tensor(S0), k, Gen(f"q{i}", 7 + i), RUN_SWEEPS)),
        ]
    return [
        Part("test_groups", group_calls, _score_groups),
        Part("test_sync_limit", sync_calls, _score_sync, forbid=DYNAMICS),
        Part("test_async_limit", async_calls, _score_async, forbid=DYNAMICS),
        Part("test_two_cycles", run_calls, _score_run, forbid=DYNAMICS, time_limit_s=120),
    ]
