"""Exercise 2, the perfect-recall bound: what the autograder calls and how it scores.

How a spec works (copy this file to add an assignment; see tools/grader/spec.py and the
section "Adding an assignment" of instructor.md):

* ``ASSIGNMENT`` names the nbgrader assignment; ``parts()`` returns one ``Part`` per
  autograded test cell of solutions/<assignment>/<assignment>.ipynb, with the same
  ``grade_id``; the points come from that cell.
* ``Part.calls``: what the sandbox calls, on which inputs. Inputs are plain numbers or
  ``Tensor``/``Array``/``Gen``/``Net`` (torch tensor, numpy array, seeded torch generator,
  ``hl.Hopfield``); ``repeat=n`` calls n times in a row (a shared ``Gen`` draws on).
* ``Part.forbid``: engine functions (or whole modules) that this part must not delegate to;
  in the sandbox they raise for the whole part.
* ``Part.score(outcomes)``: runs here, outside the sandbox, on the returned numbers and
  arrays (``outcome.value(i)``; ``number``/``array``/``integers``/``spins`` read them or
  raise ``Wrong``). It returns the list of failed checks; empty means full points.
  References are exact values, computed here, or averages whose statistical error is far
  below the tolerance (the comment at each says how far).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import stats

from tools.grader.spec import Array, Call, Gen, Part, Wrong, integers, number

ASSIGNMENT = "recall_bound"
THEORY = ("hopfield_lib.theory",)


def _pe(alpha: float) -> float:
    return 0.5 * math.erfc(1.0 / math.sqrt(2.0 * alpha))


def exact_flip_probability(N: int, p: int) -> float:
    """P(a bit of a stored pattern flips in one synchronous step) at finite N, J_ii = 0.

    N xi_i h_i = (N - 1) + X, where X is a sum of K = (N-1)(p-1) independent ±1 terms:
    X = 2B - K with B ~ Binomial(K, 1/2). The bit flips when (N - 1) + X < 0 (a zero
    field keeps it)."""
    K = (N - 1) * (p - 1)
    # B < (K - N + 1) / 2
    top = math.ceil((K - N + 1) / 2) - 1
    return float(stats.binom.cdf(top, K, 0.5)) if top >= 0 else 0.0


@lru_cache(maxsize=None)
def all_fixed_probability(N: int, p: int, trials: int = 200_000, seed: int = 1) -> float:
    """P(all p stored patterns are fixed points), by a numpy simulation of ``trials`` sets
    (standard error below 0.0012)."""
    rng = np.random.default_rng(seed)
    fixed = 0
    for start in range(0, trials, 10_000):
        n = min(10_000, trials - start)
        xi = rng.integers(0, 2, size=(n, p, N), dtype=np.int8) * 2 - 1
        xi = xi.astype(np.int32)
        gram = xi @ xi.transpose(0, 2, 1)  # (n, p, p) overlaps times N
        nh = gram @ xi - p * xi  # N h on each stored pattern, J_ii = 0
        fixed += int(((xi * nh) >= 0).all(axis=(1, 2)).sum())
    return fixed / trials


def _relative(mine, ref) -> float:
    return abs(mine - ref) / abs(ref) if ref else abs(mine)


# ---------------------------------------------------------------- part 2
ALPHAS = [0.01, 0.05, 0.1, 0.25, 1.0, 3.0]
ARRAY_ALPHAS = np.linspace(0.02, 2.0, 100)
GRID = np.array([[0.1, 0.2], [0.3, 0.4]])


def _score_bit_error(out):
    failed = []
    for outcome, alpha in zip(out, ALPHAS):
        if _relative(number(outcome.value(), "bit_error_rate(alpha)"), _pe(alpha)) > 1e-9:
            failed.append("bit_error_rate is wrong for some alpha between 0.01 and 3")
            break
    values = np.asarray(out[-2].value(), dtype=float)
    ref = np.array([_pe(a) for a in ARRAY_ALPHAS])
    if values.shape != ARRAY_ALPHAS.shape or np.any(np.abs(values - ref) > 1e-9 * ref):
        failed.append("an array of alphas must give the array of error rates, same shape")
    grid = out[-1].value()
    if np.shape(grid) != GRID.shape:
        failed.append("a 2-d array of alphas must keep its shape")
    return failed


# ---------------------------------------------------------------- part 3
BOUND_N = [10, 200, 16384]
ARRAY_N = np.array([50, 500, 5000])


def _score_bounds(out):
    failed = []
    for i, N in enumerate(BOUND_N):
        for outcome, c in ((out[2 * i], 4.0), (out[2 * i + 1], 2.0)):
            if (
                abs(number(outcome.value(), f"{outcome.function}(N)") - N / (c * math.log(N)))
                > 1e-9 * N
            ):
                failed.append(f"{outcome.function} is wrong for some N")
    for outcome, c in ((out[-2], 4.0), (out[-1], 2.0)):
        values = np.asarray(outcome.value(), dtype=float)
        if values.shape != ARRAY_N.shape or np.any(
            np.abs(values - ARRAY_N / (c * np.log(ARRAY_N))) > 1e-9 * ARRAY_N
        ):
            failed.append(f"{outcome.function} of an array of N must be the array of bounds")
    return sorted(set(failed))


# ---------------------------------------------------------------- part 4
# N = 40 and an even p = 8: zero fields occur (a third as often as flips) and must keep
# the bit. Exact flip probability 0.0077; the asymptotic formula gives 0.0127; counting
# zero fields as flips gives 0.0107.
FLIP_N, FLIP_P, FLIP_CALLS, MEASURE_TRIALS = 40, 8, 200, 1000


def _score_measured(out):
    failed = []
    exact = exact_flip_probability(FLIP_N, FLIP_P)
    counts = [integers(v, "one_step_flips(N, p, generator)", (FLIP_P,)) for v in out[0].values]
    if len(counts) != FLIP_CALLS:
        raise Wrong("one_step_flips did not return a result for every call")
    counts = np.stack(counts)
    if counts.min() < 0 or counts.max() > FLIP_N:
        failed.append("one_step_flips must count flipped bits: between 0 and N per pattern")
    # 64,000 bits, about 490 flips: the standard error is near 5% of the rate
    rate = counts.sum() / (FLIP_CALLS * FLIP_P * FLIP_N)
    if abs(rate - exact) > 0.25 * exact:
        failed.append(
            f"at N = {FLIP_N}, p = {FLIP_P} one_step_flips flips a fraction {rate:.4f} "
            "of the bits, far from the exact finite-N value (a zero field keeps the bit)"
        )
    if int(integers(out[1].value(), "one_step_flips(N, 1, generator)").sum()) != 0:
        failed.append("a single stored pattern is always a fixed point")
    # 320,000 bits, about 2450 flips: standard error near 2.5% of the rate, tolerance 15%
    # (the asymptotic formula is 65% above the exact value here)
    measured = number(out[2].value(), "measured_bit_error(N, p, trials, generator)")
    if abs(measured - exact) > 0.15 * exact:
        failed.append(
            f"measured_bit_error at N = {FLIP_N}, p = {FLIP_P} gives {measured:.4f}, far "
            "from a simulation of that network (it must measure, not use the formula)"
        )
    return failed


# ---------------------------------------------------------------- part 5
THEORY_CASES = [(100, 5), (200, 16), (500, 30), (2000, 120), (300, 60)]


def _score_theory(out):
    for outcome, (N, p) in zip(out, THEORY_CASES):
        ref = (1.0 - _pe(p / N)) ** (p * N)
        if abs(number(outcome.value(), "prob_all_fixed_theory(N, p)") - ref) > 1e-9:
            return ["prob_all_fixed_theory is wrong for some (N, p)"]
    return []


# ---------------------------------------------------------------- part 6
# N = 40 and an even p = 6: zero fields are common. 1500 sets give a standard error of
# at most 0.013; the tolerance 0.06 is 4.6 of them (the reference's error is 0.001).
SIM_N, SIM_P, SIM_TRIALS = 40, 6, 1500


def _score_all_fixed(out):
    failed = []
    mine = number(out[0].value(), "prob_all_fixed_sim(N, p, trials, generator)")
    ref = all_fixed_probability(SIM_N, SIM_P)
    if not 0.0 <= mine <= 1.0:
        failed.append("a probability lies between 0 and 1")
    elif abs(mine - ref) > 0.06:
        failed.append(
            f"at N = {SIM_N}, p = {SIM_P} the fraction of pattern sets recalled "
            f"perfectly is {mine:.3f}, far from a large simulation of that network"
        )
    if number(out[1].value(), "prob_all_fixed_sim(N, 1, trials, generator)") != 1.0:
        failed.append("one stored pattern is always a fixed point")
    return failed


def parts() -> list:
    return [
        Part(
            "test_bit_error_rate",
            [Call("bit_error_rate", (a,)) for a in ALPHAS]
            + [
                Call("bit_error_rate", (Array(ARRAY_ALPHAS),)),
                Call("bit_error_rate", (Array(GRID),)),
            ],
            _score_bit_error,
            forbid=THEORY,
        ),
        Part(
            "test_bounds",
            [Call(name, (N,)) for N in BOUND_N for name in ("max_patterns_all", "max_patterns_one")]
            + [
                Call("max_patterns_all", (Array(ARRAY_N),)),
                Call("max_patterns_one", (Array(ARRAY_N),)),
            ],
            _score_bounds,
            forbid=THEORY,
        ),
        Part(
            "test_measured_error",
            [
                Call("one_step_flips", (FLIP_N, FLIP_P, Gen("g", 21)), repeat=FLIP_CALLS),
                Call("one_step_flips", (300, 1, Gen("g", 21))),
                Call("measured_bit_error", (FLIP_N, FLIP_P, MEASURE_TRIALS, Gen("m", 22))),
            ],
            _score_measured,
            forbid=THEORY,
            time_limit_s=120,
        ),
        Part(
            "test_theory_estimate",
            [Call("prob_all_fixed_theory", c) for c in THEORY_CASES],
            _score_theory,
            forbid=THEORY,
        ),
        Part(
            "test_prob_all_fixed",
            [
                Call("prob_all_fixed_sim", (SIM_N, SIM_P, SIM_TRIALS, Gen("s", 31))),
                Call("prob_all_fixed_sim", (150, 1, 20, Gen("s", 31))),
            ],
            _score_all_fixed,
            forbid=THEORY,
            time_limit_s=120,
        ),
    ]
