"""The trusted side of grading: sandboxes, verdicts, gradebook, feedback.

For every submission ``grading/submitted/<student>/<a>/<a>.ipynb`` of assignment ``a``:

1. build a job folder (private, read-only in the sandbox): the notebook's code cells to
   run (the student's answer cells, and the locked set-up cell taken from the instructor's
   version) and, per autograded part of the spec ``tools/grader/specs/<a>.py``, the calls
   to make and their input arrays;
2. run ``tools/grader/runner.py`` on it in the sandbox (``sandbox.py``) and read one result
   per part: plain numbers and arrays, or how the part ended (error, crash, time-out);
   a part that kills the whole sandbox is charged to that part and the sandbox is
   started again for the parts after it;
3. score each part here, with the spec's ``score``: this process never imports the
   student's code, and nothing the student's process did can change what it computes;
4. write the scores into nbgrader's gradebook (its Python API), and an "autograded"
   notebook (the student's version with the answers, the verdict and the output of each
   part in its test cell) from which ``nbgrader generate_feedback`` makes the feedback page.

Submissions are graded in parallel (``--jobs``, default: the number of CPU cores), each
sandbox with one thread.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from . import sandbox
from .spec import Array, Gen, Net, Outcome, Part, Tensor, Wrong

HERE = Path(__file__).resolve().parent
STARTUP_S = 180  # the sandbox's start-up (imports) on a busy machine, on top of the parts' limits
ATTEMPTS = 4
PRELOAD = ["numpy", "torch", "scipy.special", "matplotlib", "matplotlib.pyplot", "tqdm.auto"]
MEMORY_GB = float(os.environ.get("HOPFIELD_GRADING_MEMORY_GB", "6"))


# ----------------------------------------------------------------- the spec
def load_spec(assignment: str):
    path = HERE / "specs" / f"{assignment}.py"
    if not path.exists():
        raise SystemExit(f"no grading spec for {assignment!r}: expected {path}")
    spec = importlib.util.spec_from_file_location(f"hopfield_grading_spec_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def answer_cells(student_nb) -> dict:
    """grade_id -> source of the student's answer cells (nbgrader solution cells)."""
    return {
        nbgrader_meta(c)["grade_id"]: c.source
        for c in student_nb.cells
        if nbgrader_meta(c).get("solution") and nbgrader_meta(c).get("grade_id")
    }


def code_to_run(release_nb, answers: dict) -> list:
    """The code cells the sandbox runs, in notebook order: the locked set-up cells as the
    instructor wrote them, and the student's answers. Test cells and explorations are not
    run: the tests are the spec's business, the explorations only take time."""
    cells = []
    for cell in release_nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta or meta.get("grade"):
            continue
        if meta.get("solution"):
            cells.append(answers.get(meta["grade_id"], cell.source))
        elif meta.get("locked"):
            cells.append(cell.source)
    return cells


# ------------------------------------------------------------------ the job
class _Inputs:
    def __init__(self):
        self.arrays = {}

    def add(self, value: np.ndarray) -> str:
        key = f"i{len(self.arrays)}"
        self.arrays[key] = np.ascontiguousarray(value)
        return key

    def argument(self, x):
        if isinstance(x, Tensor):
            return {"kind": "tensor", "key": self.add(x.value)}
        if isinstance(x, Array):
            return {"kind": "array", "key": self.add(x.value)}
        if isinstance(x, Gen):
            return {"kind": "generator", "name": x.name, "seed": int(x.seed)}
        if isinstance(x, Net):
            return {
                "kind": "network",
                "key": self.add(x.patterns),
                "self_coupling": float(x.self_coupling),
            }
        if isinstance(x, (list, tuple)) and any(
            isinstance(i, (Tensor, Array, Gen, Net)) for i in x
        ):
            return {"kind": "list", "items": [self.argument(i) for i in x]}
        if isinstance(x, np.generic):
            return x.item()
        return x


