"""Theory: signal-to-noise estimates and the Amit-Gutfreund-Sompolinsky (AGS) solution.

Conventions as in the rest of the package: α = p/N, T in units of the coupling
scale (k_B = 1), λ the self-coupling (J_ii = λα), m the overlap with one
condensed pattern.

Replica-symmetric retrieval equations (AGS 1987, with Dz the unit Gaussian measure):

    m = ∫Dz tanh[β(m + √(αr) z)],
    q = ∫Dz tanh²[β(m + √(αr) z)],
    r = q / [1 - β(1 - q)]².

At T = 0 they reduce to one equation in y = m/√(2αr):
    erf(y) = y [√(2α) + (2/√π) e^{-y²}],  m = erf(y),
which has a retrieval solution only for α < α_c ≈ 0.138.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import optimize, special

from ._checks import require_int, require_range

_SQRT_PI = math.sqrt(math.pi)


# --------------------------------------------------------- signal-to-noise
def bit_error_rate(alpha, self_coupling: float = 0.0):
    """One-step probability that a bit of a stored pattern flips: ½ erfc((1 + λα)/√(2α)).

    The field on bit i of a stored pattern is signal 1 + λα plus crosstalk from the
    other p - 1 patterns, approximately Gaussian with variance α (large N).
    """
    a = np.asarray(alpha, dtype=float)
    if np.any(~(a > 0)):
        raise ValueError(f"alpha must be > 0, got {alpha!r}")
    lam = require_range(self_coupling, "self_coupling")
    out = 0.5 * special.erfc((1.0 + lam * a) / np.sqrt(2.0 * a))
    return float(out) if np.ndim(out) == 0 else out


def perfect_recall_capacity(N, all_patterns: bool = True):
    """Largest p for perfect one-step recall at large N: N/(4 ln N), or N/(2 ln N) for one pattern.

    From N p P_e → 0 (every bit of every pattern stable) or N P_e → 0 (one pattern),
    with the asymptotic P_e ≈ √(α/2π) e^{-1/(2α)}.
    """
    n = np.asarray(N, dtype=float)
    if np.any(~(n > 1)):
        raise ValueError(f"N must be > 1, got {N!r}")
    out = n / ((4.0 if all_patterns else 2.0) * np.log(n))
    return float(out) if np.ndim(out) == 0 else out


# ------------------------------------------------------------- AGS at T = 0
def _g(y):
    return special.erf(y) / y - 2.0 / _SQRT_PI * np.exp(-y * y)


_Y_PEAK = optimize.minimize_scalar(
    lambda y: -_g(y), bounds=(0.1, 5.0), method="bounded", options={"xatol": 1e-12}
).x


def alpha_c() -> float:
    """Critical loading of the T = 0 replica-symmetric theory, ≈ 0.1379."""
    return float(_g(_Y_PEAK) ** 2 / 2.0)


def _zero_temperature_root(alpha: float) -> float:
    """The retrieval root y = m/√(2αr) at T = 0 (inf at α = 0, 0 where none exists)."""
    if alpha == 0:
        return math.inf
    target = math.sqrt(2.0 * alpha)
    if target >= _g(_Y_PEAK):
        return 0.0
    return float(
        optimize.brentq(lambda v: _g(v) - target, _Y_PEAK, 2.0 / target + 10.0, xtol=1e-14)
    )


def _zero_temperature_overlap(alpha: float) -> float:
    return float(special.erf(_zero_temperature_root(alpha)))


# ------------------------------------------------------------- AGS at T > 0
@functools.lru_cache(maxsize=64)
def _gauss_grid(n):
    z = np.linspace(-10.0, 10.0, n)
    w = np.exp(-z * z / 2.0)
    return z, w / w.sum()


def _gauss_average(fun, centre, width, beta):
    """∫Dz fun(β(centre + width z)) on a grid fine enough for the steepest slope."""
    n = int(min(200001, max(2001, 10 * beta * width * 20)))
    n += 1 - n % 2  # odd sizes only (z = 0 on the grid), fewer cached grids
    z, w = _gauss_grid(n)
    return float(np.dot(w, fun(beta * (centre + width * z))))


def _rs_residual(x, alpha, T):
    """Residuals of the retrieval equations in (m, C), C = β(1 - q) (finite as T -> 0)."""
    m, C = x
    if not 0.0 <= C < 1.0:
        return [1.0, 1.0]
    beta = 1.0 / T
    q = 1.0 - C * T
    width = math.sqrt(alpha * max(q, 0.0)) / (1.0 - C)
    m_new = _gauss_average(np.tanh, m, width, beta)
    sech2 = _gauss_average(lambda u: 1.0 / np.cosh(np.clip(u, -350, 350)) ** 2, m, width, beta)
    return [m_new - m, beta * sech2 - C]


def _solve_rs(alpha, T, start):
    sol = optimize.root(
        _rs_residual, start, args=(alpha, T), method="hybr", options={"xtol": 1e-12}
    )
    ok = sol.success and max(abs(v) for v in _rs_residual(sol.x, alpha, T)) < 1e-7
    return (float(sol.x[0]), float(sol.x[1])) if ok else None


def _track_retrieval(alpha, T_target, stop=None):
    """Follow the retrieval solution from T = 0 upwards; return (highest T reached, m, C there).

    With stop(T, m, C) given, the walk also ends at the first accepted point where it is true.
    """
    y = _zero_temperature_root(alpha)
    if y == 0.0:
        return 0.0, 0.0, 0.0
    m = float(special.erf(y))
    C = 2.0 / _SQRT_PI * y * math.exp(-y * y) / m  # T = 0 value of β(1 - q)
    T, step = 0.0, 0.02
    while T < T_target and step > 2e-4:
        T_try = min(T + step, T_target)
        sol = _solve_rs(alpha, T_try, (m, C))
        if sol is None or sol[0] < 1e-3 or abs(sol[0] - m) > 0.2:
            step /= 2
            continue
        T, (m, C) = T_try, sol
        step = min(step * 1.5, 0.05)
        if stop is not None and stop(T, m, C):
            break
    return T, m, C


def retrieval_overlap(alpha, T: float = 0.0) -> float:
    """Overlap m of the AGS replica-symmetric retrieval state at loading α and temperature T.

    Returns 0.0 where no retrieval state exists (α above the retrieval line T_M).
    At α = 0 this is the largest solution of m = tanh(m/T) (Curie-Weiss).
    """
    a = require_range(alpha, "alpha", 0.0)
    t = require_range(T, "T", 0.0)
    if t == 0:
        return _zero_temperature_overlap(a)
    if a == 0:
        if t >= 1.0:
            return 0.0
        return float(optimize.brentq(lambda m: m - math.tanh(m / t), 1e-9, 1.0, xtol=1e-15))
    reached, m, _C = _track_retrieval(a, t)
    return m if reached >= t else 0.0


def T_M(alpha) -> float:
    """Retrieval line: the highest temperature at which retrieval states exist at loading α.

    T_M(0) = 1 and T_M(α_c) = 0; near α = 0, T_M ≈ 1 - 1.95 √α (AGS 1987).
    """
    a = require_range(alpha, "alpha", 0.0)
    if a == 0:
        return 1.0
    if a >= alpha_c():
        return 0.0
    reached, _m, _C = _track_retrieval(a, 1.0)
    return float(reached)


def T_g(alpha):
    """Spin-glass transition temperature of the AGS theory, T_g = 1 + √α."""
    a = np.asarray(alpha, dtype=float)
    if np.any(a < 0):
        raise ValueError(f"alpha must be >= 0, got {alpha!r}")
    out = 1.0 + np.sqrt(a)
    return float(out) if np.ndim(out) == 0 else out


# ------------------------------------- AGS states, order parameters, free energies
# A state of the replica-symmetric theory is (m, q, r). Numerically each is held as
# (m, C, σ) with C = β(1 - q) (finite as T -> 0) and σ = √(αr) the width of the Gaussian
# crosstalk field; q = 1 - CT and r = σ²/α.
_STATES = ("retrieval", "spin_glass")


def _check_state(state):
    if state not in _STATES:
        raise ValueError(f"state must be one of {_STATES}, got {state!r}")


def _spin_glass_sigma(alpha, T):
    """σ = √(αr) of the m = 0 solution (0 above T_g, where only the paramagnet q = 0 is left)."""
    if T == 0:
        return math.sqrt(alpha) + math.sqrt(2.0 / math.pi)
    if T >= 1.0 + math.sqrt(alpha):
        return 0.0
    beta = 1.0 / T

    def mismatch(sigma):  # σ(1 - C) - √(αq): negative below the root, positive above
        q = _gauss_average(lambda x: np.tanh(x) ** 2, 0.0, sigma, beta)
        return sigma * (1.0 - beta * (1.0 - q)) - math.sqrt(alpha * q)

    hi = math.sqrt(alpha) + 2.0
    while mismatch(hi) <= 0:
        hi *= 2.0
    return float(optimize.brentq(mismatch, 1e-9, hi, xtol=1e-13, rtol=1e-12))


def _state(alpha, T, state):
    """(m, C, σ) of the requested state, or None where it does not exist."""
    if state == "spin_glass":
        sigma = _spin_glass_sigma(alpha, T)
        if T == 0:
            return 0.0, math.sqrt(2.0 / math.pi) / sigma, sigma
        if sigma == 0.0:
            return 0.0, 1.0 / T, 0.0
        q = _gauss_average(lambda x: np.tanh(x) ** 2, 0.0, sigma, 1.0 / T)
        return 0.0, (1.0 - q) / T, sigma
    if alpha == 0:  # Curie-Weiss: no crosstalk
        m = retrieval_overlap(0.0, T)
        if m == 0.0:
            return None
        return m, (0.0 if T == 0 else (1.0 - m * m) / T), 0.0
    if T == 0:
        y = _zero_temperature_root(alpha)
        if y == 0.0:
            return None
        m = float(special.erf(y))
        C = 2.0 / _SQRT_PI * y * math.exp(-y * y) / m
        return m, C, math.sqrt(alpha) / (1.0 - C)
    reached, m, C = _track_retrieval(alpha, T)
    if reached < T:
        return None
    return m, C, math.sqrt(alpha * (1.0 - C * T)) / (1.0 - C)


def _checked(alpha, T, state, alpha_positive=False):
    a = require_range(alpha, "alpha", 0.0, low_open=alpha_positive)
    t = require_range(T, "T", 0.0)
    _check_state(state)
    if state == "spin_glass" and a == 0:
        raise ValueError("alpha must be > 0 for the spin-glass state (it needs many patterns)")
    return a, t


def rs_solution(alpha, T: float = 0.0, state: str = "retrieval"):
    """Replica-symmetric AGS order parameters (m, q, r) at loading α and temperature T.

    m: overlap with the condensed pattern; q = (1/N) Σ_i ⟨S_i⟩², the Edwards-Anderson order
    parameter (how frozen the spins are); r = (1/α) Σ_{μ>1} ⟨m_μ⟩², the summed squares of the
    overlaps with the p - 1 uncondensed patterns in units of their value α for a random state
    (each m_μ² ≈ 1/N), so that the crosstalk field has variance αr. They solve

        m = ∫Dz tanh β(m + √(αr) z),  q = ∫Dz tanh² β(m + √(αr) z),  r = q / [1 - β(1 - q)]².

    state="retrieval" (m > 0, exists below T_M(α); (nan, nan, nan) where it does not) or
    "spin_glass" (m = 0; for T ≥ T_g = 1 + √α this is the paramagnet, q = r = 0).
    At T = 0, q = 1 and r stays finite.
    """
    a, t = _checked(alpha, T, state)
    sol = _state(a, t, state)
    if sol is None:
        return math.nan, math.nan, math.nan
    m, C, sigma = sol
    q = 1.0 - C * t
    r = q / (1.0 - C) ** 2 if a == 0 else sigma * sigma / a
    return float(m), float(q), float(r)


def edwards_anderson(alpha, T: float = 0.0, state: str = "spin_glass") -> float:
    """Edwards-Anderson order parameter q = (1/N) Σ_i ⟨S_i⟩² of an AGS replica-symmetric state.

    state="spin_glass" (default, m = 0): q > 0 below T_g = 1 + √α, vanishing continuously
    as T -> T_g from below, 0 above; q -> 1 as T -> 0. state="retrieval": nan above T_M(α).
    """
    return rs_solution(alpha, T, state)[1]


def _mean_log_cosh(m, sigma, T):
    """T ∫Dz ln 2cosh[(m + σz)/T], written as ∫Dz |u| + T ∫Dz ln(1 + e^{-2|u|/T})."""
    if sigma == 0.0:
        mean_abs = abs(m)
        rest = 0.0 if T == 0 else T * math.log1p(math.exp(-2.0 * abs(m) / T))
        return mean_abs + rest
    y = m / (sigma * math.sqrt(2.0))
    mean_abs = m * math.erf(y) + sigma * math.sqrt(2.0 / math.pi) * math.exp(-y * y)
    if T == 0:
        return mean_abs
    rest = _gauss_average(lambda x: np.log1p(np.exp(-2.0 * np.abs(x))), m, sigma, 1.0 / T)
    return mean_abs + T * rest


def _free_energy(alpha, T, sol):
    m, C, sigma = sol
    q = 1.0 - C * T
    entropy_like = (T * math.log(1.0 - C) if T > 0 else 0.0) - q / (1.0 - C)
    return (
        alpha / 2.0
        + m * m / 2.0
        + alpha / 2.0 * entropy_like
        + sigma * sigma * C / 2.0
        - _mean_log_cosh(m, sigma, T)
    )


def free_energy(alpha, T: float = 0.0, state: str = "retrieval") -> float:
    """Replica-symmetric free energy per neuron f of an AGS state (AGS 1987), with λ = 0.

        f = α/2 + m²/2 + (α/2β)[ln(1 - β(1 - q)) - βq/(1 - β(1 - q))] + (αβ/2) r (1 - q)
            - (1/β) ∫Dz ln 2cosh β(m + √(αr) z).

    In units of the couplings; α/2 is the energy of the removed diagonal, so at T = 0 this is
    the energy per neuron E/N of the course's convention (J_ii = 0). Examples: retrieval at
    α = 0, T = 0 gives -1/2; the T = 0 spin glass gives -1/π - √(2α/π). nan where the
    requested state does not exist (retrieval above T_M).
    """
    a, t = _checked(alpha, T, state)
    sol = _state(a, t, state)
    return math.nan if sol is None else float(_free_energy(a, t, sol))


def _free_energy_gap(alpha, T):
    """f(retrieval) - f(spin glass); negative where the retrieval states are the global minima."""
    return free_energy(alpha, T, "retrieval") - free_energy(alpha, T, "spin_glass")


def alpha_coexistence() -> float:
    """Loading below which the T = 0 retrieval states have a lower energy than the spin glass.

    ≈ 0.051 (AGS 1987). Between it and α_c ≈ 0.138 the retrieval states exist but are
    metastable: α_c is their limit of stability (a spinodal), not a coexistence point.
    """
    return float(
        optimize.brentq(lambda a: _free_energy_gap(a, 0.0), 1e-4, alpha_c() - 1e-6, xtol=1e-12)
    )


def T_c(alpha) -> float:
    """First-order line of the AGS phase diagram: where retrieval and spin-glass f are equal.

    Below T_c(α) the retrieval states are the global minima of the free energy; between
    T_c(α) and T_M(α) they are metastable. T_c(0) = 1, and T_c -> 1 - 2.6√α near α = 0.
    The replica-symmetric line is slightly re-entrant: just above alpha_coexistence() ≈ 0.052
    the retrieval states are lowest in a window 0 < T_lower < T < T_c (an artefact of replica
    symmetry, whose spin-glass entropy turns negative at low T). This function returns the
    upper branch, found by walking up in T in steps of at most 0.05; it returns 0.0 where the
    walk finds no temperature with the retrieval state lowest (above α ≈ 0.053).
    """
    a = require_range(alpha, "alpha", 0.0)
    if a == 0:
        return 1.0
    if a >= alpha_c():
        return 0.0
    below = []  # the last (T, m, C) at which the retrieval state was the lower one

    def gap(t, m, C):
        sol = (m, C, math.sqrt(a * (1.0 - C * t)) / (1.0 - C))
        return _free_energy(a, t, sol) - free_energy(a, t, "spin_glass")

    def crossed(t, m, C):
        if gap(t, m, C) < 0:
            below[:] = [t, m, C]
            return False
        return bool(below)

    start = _state(a, 0.0, "retrieval")
    crossed(0.0, *start[:2])
    T_hi, _m, _C = _track_retrieval(a, 1.0, stop=crossed)
    if not below:
        return 0.0
    T_lo, m_lo, C_lo = below

    def gap_at(t):
        m, C = _solve_rs(a, t, (m_lo, C_lo)) if t > 0 else (m_lo, C_lo)
        return gap(t, m, C)

    return float(optimize.brentq(gap_at, T_lo, T_hi, xtol=1e-7))


# --------------------------------------- finite p (α → 0): Curie-Weiss and mixture states
# Mean-field theory of a network storing a finite number of patterns, N → ∞ (AGS 1985).
# With overlaps m = (m_1, ..., m_p), the free energy per neuron is
#     f(m) = ½ |m|² - T ⟨ln 2cosh(β ξ·m)⟩_ξ,
# ⟨.⟩_ξ the average over one neuron's pattern bits ξ ∈ {±1}^p, and its stationary points
# solve m_μ = ⟨ξ_μ tanh(β ξ·m)⟩_ξ. With p = 1 (or one condensed pattern) this is the
# Curie-Weiss equation m = tanh(m/T). A symmetric s-mixture has m_1 = ... = m_s = m_s(T) and
# the other overlaps zero; only z = ξ_1 + ... + ξ_s enters, a sum of s random signs.


def _mixture_sums(s: int):
    """Values z = ξ_1 + ... + ξ_s (s random ±1) and their binomial probabilities."""
    k = np.arange(s + 1)
    return 2.0 * k - s, special.comb(s, k) / 2.0**s


def _check_mixture(s, T):
    s = require_int(int(s) if isinstance(s, np.integer) else s, "s", 1)
    return s, require_range(T, "T", 0.0)


def mixture_overlap(s, T: float = 0.0) -> float:
    """Overlap m_s(T) of the symmetric s-mixture with each of its s patterns (α → 0, k_B = 1).

    The positive root of m = (1/s) ⟨z tanh(m z / T)⟩_z (AGS 1985); at T = 0,
    m = ⟨|z|⟩/s (1/2 for s = 3). It exists for T < 1 and is 0 for T ≥ 1, where only the
    paramagnet m = 0 solves the equation. ``mixture_overlap(1, T)`` is the Curie-Weiss
    magnetization, the root of m = tanh(m/T). Whether the state is stable: see
    :func:`mixture_stability_T`.
    """
    s, t = _check_mixture(s, T)
    z, w = _mixture_sums(s)
    if t == 0:
        return float(w @ np.abs(z)) / s
    if t >= 1:
        return 0.0
    # (1/s)<z tanh(m z/T)>/m - 1 falls from 1/T - 1 > 0 at m -> 0 to below 0 at m = 1
    return float(
        optimize.brentq(
            lambda m: float(w @ (z * np.tanh(z * m / t))) / (s * m) - 1.0, 1e-12, 1.0, xtol=1e-15
        )
    )


def mixture_energy(s, T: float = 0.0) -> float:
    """Energy per neuron E/N = -½ s m_s(T)² of the symmetric s-mixture (α → 0).

    From E = -(N/2) Σ_μ m_μ² + O(p) with s overlaps equal to m_s: -1/2 for a pattern,
    -3/8 for the 3-mixture at T = 0, tending to -1/π for large odd s.
    """
    m = mixture_overlap(s, T)
    return -0.5 * int(s) * m * m


def mixture_hessian_eigenvalues(s, T: float):
    """Eigenvalues of the Hessian of f(m) at the symmetric s-mixture, T > 0.

    With q = ⟨tanh²(β m z)⟩ and Q = ⟨ξ_1 ξ_2 tanh²(β m z)⟩, the Hessian
    δ_μν - β⟨ξ_μ ξ_ν (1 - tanh²)⟩ has the eigenvalues (returned in this order)
    a = 1 - β(1 - q) for the patterns outside the mixture,
    a - βQ for the s - 1 directions that unbalance the mixture (s ≥ 2), and
    a + β(s - 1)Q for the direction that scales all s overlaps together.
    The state is a local minimum of f (stable) when all are positive.
    """
    s, t = _check_mixture(s, T)
    if t == 0:
        raise ValueError("T must be > 0 for the Hessian (β = 1/T); got T = 0")
    z, w = _mixture_sums(s)
    m = mixture_overlap(s, t)
    t2 = np.tanh(z * m / t) ** 2
    a = 1.0 - (1.0 - float(w @ t2)) / t
    Q = float(w @ ((z * z - s) * t2)) / (s * (s - 1)) if s > 1 else 0.0
    return a, a - Q / t, a + (s - 1) * Q / t


def mixture_stability_T(s) -> float:
    """Temperature below which the symmetric s-mixture is a stable state (α → 0).

    1 for s = 1 (a single pattern, the Curie-Weiss ferromagnet); about 0.461 for
    s = 3 and lower for larger odd s (AGS 1985); 0 for even s, whose mixtures have
    neurons with z = 0 and are saddle points at every temperature. Found as the first
    zero of the smallest Hessian eigenvalue (:func:`mixture_hessian_eigenvalues`).
    """
    s, _ = _check_mixture(s, 0.0)
    if s == 1:
        return 1.0
    if s % 2 == 0:
        return 0.0
    grid = np.linspace(0.02, 0.999, 200)
    smallest = [min(mixture_hessian_eigenvalues(s, t)) for t in grid]
    k = next(i for i, v in enumerate(smallest) if v <= 0)
    return float(
        optimize.brentq(
            lambda t: min(mixture_hessian_eigenvalues(s, t)), grid[k - 1], grid[k], xtol=1e-10
        )
    )


# ------------------------------------------- dense associative memory (hopfield_lib.dense)
def _double_factorial(k: int) -> int:
    return math.prod(range(k, 0, -2))


def exp_capacity_rate(rho: float = 0.0) -> float:
    """Rate α of the exponential capacity p = e^{αN} of F(x) = e^x (Demircigil et al. 2017).

    Their theorem: with p = e^{αN} random patterns and α < I(1 - 2ρ)/2, where
    I(x) = ½[(1 + x) ln(1 + x) + (1 - x) ln(1 - x)], one synchronous update corrects
    every probe with ρN wrong spins (0 <= ρ < ½) with probability → 1 as N → ∞. This
    returns that bound; ρ = 0 (stored patterns are fixed points) gives ln(2)/2 ≈ 0.347.
    """
    r = require_range(rho, "rho", 0.0, 0.5, high_open=True)
    x = 1.0 - 2.0 * r
    info = 0.5 * ((1 + x) * math.log1p(x) + (0.0 if x == 1 else (1 - x) * math.log1p(-x)))
    return info / 2.0


def dense_capacity(N, n, *, rho: float = 0.0):
    """Capacity estimate of a dense associative memory of N neurons, E = -Σ_μ F(ξ^μ·S).

    Integer n >= 2, F(x) = x^n (Krotov & Hopfield 2016): the largest p at which a stored
    pattern is stable, p_max = N^{n-1} / (2 (2n - 3)!! ln N), from the Gaussian tail of
    the crosstalk at large N; n = 2 gives the classic N/(2 ln N). n = "exp", F(x) = e^x
    (Demircigil et al. 2017, scale β = 1): p = e^{αN} with α = :func:`exp_capacity_rate`
    (``rho`` the fraction of wrong spins corrected in one step; only for n = "exp").
    N may be an array; returns a float or an array.
    """
    size = np.asarray(N, dtype=float)
    if np.any(~(size > 1)):
        raise ValueError(f"N must be > 1, got {N!r}")
    if n == "exp":
        exponent = exp_capacity_rate(rho) * size
        if np.any(exponent > 709):
            raise ValueError(
                f"N = {N!r}: e^(alpha N) overflows float64; use exp_capacity_rate instead"
            )
        out = np.exp(exponent)
    else:
        if isinstance(n, str):
            raise ValueError(f"n must be an integer >= 2 or 'exp', got {n!r}")
        n = require_int(n, "n", 2)
        if rho != 0.0:
            raise ValueError(f"rho is only used with n='exp', got rho={rho!r}")
        out = size ** (n - 1) / (2 * _double_factorial(2 * n - 3) * np.log(size))
    return float(out) if np.ndim(out) == 0 else out
