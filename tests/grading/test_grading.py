"""The sandboxed grading of the three exercises, run for real: bubblewrap, nbgrader's gradebook.

One module-scoped fixture copies the course into a temporary folder per assignment,
regenerates the student versions with nbgrader, submits a class per assignment (the
reference, the untouched student version, and one fixture per class of failure and
attack in tests/grading/fixtures/), and grades each class with ONE command,
`python -m tools.grader grade <assignment>` (what `make grade` runs), the three
assignments at once. Honest and hostile students share each command, so the checks
that the honest scores, the engine, the course files and the gradebook are intact are
checks of a real mixed class.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grading_course import (
    ASSIGNMENTS,
    ROOT,
    copy_course,
    grade,
    gradebook_scores,
    nbgrader,
    nbgrader_env,
    points,
    read_notebook,
    release_notebook,
    spec_lines,
    start_validation,
    submission,
    submit,
    tree_digest,
)

pytestmark = pytest.mark.slow

# student (= submission kind) -> the autograded cells it must fail; every other cell earns
# its full points. The fixtures' docstrings say why.
EXPECTED_FAILURES = {
    "async_update": {
        "reference": set(),
        "blank": {"test_groups", "test_sync_limit", "test_async_limit", "test_two_cycles"},
        "ignores_k": {"test_async_limit", "test_two_cycles"},
        "tamper": {"test_async_limit", "test_two_cycles"},
        "warning_copy": set(),
        "run_ignores_k": {"test_two_cycles"},
        "ipython_hooks": {"test_groups", "test_sync_limit", "test_async_limit", "test_two_cycles"},
        "print_history": set(),
    },
    "recall_bound": {
        "reference": set(),
        "blank": {
            "test_bit_error_rate",
            "test_bounds",
            "test_measured_error",
            "test_theory_estimate",
            "test_prob_all_fixed",
        },
        "factor_two": {"test_bit_error_rate", "test_theory_estimate"},
        "tamper": {"test_bit_error_rate", "test_theory_estimate"},
        "infinite_loop": {"test_bounds"},
        "memory_hog": {"test_measured_error"},
        "float_counts": set(),
        "os_exit": {"test_prob_all_fixed"},
        "segfault": {"test_measured_error"},
        "formula_and_zeros": {"test_measured_error", "test_prob_all_fixed"},
        "sign_zero_fields": {"test_measured_error", "test_prob_all_fixed"},
        "engine_answer": {"test_bit_error_rate", "test_bounds", "test_theory_estimate"},
        "tamper_builtins": {
            "test_bit_error_rate",
            "test_bounds",
            "test_measured_error",
            "test_theory_estimate",
            "test_prob_all_fixed",
        },
    },
    "phase_diagram": {
        "reference": set(),
        "blank": {
            "test_glauber_probability",
            "test_glauber_step",
            "test_mean_field",
            "test_alpha_zero",
            "test_phase_diagram",
        },
        "logistic_without_two": {
            "test_glauber_probability",
            "test_glauber_step",
            "test_alpha_zero",
            "test_phase_diagram",
        },
        "tamper": {
            "test_glauber_probability",
            "test_glauber_step",
            "test_alpha_zero",
            "test_phase_diagram",
        },
        "one_m0": {"test_phase_diagram"},
        "mean_field_alpha_zero": {"test_alpha_zero"},
        "sequential": {"test_phase_diagram"},
        "engine_run": {"test_phase_diagram"},
        "reach_others": set(),
    },
}
# the exact autograded score of each submission, out of 11 (the closing note's table)
EXPECTED_SCORES = {
    "async_update": {
        "reference": 11,
        "blank": 0,
        "ignores_k": 5,
        "tamper": 5,
        "warning_copy": 11,
        "run_ignores_k": 8,
        "ipython_hooks": 0,
        "print_history": 11,
    },
    "recall_bound": {
        "reference": 11,
        "blank": 0,
        "factor_two": 7,
        "tamper": 7,
        "infinite_loop": 9,
        "memory_hog": 9,
        "float_counts": 11,
        "os_exit": 8,
        "segfault": 9,
        "formula_and_zeros": 6,
        "sign_zero_fields": 6,
        "engine_answer": 5,
        "tamper_builtins": 0,
    },
    "phase_diagram": {
        "reference": 11,
        "blank": 0,
        "logistic_without_two": 2,
        "tamper": 2,
        "one_m0": 8,
        "mean_field_alpha_zero": 9,
        "sequential": 8,
        "engine_run": 8,
        "reach_others": 11,
    },
}
ENGINE = ROOT / "hopfield_lib"
COURSE_FILES = ("nbgrader_config.py", "tools", "solutions", "exercises")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    courses, digests = {}, {}
    for assignment in ASSIGNMENTS:
        course = copy_course(base / assignment)
        nbgrader(course, "generate_assignment", assignment, "--force")
        for kind in EXPECTED_FAILURES[assignment]:
            submit(course, kind, assignment, submission(assignment, kind))
        courses[assignment] = course
        digests[assignment] = tree_digest(*(course / name for name in COURSE_FILES))
    started = time.time()
    runs = {a: grade(c, a, "--jobs", "1") for a, c in courses.items()}
    validations = {
        a: start_validation(c, c / "solutions" / a / f"{a}.ipynb", c / "validation.json")
        for a, c in courses.items()
    }
    for assignment, proc in runs.items():
        code = proc.wait(timeout=1800)
        log = (courses[assignment] / f"grade-{assignment}.log").read_text()
        assert code == 0, f"grading {assignment} failed:\n{log[-6000:]}"
    for assignment, proc in validations.items():
        assert proc.wait(timeout=1800) == 0, (courses[assignment] / "validation.log").read_text()
    return {
        "courses": courses,
        "wall_s": time.time() - started,
        "digests": digests,
    }


def _scores(graded, assignment):
    return gradebook_scores(graded["courses"][assignment], assignment)


def _feedback(graded, assignment, student) -> str:
    course = graded["courses"][assignment]
    page = course / "grading" / "feedback" / student / assignment / f"{assignment}.html"
    return page.read_text()


def _visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


# ------------------------------------------------------------------ release
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_up_to_date(graded, assignment):
    """exercises/ holds exactly what `nbgrader generate_assignment` makes from solutions/."""
    course = graded["courses"][assignment]
    fresh = read_notebook(course / "exercises" / assignment / f"{assignment}.ipynb")
    committed = release_notebook(assignment)
    assert fresh.metadata == committed.metadata
    assert [(c.cell_type, c.source, c.metadata) for c in fresh.cells] == [
        (c.cell_type, c.source, c.metadata) for c in committed.cells
    ], f"exercises/{assignment} differs from the generated version: regenerate it (instructor.md)"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_a_clean_student_version(assignment):
    nb = release_notebook(assignment)
    text = "\n".join(cell.source for cell in nb.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert text.count("raise NotImplementedError()") >= 3
    for cell in nb.cells:
        assert cell.cell_type != "code" or (cell.outputs == [] and cell.execution_count is None)
    assert (
        nb.cells[0].metadata.get("tags") == ["remove-cell"] and "google.colab" in nb.cells[0].source
    )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_hidden_tests_in_the_notebooks(assignment):
    """The checks on hidden inputs live in tools/grader/specs/, outside every notebook."""
    for folder in ("solutions", "exercises"):
        text = (ROOT / folder / assignment / f"{assignment}.ipynb").read_text()
        assert "HIDDEN TESTS" not in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_points_structure_and_spec(assignment):
    """Every autograded cell has one part in the spec; most points are autograded."""
    sys.path.insert(0, str(ROOT))
    from tools.grader.grade import load_spec

    pts = points(assignment)
    auto, manual = sum(pts["auto"].values()), sum(pts["manual"].values())
    assert len(pts["manual"]) == 1 and auto > 3 * manual and len(pts["auto"]) >= 4
    assert [p.grade_id for p in load_spec(assignment).parts()] == list(pts["auto"])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_validates(graded, assignment):
    """nbgrader's Validator runs the instructor version: every visible test passes."""
    result = json.loads((graded["courses"][assignment] / "validation.json").read_text())
    assert result == {}, f"validation of solutions/{assignment} failed: {result}"


