"""Synchronous recall benchmark: the paper's Figure-2 setting, engine against the dense algorithm.

Setting (Vavilala 2020, Fig. 2): α = 0.12, λ = 0, m0 = 0.8, at most 100 synchronous
steps, p = int(αN) random patterns and all p probes at once, probe μ being
pattern μ with exactly round(N(1 - m0)/2) spins flipped (hl.corrupt).

For each N, in separate fresh processes (so that each peak memory is its own):
  engine  hl.run(hl.Hopfield(ξ), probes, rule="sync", max_steps=100)
  paper   the dense algorithm S <- sign(J S) (benchmarks/reference.py, exact form)
  numpy   straightforward NumPy course-notes version (float64 W), small N only
Every method must end in the same final states; the script exits with status 1
(after printing the table) if any does not.

    python benchmarks/bench_sync.py              # N = 1024 2048 4096 8192
    python benchmarks/bench_sync.py --quick      # CI size, a few seconds
    python benchmarks/bench_sync.py --big        # adds N = 32768 for the engine alone
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (puts the repository root on sys.path too)

PAPER = dict(alpha=0.12, lam=0.0, m0=0.8, max_steps=100)
METHOD_LABEL = {"engine": "hopfield_lib", "paper": "paper dense f32", "numpy": "numpy course notes"}


# ----------------------------------------------------------------------------- worker side


def make_inputs(N, alpha, m0, seed, device=None):
    import hopfield_lib as hl

    gen = hl.make_generator(seed, device)
    p = int(alpha * N)
    patterns = hl.random_patterns(p, N, generator=gen)
    probes = hl.corrupt(patterns, m0, generator=gen)
    return patterns, probes


def dense_equivalent_steps(result, max_steps):
    """Products the dense algorithm computes on the same input, read from the engine's result.

    The dense loop stops after the first product that changes no probe: that is
    product max_t(converged_step) + 1 when every probe reaches a fixed point, else max_steps.
    """
    cs = result.converged_step
    if bool((cs >= 0).all()):
        return min(int(max_steps), int(cs.max()) + 1)
    return int(max_steps)


def engine_own_ops(result):
    """Operations the engine reports it did, if it exposes such a count (else None)."""
    for name in ("ops", "operations", "flops", "work"):
        v = getattr(result, name, None)
        if v is not None:
            try:
                return float(v)
            except (TypeError, ValueError):
                return None
    return None


def task_sync(a):
    import numpy as np
    import torch
    import hopfield_lib as hl
    import reference

    dev = hl.get_device()
    N, method, steps_max, lam = a["N"], a["method"], a["max_steps"], a["lam"]

    def call(patterns, probes):
        if method == "engine":
            net = hl.Hopfield(patterns, self_coupling=lam)
            return hl.run(net, probes, rule="sync", max_steps=steps_max)
        if method == "paper":
            return reference.dense_paper(patterns, probes, steps_max, lam)
        if method == "numpy":
            return reference.numpy_course_notes(
                patterns.cpu().numpy(), probes.cpu().numpy(), steps_max, lam
            )
        raise ValueError(method)

    # warm-up on a small problem: thread pools, kernels, lazy imports
    wp, wq = make_inputs(128, a["alpha"], a["m0"], 12345, dev)
    call(wp, wq)

    patterns, probes = make_inputs(N, a["alpha"], a["m0"], a["seed"], dev)
    mem_dev = dev if method != "numpy" else None
    # peak memory of the first timed call alone: later repeats only add allocator fragmentation
    with common.PeakMemory(mem_dev) as mem:
        out, times = common.time_calls(lambda: call(patterns, probes), 1, device=dev)
    if a["repeats"] > 1:
        out, more = common.time_calls(lambda: call(patterns, probes), a["repeats"] - 1, device=dev)
        times += more

    res = {"times": times, "mem_mib": mem.mib, "p": patterns.shape[0], "B": probes.shape[0]}
    if method == "engine":
        final = out.state
        res["steps"] = dense_equivalent_steps(out, steps_max)
        res["own_ops"] = engine_own_ops(out)
        res["n_fixed"] = int(out.fixed.sum())
        res["n_cycle2"] = int(out.cycle2.sum())
    else:
        final, res["steps"] = out
    final = final.cpu().numpy() if isinstance(final, torch.Tensor) else np.asarray(final)
    np.save(a["states_path"], final.astype(np.int8))
    return res


def task_peaks(a):
    return {
        k: list(v) if v[0] is not None else [None, None]
        for k, v in common.measure_peaks(
            {k: [tuple(s) for s in v] for k, v in a["shapes"].items()}
        ).items()
    }


# ----------------------------------------------------------------------------- driver side


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--N", type=int, nargs="+", default=[1024, 2048, 4096, 8192], help="network sizes"
    )
    ap.add_argument(
        "--big", action="store_true", help="also N = 32768, engine only (dense needs ~1 h)"
    )
    ap.add_argument(
        "--repeats", type=int, default=3, help="timed calls per measurement (median reported)"
    )
    ap.add_argument(
        "--max-dense-N", type=int, default=8192, help="largest N for the paper's dense algorithm"
    )
    ap.add_argument(
        "--dense-once-above",
        type=int,
        default=4096,
        help="above this N the dense algorithm is timed once instead of --repeats times",
    )
    ap.add_argument("--max-numpy-N", type=int, default=2048, help="largest N for the NumPy version")
    common.add_run_options(ap, "sync.md", "CI size: N = 256 512, 2 repeats")
    args = ap.parse_args(argv)
    if args.quick:
        args.N, args.repeats = [256, 512], 2
        args.threads = args.threads or 1
        args.max_numpy_N = min(args.max_numpy_N, 512)
    if args.big and 32768 not in args.N:
        args.N = list(args.N) + [32768]
    return args


def compare(a, b):
    """(probes that differ, spins that differ) between two (B, N) state arrays."""
    if a.shape != b.shape:
        return (-1, -1)
    diff = a != b
    return int(diff.any(axis=1).sum()), int(diff.sum())


def main(argv=None):
    import numpy as np

    args = parse_args(argv)
    script = Path(__file__).resolve()
    P = PAPER
    print(
        "Synchronous recall benchmark (paper Fig. 2 setting): "
        f"alpha={P['alpha']}, lambda={P['lam']}, m0={P['m0']}, max_steps={P['max_steps']}, "
        f"p = B = int(alpha N), seed {args.seed}"
    )
    common.set_threads(args.threads)
    print(common.machine_summary())

    # the machine's own matrix-product peaks, on shapes like the ones the algorithms use
    ref_N = 512 if args.quick else 2048
    pB = int(P["alpha"] * ref_N)
    pB8 = max(8, (pB + 7) // 8 * 8)  # _int_mm wants multiples of 8
    dense_N = min(max(args.N), args.max_dense_N, 512 if args.quick else 4096)
    shapes = {
        "float32": [(ref_N, ref_N, ref_N), (dense_N, dense_N, int(P["alpha"] * dense_N))],
        "float64": [(ref_N, ref_N, ref_N)],
        "int8": [(512 if args.quick else 1024,) * 3, (pB8, ref_N, pB8)],
        "onednn": [(512 if args.quick else 1024,) * 3, (pB8, ref_N, pB8), (pB8, pB8, ref_N)],
    }
    peaks = common.run_worker(script, {"task": "peaks", "shapes": shapes, "threads": args.threads})
    peak_text = common.describe_peaks({k: tuple(v) for k, v in peaks.items()})
    print("Measured matrix-product peaks (best of 3):\n" + peak_text)
    f32_peak = peaks["float32"][0]

    headers = [
        "N",
        "p=B",
        "method",
        "time (median)",
        "min–max",
        "runs",
        "steps",
        "speedup vs paper",
        "dense-eq GOP/s",
        "% f32 peak",
        "own GOP/s",
        "peak mem MiB",
        "final states",
    ]
    rows, failures = [], []
    tmp = tempfile.mkdtemp(prefix="bench_sync_")
    for N in args.N:
        methods = ["engine"]
        if N <= args.max_dense_N and N < 32768:
            methods.append("paper")
        if N <= args.max_numpy_N:
            methods.append("numpy")
        meas = {}
        for m in methods:
            reps = args.repeats
            if m == "paper" and N > args.dense_once_above:
                reps = 1
            if m == "numpy":
                reps = min(reps, 3 if N <= 1024 else 1)
            payload = dict(
                task="sync",
                N=N,
                method=m,
                seed=args.seed,
                repeats=reps,
                threads=args.threads,
                states_path=os.path.join(tmp, f"{m}_{N}.npy"),
                **P,
            )
            print(f"  N={N:6d} {METHOD_LABEL[m]:20s} ...", end="", flush=True)
            r = common.run_worker(script, payload)
            r["states"] = np.load(payload["states_path"])
            os.remove(payload["states_path"])
            meas[m] = r
            print(f" {common.fmt_s(common.median(r['times']))}")

        ref_name = "paper" if "paper" in meas else ("numpy" if "numpy" in meas else None)
        ref_steps = meas[ref_name]["steps"] if ref_name else meas["engine"]["steps"]
        t_paper = common.median(meas["paper"]["times"]) if "paper" in meas else None
        B = meas["engine"]["B"]
        dense_ops = 2.0 * N * N * B * ref_steps
        for m in methods:
            r = meas[m]
            t = common.median(r["times"])
            if ref_name is None:
                state_txt = "no reference at this N"
            elif m == ref_name:
                state_txt = "reference"
            else:
                dp, ds = compare(r["states"], meas[ref_name]["states"])
                state_txt = "same" if dp == 0 else f"DIFFER: {dp} probes, {ds} spins"
                if dp != 0:
                    failures.append(
                        f"N={N}: {METHOD_LABEL[m]} vs {METHOD_LABEL[ref_name]}: {state_txt}"
                    )
            if m != "engine" and r["steps"] != ref_steps:
                failures.append(
                    f"N={N}: {METHOD_LABEL[m]} ran {r['steps']} steps, reference {ref_steps}"
                )
            if m == "engine" and ref_name and r["steps"] != ref_steps:
                failures.append(
                    f"N={N}: engine's converged_step implies {r['steps']} dense steps, "
                    f"the reference ran {ref_steps}"
                )
            rate = dense_ops / t
            own = r.get("own_ops") if m == "engine" else 2.0 * N * N * B * r["steps"]
            rows.append(
                [
                    N,
                    B,
                    METHOD_LABEL[m],
                    common.fmt_s(t),
                    f"{common.fmt_s(min(r['times']))}–{common.fmt_s(max(r['times']))}",
                    len(r["times"]),
                    r["steps"],
                    f"{t_paper / t:.1f}x" if t_paper else "—",
                    f"{rate / 1e9:.1f}",
                    f"{100 * rate / f32_peak:.0f}%" if f32_peak else "—",
                    f"{own / t / 1e9:.1f}" if own else "—",
                    common.fmt_mib(r["mem_mib"]),
                    state_txt,
                ]
            )
        if "engine" in meas:
            e = meas["engine"]
            print(
                f"           engine: {e['n_fixed']} of {B} probes on a fixed point, "
                f"{e['n_cycle2']} on a 2-cycle after {P['max_steps']} steps"
            )

    table = common.markdown_table(headers, rows)
    notes = f"""
