"""Helpers shared by the benchmark scripts: paths, subprocess workers, peaks, memory, tables.

Every measurement that reports a peak memory runs in a fresh Python process
(``run_worker``), because a process's peak resident set size (``ru_maxrss``)
only ever grows: the worker records its peak after setting up its inputs and
again after the measured calls, and reports the difference.

These machines are shared and noisy: absolute times move by tens of percent
between runs, so the scripts report ratios measured in the same run.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:  # hopfield_lib and reference importable from anywhere
        sys.path.insert(0, _p)

RESULTS_DIR = HERE / "results"
RESULT_MARK = "@@RESULT@@ "


# ----------------------------------------------------------------------------- memory


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (
        peak / 2**20 if sys.platform == "darwin" else peak / 2**10
    )  # bytes on macOS, KiB on Linux


class PeakMemory:
    """Peak memory a block of code added: RSS high-water delta, or the CUDA allocator's peak."""

    def __init__(self, device=None):
        self.device = device
        self.mib = None

    def __enter__(self):
        import torch

        self._cuda = self.device is not None and torch.device(self.device).type == "cuda"
        if self._cuda:
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._base = torch.cuda.memory_allocated(self.device) / 2**20
        else:
            self._base = peak_rss_mib()
        return self

    def __exit__(self, *exc):
        import torch

        if self._cuda:
            torch.cuda.synchronize(self.device)
            self.mib = torch.cuda.max_memory_allocated(self.device) / 2**20 - self._base
        else:
            self.mib = max(0.0, peak_rss_mib() - self._base)
        return False


# ----------------------------------------------------------------------------- workers


def add_run_options(ap, report: str, quick_help: str) -> None:
    """The options every benchmark takes: --seed, --threads, --quick, --out (report file)."""
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--threads", type=int, default=None, help="CPU threads (default: torch's; --quick uses 1)"
    )
    ap.add_argument("--quick", action="store_true", help=quick_help)
    ap.add_argument(
        "--out",
        default=str(RESULTS_DIR / report),
        help="markdown report (a .csv is written next to it where there is one); '' to skip",
    )


def set_threads(n) -> None:
    """Use ``n`` CPU threads in torch (None: leave torch's default)."""
    if n:
        import torch

        torch.set_num_threads(int(n))