# ------------------------------------------------------------------- scores
CASES = [(a, kind) for a in ASSIGNMENTS for kind in sorted(EXPECTED_FAILURES[a])]


@pytest.mark.parametrize("assignment, kind", CASES)
def test_exact_scores(graded, assignment, kind):
    full = points(assignment)["auto"]
    cells = _scores(graded, assignment)[kind]["cells"]
    assert set(cells) == set(full)
    failed = {cell for cell, score in cells.items() if score != full[cell]}
    assert failed == EXPECTED_FAILURES[assignment][kind]
    assert all(cells[c] == 0 for c in failed)
    assert sum(cells.values()) == EXPECTED_SCORES[assignment][kind]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_written_answers_wait_for_the_instructor(graded, assignment):
    for kind, score in _scores(graded, assignment).items():
        assert score["manual_pending"] == list(points(assignment)["manual"]), kind


# ----------------------------------------------------------- nothing reached
def test_engine_unchanged(graded):
    """reach_others appended code to the engine's files: none of it arrived. (The engine's
    own digest is not compared: other work may edit hopfield_lib while this test runs.)"""
    for path in ENGINE.rglob("*.py"):
        text = path.read_text()
        assert not text.endswith("\nrun = None\n") and "print('tampered')" not in text, path


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_course_files_and_gradebook_unchanged(graded, assignment):
    course = graded["courses"][assignment]
    assert tree_digest(*(course / name for name in COURSE_FILES)) == graded["digests"][assignment]
    for kind, score in _scores(graded, assignment).items():
        assert all(credit is None for credit in score["extra_credit"]), kind