def write_job(folder: Path, cells: list, parts: list) -> None:
    inputs = _Inputs()
    job_parts = []
    for part in parts:
        calls = [
            {
                "function": call.function,
                "args": [inputs.argument(a) for a in call.args],
                "kwargs": {k: inputs.argument(v) for k, v in call.kwargs.items()},
                "repeat": call.repeat,
            }
            for call in part.calls
        ]
        job_parts.append(
            {
                "id": part.grade_id,
                "calls": calls,
                "forbid": list(part.forbid),
                "time_limit_s": part.time_limit_s,
            }
        )
    env = {
        "HOPFIELD_DEVICE": "cpu",
        "CUDA_VISIBLE_DEVICES": "",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OMP_WAIT_POLICY": "PASSIVE",
        "MPLBACKEND": "Agg",
        "NBGRADER_EXECUTION": "autograde",
        "PYTHONWARNINGS": "ignore",
        "TQDM_DISABLE": "1",
    }
    job = {
        "cells": cells,
        "parts": job_parts,
        "env": env,
        "preload": PRELOAD,
        "memory_bytes": int(MEMORY_GB * 2**30),
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "job.json").write_text(json.dumps(job))
    for cache in _font_caches():  # the sandbox's /tmp starts empty: no font scan per part
        shutil.copy(cache, folder / cache.name)
    np.savez(folder / "inputs.npz", **inputs.arrays)
    for path in folder.iterdir():
        path.chmod(0o644)
    folder.chmod(0o755)


def _font_caches() -> list:
    """matplotlib's font list of this machine (it names fonts by their paths, readable in
    the sandbox too); empty if matplotlib has not made one yet."""
    import matplotlib

    return sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))