def thread_env(n) -> dict:
    """Environment for a child process limited to ``n`` BLAS/OpenMP threads (empty for None)."""
    if not n:
        return {}
    return {k: str(int(n)) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def worker_main(handlers: dict) -> bool:
    """If this process was started as a worker (``--worker JSON``), run it and return True."""
    if len(sys.argv) >= 3 and sys.argv[1] == "--worker":
        payload = json.loads(sys.argv[2])
        set_threads(payload.get("threads"))
        out = handlers[payload["task"]](payload)
        sys.stdout.write(RESULT_MARK + json.dumps(out) + "\n")
        sys.stdout.flush()
        return True
    return False


def run_worker(script, payload: dict, timeout=None) -> dict:
    """Run ``script --worker JSON`` in a fresh interpreter and return the dict it reports."""
    cmd = [sys.executable, str(script), "--worker", json.dumps(payload)]
    env = dict(os.environ, **thread_env(payload.get("threads")))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(
        f"worker {payload} failed (exit {proc.returncode}):\n"
        f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    )


# ----------------------------------------------------------------------------- timing


def time_calls(fn, repeats: int, device=None):
    """Call ``fn()`` ``repeats`` times (at least once) with hl.time_calls: (result, seconds)."""
    import hopfield_lib as hl

    return hl.time_calls(fn, repeats=max(1, int(repeats)), device=device)


def median(xs):
    return statistics.median(xs)


# ----------------------------------------------------------------------------- peaks


def matmul_rate(kind: str, m: int, k: int, n: int, repeats: int = 3, device=None) -> float | None:
    """Best rate (operations per second, 2·m·k·n per product) of one matrix product.

    ``kind``: "float32", "float64" (torch), "int8" (``torch._int_mm``, int8 x int8 -> int32)
    or "onednn" (oneDNN's int8 kernel as the engine calls it, ±1 right operand).
    Returns None where the product is not supported (e.g. _int_mm shapes on some backends).
    """
    import torch
    import hopfield_lib as hl

    dev = hl.get_device(device)
    gen = torch.Generator(device=dev).manual_seed(0)
    if kind == "int8":
        a = torch.randint(-1, 2, (m, k), generator=gen, device=dev, dtype=torch.int8)
        b = torch.randint(-1, 2, (k, n), generator=gen, device=dev, dtype=torch.int8)
        fn = torch._int_mm
    elif kind == "onednn":
        if not hl.exact._works("onednn", dev):
            return None
        a = torch.randint(-128, 128, (m, k), generator=gen, device=dev, dtype=torch.int8)
        b = hl.exact.SpinMatrix(hl.random_patterns(k, n, generator=gen), "onednn")

        def fn(a, b):
            return b.times_int8(a)
    else:
        dt = {"float32": torch.float32, "float64": torch.float64}[kind]
        if dt == torch.float64 and dev.type == "mps":
            return None
        a = torch.randn(m, k, generator=gen, device=dev, dtype=dt)
        b = torch.randn(k, n, generator=gen, device=dev, dtype=dt)
        fn = torch.mm
    try:
        fn(a, b)  # warm-up (and shape check)
    except (RuntimeError, NotImplementedError):
        return None
    best = float("inf")
    for _ in range(repeats):
        _, sec = hl.timed(fn, a, b, device=dev)
        best = min(best, sec)
    return 2.0 * m * k * n / best


def measure_peaks(shapes: dict, device=None) -> dict:
    """Measured peaks: ``shapes`` maps kind -> list of (m, k, n).

    Returns kind -> (rate, (m, k, n)).
    """
    peaks = {}
    for kind, shape_list in shapes.items():
        best = (None, None)
        for m, k, n in shape_list:
            r = matmul_rate(kind, m, k, n, device=device)
            if r is not None and (best[0] is None or r > best[0]):
                best = (r, (m, k, n))
        peaks[kind] = best
    return peaks


def describe_peaks(peaks: dict) -> str:
    unit = {"int8": "GOP/s", "onednn": "GOP/s", "float32": "GFLOP/s", "float64": "GFLOP/s"}
    names = {
        "int8": "torch._int_mm int8 -> int32",
        "onednn": "oneDNN int8 (qlinear_pointwise) -> float32",
    }
    lines = []
    for kind, (rate, shape) in peaks.items():
        what = names.get(kind, f"torch.mm {kind}")
        if rate is None:
            lines.append(f"- {what}: not supported here")
        else:
            m, k, n = shape
            lines.append(
                f"- {what}: {rate / 1e9:.1f} {unit[kind]} (best shape ({m}x{k}) @ ({k}x{n}))"
            )
    return "\n".join(lines)


# ----------------------------------------------------------------------------- output


def machine_summary(device=None) -> str:
    import torch
    import hopfield_lib as hl

    dev = hl.get_device(device)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    extra = ""
    if dev.type == "cuda":
        extra = f", GPU {torch.cuda.get_device_name(dev)}"
    return (
        f"device {dev}{extra}; CPU {cpu}, {os.cpu_count()} logical cores, torch threads "
        f"{torch.get_num_threads()}; engine products {hl.exact.backend(dev)}; "
        f"torch {torch.__version__}, hopfield_lib {hl.__version__}, "
        f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M')}"
    )


def markdown_table(headers, rows) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r):
        return "| " + " | ".join(c.rjust(w) for c, w in zip(r, widths)) + " |"

    sep = "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]])


def csv_table(headers, rows) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(headers)
    w.writerows(rows)
    return buf.getvalue()


def write_report(path, text: str, csv_text: str | None = None) -> None:
    """Write the markdown report to ``path`` (and the CSV next to it); parents are created."""
    if not path:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.parent.resolve() == RESULTS_DIR and not (RESULTS_DIR / ".gitignore").exists():
        (RESULTS_DIR / ".gitignore").write_text(
            "# benchmark output of this machine: never committed\n*\n"
        )
    path.write_text(text)
    written = [str(path)]
    if csv_text is not None:
        cpath = path.with_suffix(".csv")
        cpath.write_text(csv_text)
        written.append(str(cpath))
    print(f"\nwritten: {', '.join(written)}")


def fmt_s(sec) -> str:
    if sec is None:
        return "—"
    if sec < 1e-3:
        return f"{sec * 1e6:.0f} µs"
    if sec < 1:
        return f"{sec * 1e3:.1f} ms"
    return f"{sec:.2f} s"


def fmt_mib(mib) -> str:
    if mib is None:
        return "—"
    return f"{mib:.1f}" if mib < 10 else f"{mib:.0f}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"