# ----------------------------------------------------------------- feedback
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_for_every_student_without_the_spec(graded, assignment):
    secret = spec_lines(assignment)
    assert len(secret) > 20
    for student in EXPECTED_FAILURES[assignment]:
        page = _feedback(graded, assignment, student)
        text = _visible_text(page)
        leaks = [line for line in secret if line in text]
        assert not leaks, f"{assignment}/{student}: the feedback shows the spec: {leaks[:3]}"
        assert "Autograder:" in text
        assert not re.search(r"<script[^>]+src=\"https?://", page)


def test_feedback_explains_failures(graded):
    text = _visible_text(_feedback(graded, "recall_bound", "os_exit"))
    assert "recall_bound (Score: 8.0 / 14.0)" in text
    assert "the process running your code ended during this part" in text
    text = _visible_text(_feedback(graded, "recall_bound", "engine_answer"))
    assert "hopfield_lib.theory.bit_error_rate is the engine's answer to this part" in text
    text = _visible_text(_feedback(graded, "recall_bound", "infinite_loop"))
    assert "and was stopped" in text
    text = _visible_text(_feedback(graded, "async_update", "print_history"))
    assert "In:" in text  # its own printout reached its own page, with nothing secret in it


# ----------------------------------------------------------------- commands
def test_regrading_is_idempotent(graded):
    course = graded["courses"]["recall_bound"]
    before = _scores(graded, "recall_bound")
    proc = grade(
        course, "recall_bound", "--student", "os_exit", "--student", "float_counts", "--no-feedback"
    )
    assert proc.wait(timeout=900) == 0, (course / "grade-recall_bound.log").read_text()[-3000:]
    after = _scores(graded, "recall_bound")
    assert after == before


def test_grades_export(graded):
    course = graded["courses"]["phase_diagram"]
    subprocess.run(
        [sys.executable, "-m", "tools.grader", "--root", str(course), "grades"],
        cwd=ROOT,
        env=nbgrader_env(),
        check=True,
        capture_output=True,
    )
    with open(course / "grading" / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["student_id"] for r in rows) == sorted(EXPECTED_FAILURES["phase_diagram"])
    row = next(r for r in rows if r["student_id"] == "reference")
    assert float(row["raw_score"]) == 11 and float(row["max_score"]) == 14


def test_refuses_without_bubblewrap(tmp_path):
    env = nbgrader_env()
    env["PATH"] = str(tmp_path)  # no bwrap on it
    env.pop("HOPFIELD_GRADING_UNSANDBOXED", None)
    proc = subprocess.run(
        [sys.executable, "-m", "tools.grader", "--root", str(ROOT), "grade", "recall_bound"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "apt-get install bubblewrap" in proc.stderr
    assert "HOPFIELD_GRADING_UNSANDBOXED" in proc.stderr


def test_repository_grading_folder_untouched(graded):
    assert all(ROOT not in Path(c).parents for c in graded["courses"].values())
    assert os.path.isdir(ENGINE)
