"""One synchronous step of a dense associative memory: engine against the paper's update.

Setting (issue 13): N = 1024 neurons, F(x) = x^3, p = 2000 random patterns, all p probes
at once, probe μ being pattern μ with round(N(1 - m0)/2) spins flipped (m0 = 0.8).

In separate fresh processes (so that each peak memory is its own):
  engine  hl.run(hl.DenseHopfield(ξ, n=3), probes, rule="sync", max_steps=1): the gains
          Δ/2 = A(M) ξ - S Σ_μ B(M_μ) from the overlaps M = S ξᵀ, exact integers
  paper   a straightforward vectorised PyTorch version of Krotov and Hopfield's rule:
          for every probe, neuron i and pattern μ the overlap without neuron i,
          R = M_μ - S_i ξ_i^μ, and Δ_i = Σ_μ [(R + ξ_i^μ)^n - (R - ξ_i^μ)^n], in float64
          (exact here: every term is below 2^53), probes in chunks whose (b, p, N)
          temporary stays within 16 MiB (faster here than larger chunks)
Both must give the same new states; the script exits with status 1 (after printing
the table) if they do not. The network is built before the timed calls.

    python benchmarks/bench_dense.py            # N = 1024, p = 2000
    python benchmarks/bench_dense.py --quick    # CI size, a few seconds
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (puts the repository root on sys.path too)

CHUNK_BYTES = 2**24  # float64 (b, p, N) temporary of the paper's update (larger was slower here)
TARGET_RATIO = 10.0


def make_inputs(N, p, m0, seed, device=None):
    import hopfield_lib as hl

    gen = hl.make_generator(seed, device)
    patterns = hl.random_patterns(p, N, generator=gen)
    return patterns, hl.corrupt(patterns, m0, generator=gen)


def paper_step(patterns, probes, n):
    """New states after one synchronous update, Δ from the energies per neuron and pattern."""
    import torch

    xi, S = patterns.double(), probes.double()
    p, N = xi.shape
    rows = max(1, CHUNK_BYTES // (8 * p * N))
    out = torch.empty_like(probes)
    for c in range(0, S.shape[0], rows):
        s = S[c : c + rows]
        R = (s @ xi.t()).unsqueeze(2) - s.unsqueeze(1) * xi  # (b, p, N)
        gain = ((R + xi) ** n - (R - xi) ** n).sum(1)  # E(S_i = -1) - E(S_i = +1)
        keep = probes[c : c + rows]
        out[c : c + rows] = torch.where(gain > 0, 1, torch.where(gain < 0, -1, keep)).to(out.dtype)
    return out


def task_step(a):
    import torch
    import hopfield_lib as hl

    dev = hl.get_device()
    n = a["n"]

    def prepare(patterns):
        return hl.DenseHopfield(patterns, n) if a["method"] == "engine" else patterns

    def call(net, probes):
        if a["method"] == "engine":
            return hl.run(net, probes, rule="sync", max_steps=1).state
        return paper_step(net, probes, n)

    wp, wq = make_inputs(64, 100, a["m0"], 12345, dev)  # warm-up: thread pools, kernels
    call(prepare(wp), wq)
    patterns, probes = make_inputs(a["N"], a["p"], a["m0"], a["seed"], dev)
    net = prepare(patterns)
    with common.PeakMemory(dev) as mem:  # the first timed call alone
        state, times = common.time_calls(lambda: call(net, probes), 1, device=dev)
    if a["repeats"] > 1:
        state, more = common.time_calls(lambda: call(net, probes), a["repeats"] - 1, device=dev)
        times += more
    digest = hashlib.sha256(state.to(torch.int8).cpu().numpy().tobytes()).hexdigest()
    moved = int((state != probes).sum())
    return {"times": times, "mem_mib": mem.mib, "digest": digest, "moved": moved}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--N", type=int, default=1024)
    ap.add_argument("--p", type=int, default=2000, help="patterns (and probes)")
    ap.add_argument("--n", type=int, default=3, help="interaction order, F(x) = x^n")
    ap.add_argument("--m0", type=float, default=0.8)
    ap.add_argument("--repeats", type=int, default=3, help="engine calls (median reported)")
    ap.add_argument("--paper-repeats", type=int, default=1, help="calls of the paper's update")
    common.add_run_options(ap, "dense.md", "CI size: N = 256, p = 400, 2 repeats")
    args = ap.parse_args(argv)
    if args.quick:
        args.N, args.p, args.repeats = 256, 400, 2
        args.threads = args.threads or 1
    return args


def main(argv=None):
    args = parse_args(argv)
    script = Path(__file__).resolve()
    print(
        f"Dense step benchmark: N={args.N}, n={args.n}, p=B={args.p}, m0={args.m0}, "
        f"seed {args.seed}"
    )
    summary = common.machine_summary()
    print(summary)
    meas = {}
    for method, repeats in (("engine", args.repeats), ("paper", args.paper_repeats)):
        payload = dict(
            task="step", method=method, N=args.N, p=args.p, n=args.n, m0=args.m0,
            seed=args.seed, repeats=repeats, threads=args.threads,
        )  # fmt: skip
        meas[method] = common.run_worker(script, payload)
        print(f"  {method:6s} {common.fmt_s(common.median(meas[method]['times']))}")
    same = meas["engine"]["digest"] == meas["paper"]["digest"]
    t_engine = common.median(meas["engine"]["times"])
    t_paper = common.median(meas["paper"]["times"])
    ratio = t_paper / t_engine
    headers = ["method", "time (median)", "calls", "peak MiB", "paper / method", "same states"]
    rows = [
        [
            "hopfield_lib DenseHopfield",
            common.fmt_s(t_engine),
            args.repeats,
            common.fmt_mib(meas["engine"]["mem_mib"]),
            f"{ratio:.1f}",
            "yes" if same else "NO",
        ],
        [
            "paper's update, vectorised",
            common.fmt_s(t_paper),
            args.paper_repeats,
            common.fmt_mib(meas["paper"]["mem_mib"]),
            "1.0",
            "(reference)",
        ],
    ]
    table = common.markdown_table(headers, rows)
    notes = f"""
One synchronous update of all {args.p} probes ({meas['engine']['moved']} spins flipped in all).
Times: median of the calls after a warm-up on a small problem; the engine's include hl.run's
checks, overlaps and result. Peak MiB: resident-set (or CUDA allocator) growth during the first
timed call, in a fresh process. Target: paper / engine >= {TARGET_RATIO:g}x:
{common.verdict(ratio >= TARGET_RATIO)} ({ratio:.1f}x). Shared, noisy machine: compare ratios.
"""
    print("\n" + table + "\n" + notes)
    common.write_report(
        args.out,
        "# Dense associative memory: one synchronous step\n\n"
        + summary
        + f"\n\nN={args.N}, n={args.n}, p=B={args.p}, m0={args.m0}\n\n"
        + table
        + "\n"
        + notes,
        common.csv_table(headers, rows),
    )
    if not same:
        print("ERROR: the engine's states differ from the paper's update", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if not common.worker_main({"step": task_step}):
        sys.exit(main())