Definitions:
- time: median wall time of one whole recall (building the couplings plus all steps), synchronized
  with hl.timed; each (N, method) runs in its own fresh process after a small warm-up call.
- steps: matrix products (synchronous steps) the algorithm computed; the dense algorithm stops after
  the first step that changes no probe (2-cycles usually keep it running to max_steps). For the
  engine: the number the dense algorithm would compute, from Result.converged_step.
- dense-eq GOP/s: dense-equivalent operations 2·N²·B·steps(paper) divided by the method's time:
  the rate the paper's algorithm would need to match this time. % f32 peak: that rate over the
  measured float32 product peak below (it can pass 100% for an algorithm that does less work).
- own GOP/s: operations the method itself did per second (paper, numpy: 2·N²·B·steps in float32 /
  float64; engine: only if Result exposes an operation count, else —).
- peak mem: growth of the worker's peak resident set (CPU) or of the CUDA allocator's peak during
  the first timed call, over the inputs already in memory, in MiB.
- Shared, noisy machines: compare ratios within one run, not absolute times across runs.

Matrix-product peaks measured in this run:
{peak_text}
"""
    print("\n" + table + "\n" + notes)
    header = (
        "# Synchronous recall benchmark\n\n"
        + common.machine_summary()
        + "\n\n"
        + f"alpha={P['alpha']}, lambda={P['lam']}, m0={P['m0']}, max_steps={P['max_steps']}, "
        + f"seed {args.seed}\n\n"
    )
    common.write_report(args.out, header + table + "\n" + notes, common.csv_table(headers, rows))
    if failures:
        print("\nFINAL STATES / STEPS DISAGREE:\n  " + "\n  ".join(failures))
        return 1
    print("\nAll methods reached the same final states.")
    return 0


if __name__ == "__main__":
    if not common.worker_main({"sync": task_sync, "peaks": task_peaks}):
        sys.exit(main())