# -------------------------------------------------------------- the sandbox
def run_sandbox(job_dir: Path, timeout_s: float) -> tuple:
    """Run the runner on ``job_dir``: ({part id: result event}, [started part ids], log)."""
    proc = subprocess.Popen(
        sandbox.command(job_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    killer = threading.Timer(timeout_s, _kill_group, [proc])
    killer.start()
    results, started = {}, []
    stderr = []
    drain = threading.Thread(target=lambda: stderr.append(proc.stderr.read()), daemon=True)
    drain.start()
    try:
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "start":
                started.append(event["part"])
            elif event.get("event") == "result":
                results[event["part"]] = event
        proc.wait()
    finally:
        killer.cancel()
        _kill_group(proc)
    drain.join(timeout=5)
    text = (stderr[0] if stderr else b"").decode(errors="replace")
    return results, started, text[-3000:]


def _kill_group(proc) -> None:
    try:
        os.killpg(proc.pid, 9)
    except (ProcessLookupError, PermissionError):
        pass


def decode(event) -> list | None:
    """The plain results of a part (a list per call), arrays as numpy arrays (no pickle)."""
    if "payload" not in event:
        return None
    import base64

    blob = base64.b64decode(event["payload"])
    size = int.from_bytes(blob[:8], "little")
    structure = json.loads(blob[8 : 8 + size])
    with np.load(io.BytesIO(blob[8 + size :]), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}

    def resolve(x):
        if isinstance(x, dict):
            if "__array__" in x:
                return arrays[x["__array__"]]
            return {k: resolve(v) for k, v in x.items()}
        if isinstance(x, list):
            return [resolve(i) for i in x]
        return x

    return [resolve(item) for item in structure]


# --------------------------------------------------------------- one student
@dataclass
class Verdict:
    grade_id: str
    points: float
    max_points: float
    messages: list = field(default_factory=list)
    status: str = "ok"
    log: str = ""
    seconds: float = 0.0


@dataclass
class Report:
    student: str
    verdicts: list
    seconds: float
    sandbox_log: str = ""

    @property
    def points(self):
        return sum(v.points for v in self.verdicts)

    @property
    def failed(self):
        return [v.grade_id for v in self.verdicts if v.points < v.max_points]


def score_part(part: Part, max_points: float, event) -> Verdict:
    verdict = Verdict(
        part.grade_id,
        0.0,
        max_points,
        status=event.get("status", "crashed"),
        log=event.get("log", ""),
        seconds=event.get("seconds", 0.0),
    )
    if verdict.status != "ok":
        verdict.messages = [
            {
                "timeout": f"your code ran for more than {part.time_limit_s:.0f} s in this part "
                "and was stopped",
                "crashed": "the process running your code ended during this part (a crash, "
                "os._exit, sys.exit or a killed process)",
                "too large": "your functions returned far more data than this part asks for",
            }.get(verdict.status, verdict.status)
        ]
        return verdict
    try:
        raw = decode(event)
        outcomes = [
            Outcome(call.function, values=list(r.get("values", [])), error=r.get("error"))
            if isinstance(r, dict)
            else Outcome(call.function, error="unreadable result")
            for call, r in zip(part.calls, raw)
        ]
        if len(outcomes) < len(part.calls):
            raise Wrong("some of your functions could not be called")
        messages = list(part.score(outcomes))
    except Wrong as exc:
        messages = [str(exc)]
    except Exception as exc:  # noqa: BLE001 (a result of an unexpected form)
        messages = [f"your results could not be checked ({type(exc).__name__}: {exc})"]
    verdict.messages = messages
    verdict.points = 0.0 if messages else max_points
    return verdict


def grade_submission(
    spec, student: str, notebook: Path, release_nb, max_points: dict, workdir: Path
) -> Report:
    started_at = time.monotonic()
    parts = {p.grade_id: p for p in spec.parts()}
    answers = answer_cells(nbformat.read(str(notebook), as_version=4))
    cells = code_to_run(release_nb, answers)
    events, log, remaining = {}, "", list(parts)
    for attempt in range(ATTEMPTS):
        if not remaining:
            break
        job_dir = workdir / f"{student}-{attempt}"
        todo = [parts[i] for i in remaining]
        write_job(job_dir, cells, todo)
        limit = STARTUP_S + sum(p.time_limit_s + 5 for p in todo)
        results, started, log = run_sandbox(job_dir, limit)
        shutil.rmtree(job_dir, ignore_errors=True)
        events.update(results)
        lost = [i for i in started if i not in results]
        for part_id in lost[:1]:  # the part during which the sandbox died
            events[part_id] = {"status": "crashed"}
        if not started and attempt > 0:
            break  # the sandbox does not start at all: do not loop
        remaining = [i for i in remaining if i not in events]
    verdicts = [
        score_part(parts[i], max_points[i], events.get(i, {"status": "crashed"})) for i in parts
    ]
    return Report(student, verdicts, time.monotonic() - started_at, log)


# ------------------------------------------------------------ course records
class Course:
    """The course folder (the one that holds nbgrader_config.py) and its nbgrader settings."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        cd = config.CourseDirectory
        self.course_id = cd.get("course_id", "")
        self.db_url = cd.get("db_url", f"sqlite:///{self.root / 'gradebook.db'}")
        self.source = self.root / cd.get("source_directory", "source")
        self.release = self.root / cd.get("release_directory", "release")
        self.submitted = self.root / cd.get("submitted_directory", "submitted")
        self.autograded = self.root / cd.get("autograded_directory", "autograded")

    def notebook(self, folder: Path, assignment: str) -> Path:
        return folder / assignment / f"{assignment}.ipynb"

    def submissions(self, assignment: str, students=None) -> dict:
        out = {}
        for path in sorted(self.submitted.glob(f"*/{assignment}/{assignment}.ipynb")):
            student = path.parents[1].name
            if not students or student in students:
                out[student] = path
        return out

    def nbgrader(self, *args, timeout=1800) -> subprocess.CompletedProcess:
        env = dict(os.environ)
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        nbgrader = Path(sys.executable).parent / "nbgrader"
        proc = subprocess.run(
            [str(nbgrader), *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
        return proc

    def ensure_assignment(self, assignment: str) -> None:
        """Register the assignment and its cells in the gradebook (nbgrader generate_assignment,
        into a temporary release folder so that exercises/ is left alone)."""
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.db_url, self.course_id) as gb:
            try:
                if gb.find_assignment(assignment).notebooks:
                    return
            except MissingEntry:
                pass
        with tempfile.TemporaryDirectory() as release:
            self.nbgrader(
                "generate_assignment",
                assignment,
                "--force",
                f"--CourseDirectory.release_directory={release}",
            )

    def record(self, assignment: str, report: Report, submission: Path) -> None:
        """Scores into the gradebook, as `nbgrader autograde` would record them."""
        from nbgrader.api import Gradebook
        from nbgrader.utils import parse_utc

        scores = {v.grade_id: v.points for v in report.verdicts}
        stamp = submission.parent / "timestamp.txt"
        extra = {"timestamp": parse_utc(stamp.read_text().strip())} if stamp.exists() else {}
        with Gradebook(self.db_url, self.course_id) as gb:
            gb.update_or_create_student(report.student)
            sub = gb.update_or_create_submission(assignment, report.student, **extra)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    grade.auto_score = scores.get(grade.name)
                    grade.needs_manual_grade = (
                        grade.manual_score is not None or grade.auto_score is None
                    )
            gb.db.commit()

    def write_autograded(
        self, assignment: str, report: Report, submission: Path, release_nb
    ) -> None:
        """The notebook that formgrader shows and generate_feedback renders: the student
        version with the student's answers and, in each test cell, the verdict."""
        nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
        answers = answer_cells(nbformat.read(str(submission), as_version=4))
        verdicts = {v.grade_id: v for v in report.verdicts}
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            grade_id = meta.get("grade_id")
            if meta.get("solution") and grade_id in answers:
                cell.source = answers[grade_id]
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
                if grade_id in verdicts:
                    cell.outputs = [
                        nbformat.v4.new_output(
                            "stream", name="stdout", text=feedback_text(verdicts[grade_id])
                        )
                    ]
        folder = self.autograded / report.student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{assignment}.ipynb"
        if target.exists():
            target.chmod(0o644)
        nbformat.write(nb, str(target))


def feedback_text(verdict: Verdict) -> str:
    head = (
        f"Autograder: {verdict.points:g} / {verdict.max_points:g} points "
        f"(checked on hidden inputs, outside your notebook)"
    )
    lines = [head]
    lines += [f"  - {m}" for m in verdict.messages] or ["  all checks passed"]
    if verdict.log.strip():
        lines += ["", "Output of your code during this part (last lines):", verdict.log.rstrip()]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- main
def grade(
    assignment: str,
    root: Path,
    jobs: int | None = None,
    students=None,
    feedback: bool = True,
    progress: bool = True,
    out=sys.stdout,
) -> list:
    sandbox.check()
    course = Course(root)
    spec = load_spec(assignment)
    release_nb = nbformat.read(str(course.notebook(course.release, assignment)), as_version=4)
    max_points = {
        nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
        for c in release_nb.cells
        if nbgrader_meta(c).get("grade") and c.cell_type == "code"
    }
    missing = {p.grade_id for p in spec.parts()} ^ set(max_points)
    if missing:
        raise SystemExit(f"spec and notebook disagree on the autograded cells: {sorted(missing)}")
    submissions = course.submissions(assignment, students)
    if not submissions:
        raise SystemExit(f"no submissions under {course.submitted}/*/{assignment}/")
    course.ensure_assignment(assignment)
    jobs = jobs or os.cpu_count() or 1
    reports = []
    bar = _progress(len(submissions), assignment) if progress else None
    with tempfile.TemporaryDirectory(prefix="hopfield-jobs-") as work:
        os.chmod(work, 0o755)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {
                pool.submit(grade_submission, spec, s, path, release_nb, max_points, Path(work)): s
                for s, path in submissions.items()
            }
            for future in as_completed(futures):
                report = future.result()
                path = submissions[report.student]
                course.record(assignment, report, path)
                course.write_autograded(assignment, report, path, release_nb)
                reports.append(report)
                if bar is not None:
                    bar.update(1)
    if bar is not None:
        bar.close()
    if feedback:
        course.nbgrader("generate_feedback", assignment, "--force")
    print(summary(reports, sum(max_points.values())), file=out)
    return sorted(reports, key=lambda r: r.student)


def _progress(total: int, assignment: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"grading {assignment}", unit="student")


def summary(reports, full: float) -> str:
    rows = [("student", "points", "parts failed", "time (s)")]
    for r in sorted(reports, key=lambda r: r.student):
        rows.append(
            (r.student, f"{r.points:g} / {full:g}", ", ".join(r.failed) or "-", f"{r.seconds:.1f}")
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def export(root: Path) -> Path:
    course = Course(root)
    target = course.root / "grading" / "grades.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    course.nbgrader("export", "--to", str(target))
    return target
