"""2D Ising engine against a straightforward NumPy checkerboard Metropolis.

Throughput is measured as spin flips *attempted* per nanosecond: L² × sweeps / time
(one sweep attempts every spin once). The NumPy version is what one would write in a
course: two sublattices (i + j even / odd), neighbour sums with np.roll, Metropolis
acceptance u < exp(-2βsΣ) with uniform randoms u, periodic boundaries, J = k_B = 1.

Target (from the issue): engine >= 2x NumPy at L = 1024. Sanity check: from an
all-up start at T = 1.5 both keep a magnetization close to each other and to
Onsager's exact value. The script prints PASS/MISS and never fails on a MISS
(it fails only if the sanity check fails: that would be a bug, not slowness).

    python benchmarks/bench_ising.py            # L = 256 and 1024
    python benchmarks/bench_ising.py --quick    # CI size
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

TARGET = 2.0
T_C = 2.0 / math.log(1.0 + math.sqrt(2.0))


def numpy_checkerboard(L, T, sweeps, rng, init="random"):
    """Checkerboard Metropolis in plain NumPy; returns (spins, magnetization per sweep)."""
    if L % 2:
        raise ValueError("L must be even for a checkerboard with periodic boundaries")
    s = (
        np.ones((L, L), dtype=np.int8)
        if init == "up"
        else rng.choice(np.array([-1, 1], np.int8), (L, L))
    )
    beta = 1.0 / T
    i, j = np.indices((L, L))
    sublattices = [(i + j) % 2 == 0, (i + j) % 2 == 1]
    mags = np.empty(sweeps)
    for sweep in range(sweeps):
        for mask in sublattices:
            nb = np.roll(s, 1, 0) + np.roll(s, -1, 0) + np.roll(s, 1, 1) + np.roll(s, -1, 1)
            accept = mask & (rng.random((L, L)) < np.exp(-2.0 * beta * s * nb))
            s = np.where(accept, -s, s)
        mags[sweep] = s.mean()
    return s, mags


def onsager(T):
    import hopfield_lib as hl

    f = getattr(getattr(hl, "ising", None), "onsager_magnetization", None)
    if f is not None:
        return float(f(T))
    return (1.0 - math.sinh(2.0 / T) ** -4) ** 0.125 if T < T_C else 0.0


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--L", type=int, nargs="+", default=[256, 1024])
    ap.add_argument(
        "--T", type=float, default=T_C, help="temperature of the timed runs (default T_C)"
    )
    ap.add_argument(
        "--sweeps", type=int, default=None, help="sweeps per timed run (default: ~2e7 spins)"
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sanity-L", type=int, default=128)
    ap.add_argument("--sanity-sweeps", type=int, default=400)
    common.add_run_options(ap, "ising.md", "CI size: L = 64 256, short runs")
    args = ap.parse_args(argv)
    if args.quick:
        args.L, args.repeats, args.sanity_L, args.sanity_sweeps = [64, 256], 2, 64, 300
        args.threads = args.threads or 1
    return args


def main(argv=None):
    import hopfield_lib as hl

    args = parse_args(argv)
    common.set_threads(args.threads)
    dev = hl.get_device()
    print(f"Ising benchmark: checkerboard Metropolis, T={args.T:.4f} for timing, seed {args.seed}")
    print(common.machine_summary())

    def engine_call(L, T, sweeps, init="random", seed=0):
        return hl.ising.simulate(L, T, sweeps, generator=hl.make_generator(seed, dev), init=init)

    def numpy_call(L, T, sweeps, init="random", seed=0):
        return numpy_checkerboard(L, T, sweeps, np.random.default_rng(seed), init)

    headers = [
        "L",
        "sweeps",
        "engine time",
        "engine flips/ns",
        "numpy time",
        "numpy flips/ns",
        "engine / numpy",
        "target",
    ]
    rows, verdicts = [], []
    for L in args.L:
        sweeps = args.sweeps or max(10, int(2e7 / (L * L)))
        if args.quick:
            sweeps = max(5, sweeps // 20)
        engine_call(min(L, 64), args.T, 2)  # warm-up
        _, te = common.time_calls(
            lambda: engine_call(L, args.T, sweeps, seed=args.seed), args.repeats, device=dev
        )
        tn = []
        for r in range(max(1, min(args.repeats, 2))):
            start = time.perf_counter()
            numpy_call(L, args.T, sweeps, seed=args.seed + r)
            tn.append(time.perf_counter() - start)
        te_m, tn_m = common.median(te), common.median(tn)
        work = L * L * sweeps
        ratio = tn_m / te_m
        ok = ratio >= TARGET
        verdicts.append((L, ok))
        rows.append(
            [
                L,
                sweeps,
                common.fmt_s(te_m),
                f"{work / te_m / 1e9:.3f}",
                common.fmt_s(tn_m),
                f"{work / tn_m / 1e9:.3f}",
                f"{ratio:.1f}x",
                f"{common.verdict(ok)} (>= {TARGET:g}x)",
            ]
        )
        print(
            f"  L={L:5d} sweeps={sweeps:4d}: engine {common.fmt_s(te_m)}, "
            f"numpy {common.fmt_s(tn_m)}"
        )

    # sanity: both samplers agree with each other and with Onsager at T = 1.5 from an all-up start
    Ts, Ls, n = 1.5, args.sanity_L, args.sanity_sweeps
    burn = n // 4
    m_engine = float(engine_call(Ls, Ts, n, init="up", seed=args.seed).magnetization[burn:].mean())
    m_numpy = float(numpy_call(Ls, Ts, n, init="up", seed=args.seed)[1][burn:].mean())
    m_exact = onsager(Ts)
    sane = (
        abs(m_engine - m_numpy) < 0.01
        and abs(m_engine - m_exact) < 0.01
        and abs(m_numpy - m_exact) < 0.01
    )

    table = common.markdown_table(headers, rows)
    sanity = (
        f"Sanity at T = {Ts}, L = {Ls}, init 'up', mean over sweeps {burn}..{n}: "
        f"engine m = {m_engine:.4f}, numpy m = {m_numpy:.4f}, Onsager m = {m_exact:.4f} -> "
        f"{'OK' if sane else 'DISAGREE'} (tolerance 0.01)"
    )
    notes = f"""
Definitions: flips/ns = spin flips attempted per nanosecond = L² × sweeps / time (time: median of
{args.repeats} engine calls of hl.ising.simulate after a warm-up, and of up to 2 NumPy calls, each
including its set-up). Timed runs start from a random state at T = {args.T:.4f}.
Target: engine >= {TARGET:g}x the NumPy checkerboard at L = 1024.
Shared, noisy machine: compare ratios.

{sanity}
"""
    print("\n" + table + "\n" + notes)
    common.write_report(
        args.out,
        "# Ising benchmark\n\n" + common.machine_summary() + "\n\n" + table + "\n" + notes,
        common.csv_table(headers, rows),
    )
    if not sane:
        print(
            "Ising sanity check FAILED: the engine and/or the NumPy sampler disagree with Onsager."
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
