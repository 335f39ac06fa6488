"""Helpers for tests/grading/test_grading.py: a throw-away course, submissions, grading runs.

Every test works in a temporary copy of the course (nbgrader_config.py, tools/,
solutions/, exercises/), so the repository's own grading/ folder is never touched.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
ASSIGNMENTS = ("async_update", "recall_bound", "phase_diagram")
FIXTURES = ROOT / "tests" / "grading" / "fixtures"
COURSE_FILES = ("nbgrader_config.py", "tools", "solutions", "exercises")


def copy_course(dest: Path) -> Path:
    """Copy the course into ``dest`` (without any grading/ folder)."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "grading")
    for name in COURSE_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)
    return dest


def nbgrader_env(**extra) -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"  # nbgrader calls alembic
    env.update({k: str(v) for k, v in extra.items()})
    return env


def nbgrader_command(*args) -> list:
    return [str(VENV_BIN / "nbgrader"), *args]


def nbgrader(course: Path, *args, env=None, timeout=900) -> subprocess.CompletedProcess:
    """Run ``nbgrader *args`` in ``course``; fail with its log if it exits non-zero."""
    proc = subprocess.run(
        nbgrader_command(*args),
        cwd=course,
        env=env or nbgrader_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
        )
    return proc


# ------------------------------------------------------------------ notebooks
def read_notebook(path: Path):
    return nbformat.read(str(path), as_version=4)


def source_notebook(assignment: str, root: Path = ROOT):
    return read_notebook(root / "solutions" / assignment / f"{assignment}.ipynb")


def release_notebook(assignment: str, root: Path = ROOT):
    return read_notebook(root / "exercises" / assignment / f"{assignment}.ipynb")


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def strip_markers(source: str) -> str:
    """The solution as a student would write it: the source without nbgrader's marker lines."""
    keep = [
        line
        for line in source.splitlines()
        if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line
    ]
    return "\n".join(keep)


def spec_lines(assignment: str, min_length: int = 30) -> set:
    """Lines of the assignment's grading spec long enough to be telling, and not also in
    the instructor's notebook (the student's own code may share those): none may leak."""
    text = (ROOT / "tools" / "grader" / "specs" / f"{assignment}.py").read_text()
    notebook = "\n".join(cell.source for cell in source_notebook(assignment).cells)
    lines = {line.strip() for line in text.splitlines() if len(line.strip()) >= min_length}
    return {line for line in lines if line not in notebook}


def points(assignment: str) -> dict:
    """grade_id -> points for the autograded (test) cells and the manually graded ones."""
    auto, manual = {}, {}
    for cell in source_notebook(assignment).cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade"):
            (manual if meta.get("solution") else auto)[meta["grade_id"]] = meta["points"]
    return {"auto": auto, "manual": manual}


def _function_span(source: str, name: str):
    """(first, last) line numbers (1-based) of the top-level function ``name`` in ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return first, node.end_lineno
    return None


def apply_fixture(nb, fixture: Path) -> None:
    """Replace the functions of the student's solution cells that ``fixture`` defines again;
    append its other statements (other functions included) to the cell of the first
    replaced function."""
    text = fixture.read_text()
    tree = ast.parse(text)
    solution_cells = [
        c for c in nb.cells if c.cell_type == "code" and nbgrader_meta(c).get("solution")
    ]
    functions, extra = {}, []
    for node in tree.body:
        segment = ast.get_source_segment(text, node)
        if isinstance(node, ast.FunctionDef) and any(
            _function_span(c.source, node.name) for c in solution_cells
        ):
            functions[node.name] = segment
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            extra.append(segment)  # (the module docstring is left out)
    first_cell = None
    for name, new in functions.items():
        cell = next(c for c in solution_cells if _function_span(c.source, name))
        first, last = _function_span(cell.source, name)
        lines = cell.source.splitlines()
        cell.source = "\n".join(lines[: first - 1] + new.splitlines() + lines[last:])
        first_cell = first_cell or cell
    if extra:
        cell = first_cell or solution_cells[-1]
        cell.source = cell.source.rstrip("\n") + "\n\n\n" + "\n\n\n".join(extra)


def submission(assignment: str, kind: str = "reference", root: Path = ROOT):
    """A student's notebook: the release version with its answer cells filled in.

    kind: "blank" (the release version as handed out), "reference" (the instructor's
    solution), or the name of a file in tests/grading/fixtures/<assignment>/ (the reference with
    some functions replaced).
    """
    nb = release_notebook(assignment, root)
    if kind == "blank":
        return nb
    solutions = {
        nbgrader_meta(c)["grade_id"]: c
        for c in source_notebook(assignment, root).cells
        if nbgrader_meta(c).get("solution")
    }
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            cell.source = strip_markers(solutions[meta["grade_id"]].source)
    if kind != "reference":
        apply_fixture(nb, FIXTURES / assignment / f"{kind}.py")
    return nb


def submit(course: Path, student: str, assignment: str, nb) -> Path:
    folder = course / "grading" / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    nbformat.write(nb, str(path))
    return path


# ------------------------------------------------------------------ results
def gradebook_scores(course: Path, assignment: str) -> dict:
    """student -> {"auto": points, "cells": {grade_id: score}, "manual_pending", "extra_credit"}."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            cells, pending = {}, []
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.cell.cell_type == "code":
                        cells[grade.name] = grade.auto_score
                    elif grade.needs_manual_grade:
                        pending.append(grade.name)
            out[sub.student.id] = {
                "extra_credit": [g.extra_credit for nb in sub.notebooks for g in nb.grades],
                "auto": sum(v or 0 for v in cells.values()),
                "cells": cells,
                "manual_pending": pending,
            }
    return out


def grade(course: Path, assignment: str, *args, env=None):
    """Start `python -m tools.grader grade <assignment>` for the course, in the background."""
    log = open(course / f"grade-{assignment}.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.grader",
            "--root",
            str(course),
            "grade",
            assignment,
            "--no-progress",
            *args,
        ],
        cwd=ROOT,
        env=env or nbgrader_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    proc.started = time.time()
    return proc


def tree_digest(*paths: Path) -> str:
    """One hash of every file under ``paths`` (names and contents)."""
    import hashlib

    digest = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if "__pycache__" not in f.parts:
                digest.update(str(f).encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()


VALIDATE = """
import json, sys
from nbgrader.validator import Validator
from traitlets.config.loader import PyFileConfigLoader
config = PyFileConfigLoader("nbgrader_config.py", path=".").load_config()  # the kernel limits
result = Validator(config=config).validate(sys.argv[1])
json.dump(result, open(sys.argv[2], "w"))
"""


def start_validation(course: Path, notebook: Path, result: Path) -> subprocess.Popen:
    """Validate ``notebook`` with nbgrader's Validator (in the background); the result
    (empty when every test cell passes) goes to ``result`` as JSON. The `validate` command
    would not do: it exits 0 even when tests fail."""
    log = open(result.with_suffix(".log"), "w")
    return subprocess.Popen(
        [sys.executable, "-c", VALIDATE, str(notebook), str(result)],
        cwd=course,
        env=nbgrader_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
