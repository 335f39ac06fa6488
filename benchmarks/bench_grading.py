"""Cost of sandboxed grading: seconds per submission, isolation overhead, parallel speedup.

    python benchmarks/bench_grading.py [--copies 20] [--quick] [assignment ...]

For each assignment it grades ``--copies`` copies of the instructor's solution (in a
throw-away copy of the course) three times, with the grading command of
``make grade`` (``tools.grader.grade``, feedback pages left out: they are nbgrader's
HTML export, the same with or without isolation):

* ``sandbox, N jobs``: bubblewrap, as many parallel sandboxes as CPU cores;
* ``no sandbox, N jobs``: the same runner without bubblewrap
  (HOPFIELD_GRADING_UNSANDBOXED=1);
* ``sandbox, 1 job``: one submission at a time.

An untimed warm-up grades one copy first: the references that a spec computes once per
process (the phase diagram averages 16 networks) are not part of a submission's cost.

It reports the wall time, the seconds per submission (wall time / copies: the cost
an instructor sees) and the mean time of one submission from start to verdict, the
isolation overhead (sandbox against no sandbox, same parallelism) and the speedup of
parallel grading. Every copy must earn full marks. These machines are shared: compare
ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

sys.path.insert(0, str(ROOT / "tests" / "grading"))
from grading_course import ASSIGNMENTS, copy_course, nbgrader, submission, submit  # noqa: E402

from tools.grader import grade  # noqa: E402


def run_mode(course: Path, assignment: str, jobs: int, sandboxed: bool, students=None) -> dict:
    if sandboxed:
        os.environ.pop("HOPFIELD_GRADING_UNSANDBOXED", None)
    else:
        os.environ["HOPFIELD_GRADING_UNSANDBOXED"] = "1"
    try:
        started = time.perf_counter()
        reports = grade.grade(
            assignment,
            course,
            jobs=jobs,
            students=students,
            feedback=False,
            progress=False,
            out=io.StringIO(),
        )
        wall = time.perf_counter() - started
    finally:
        os.environ.pop("HOPFIELD_GRADING_UNSANDBOXED", None)
    bad = [r.student for r in reports if r.failed]
    if bad:
        raise SystemExit(f"{assignment}: reference copies lost points: {bad}")
    return {
        "wall": wall,
        "per_submission": wall / len(reports),
        "mean_one": sum(r.seconds for r in reports) / len(reports),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("assignments", nargs="*", default=list(ASSIGNMENTS))
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="3 copies")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    copies = 3 if args.quick else args.copies
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    rows = []
    for assignment in args.assignments:
        with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
            course = copy_course(Path(tmp) / "course")
            nbgrader(course, "generate_assignment", assignment, "--force")
            nb = submission(assignment, "reference")
            for i in range(copies):
                submit(course, f"copy-{i:02d}", assignment, nb)
            # untimed warm-up: the spec's own references (e.g. the phase diagram's average
            # over 16 networks) are computed once per process and must not count as grading
            run_mode(course, assignment, args.jobs, sandboxed=False, students=["copy-00"])
            result = {}
            for name, jobs, sandboxed in (
                ("sandbox", args.jobs, True),
                ("no sandbox", args.jobs, False),
                ("sandbox", 1, True),
            ):
                shutil.rmtree(course / "grading" / "autograded", ignore_errors=True)
                result[(name, jobs)] = run_mode(course, assignment, jobs, sandboxed)
                r = result[(name, jobs)]
                print(
                    f"{assignment:14s} {name:10s} {jobs} job(s): {r['wall']:7.1f} s wall, "
                    f"{r['per_submission']:5.1f} s per submission, one submission "
                    f"{r['mean_one']:5.1f} s",
                    flush=True,
                )
            iso, raw = result[("sandbox", args.jobs)], result[("no sandbox", args.jobs)]
            serial = result[("sandbox", 1)]
            rows.append(
                (
                    assignment,
                    iso["per_submission"],
                    raw["per_submission"],
                    serial["per_submission"],
                    iso["wall"] / raw["wall"] - 1,
                    serial["wall"] / iso["wall"],
                )
            )
    print(
        f"\n{copies} copies of each reference, {args.jobs} parallel jobs, "
        f"{os.cpu_count()} CPU cores"
    )
    print(
        "| assignment | s/submission, sandbox | s/submission, no sandbox | "
        "s/submission, sandbox, 1 job | isolation overhead | parallel speedup |"
    )
    print("|---|---|---|---|---|---|")
    for a, iso, raw, serial, overhead, speedup in rows:
        print(f"| {a} | {iso:.1f} | {raw:.1f} | {serial:.1f} | {overhead:+.0%} | {speedup:.2f}x |")


if __name__ == "__main__":
    main()
