"""The nbgrader workflow of the three exercises, run with the real nbgrader.

One module-scoped fixture copies the course into a temporary folder (one copy
per assignment, so the three assignments are graded in parallel, each with its
own gradebook), regenerates the student versions, submits a small class of
students per assignment (the reference solution, the untouched student
version, plausible wrong answers, submissions that tamper with the references,
one that loops forever and one that eats memory: see tests/grading/fixtures/), and runs
`nbgrader autograde`, `generate_feedback` and `export` once per assignment.
The tests then read the gradebooks, the autograded notebooks and the feedback.
"""

from __future__ import annotations

import csv
import html
import json
import re
import time
from pathlib import Path

import nbformat
import pytest

from grading_course import (
    ASSIGNMENTS,
    ROOT,
    copy_course,
    gradebook_scores,
    hidden_test_lines,
    nbgrader,
    nbgrader_env,
    points,
    read_notebook,
    release_notebook,
    run_pipeline,
    start_validation,
    submission,
    submit,
    timings,
)

pytestmark = pytest.mark.slow

# student -> submission kind (tests/grading/fixtures/<assignment>/<kind>.py, or reference/blank)
CLASS = {
    "async_update": ["reference", "blank", "ignores_k", "tamper"],
    "recall_bound": ["reference", "blank", "factor_two", "tamper", "infinite_loop", "memory_hog"],
    "phase_diagram": ["reference", "blank", "logistic_without_two", "one_m0", "tamper"],
}
# autograded score of each wrong submission, cell by cell (the fixtures' docstrings say why)
EXPECTED_FAILURES = {
    ("async_update", "ignores_k"): {"test_async_limit", "test_two_cycles"},
    ("recall_bound", "factor_two"): {"test_bit_error_rate", "test_theory_estimate"},
    ("recall_bound", "infinite_loop"): {"test_bounds"},
    ("recall_bound", "memory_hog"): {"test_measured_error"},
    ("phase_diagram", "logistic_without_two"): {
        "test_glauber_probability",
        "test_glauber_step",
        "test_alpha_zero",
        "test_phase_diagram",
    },
    ("phase_diagram", "one_m0"): {"test_phase_diagram"},
}
TAMPERED = {
    "async_update": "ignores_k",
    "recall_bound": "factor_two",
    "phase_diagram": "logistic_without_two",
}
# The class with the endless loop is graded with a shorter cell timeout, to keep this test quick
# (long enough for the imports of the first cell on a busy machine).
CELL_TIMEOUT = {"recall_bound": 40}
PER_STUDENT_LIMIT_S = 60


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Generate, submit, autograde, generate feedback and export, for the three assignments."""
    base = tmp_path_factory.mktemp("grading")
    courses, pipelines = {}, {}
    for assignment in ASSIGNMENTS:
        course = copy_course(base / assignment)
        nbgrader(course, "generate_assignment", assignment, "--force")
        for kind in CLASS[assignment]:
            submit(course, kind, assignment, submission(assignment, kind))
        courses[assignment] = course
    started = time.time()
    for assignment, course in courses.items():
        env = nbgrader_env()
        if assignment in CELL_TIMEOUT:
            env["HOPFIELD_GRADING_TIMEOUT"] = str(CELL_TIMEOUT[assignment])
        pipelines[assignment] = run_pipeline(course, assignment, env=env)
    validations = {
        a: start_validation(c, c / "solutions" / a / f"{a}.ipynb", c / "validation.json")
        for a, c in courses.items()
    }
    for (assignment, proc), log in [(item, "pipeline.log") for item in pipelines.items()] + [
        (item, "validation.log") for item in validations.items()
    ]:
        code = proc.wait(timeout=1500)
        text = (courses[assignment] / log).read_text()
        assert code == 0, f"{log} of {assignment} shows a failure:\n{text[-6000:]}"
    return {"courses": courses, "wall_s": time.time() - started}


# ------------------------------------------------------------------ release
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_up_to_date(graded, assignment):
    """exercises/ holds exactly what `nbgrader generate_assignment` makes from solutions/."""
    fresh = read_notebook(
        graded["courses"][assignment] / "exercises" / assignment / f"{assignment}.ipynb"
    )
    committed = release_notebook(assignment)
    assert fresh.metadata == committed.metadata
    assert len(fresh.cells) == len(committed.cells), (
        f"exercises/{assignment}: regenerate it (see instructor.md)"
    )
    for new, old in zip(fresh.cells, committed.cells):
        assert (new.cell_type, new.source, new.metadata) == (
            old.cell_type,
            old.source,
            old.metadata,
        ), (
            f"exercises/{assignment} differs from the generated version: regenerate it (see instructor.md)"
        )


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
def test_points_structure(assignment):
    """Autograded cells carry most of the points; every assignment has one written answer."""
    pts = points(assignment)
    auto, manual = sum(pts["auto"].values()), sum(pts["manual"].values())
    assert len(pts["manual"]) == 1 and auto > 3 * manual and len(pts["auto"]) >= 4


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_validates(graded, assignment):
    """nbgrader's Validator runs the instructor version: every test cell passes."""
    result = json.loads((graded["courses"][assignment] / "validation.json").read_text())
    assert result == {}, f"validation of solutions/{assignment} failed: {result}"


# ------------------------------------------------------------------- scores
def _scores(graded, assignment):
    return gradebook_scores(graded["courses"][assignment], assignment)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_whole_class_is_in_the_gradebook(graded, assignment):
    assert sorted(_scores(graded, assignment)) == sorted(CLASS[assignment])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_earns_full_marks(graded, assignment):
    scores = _scores(graded, assignment)["reference"]
    assert scores["cells"] == points(assignment)["auto"]
    assert scores["manual_pending"] == list(
        points(assignment)["manual"]
    )  # waits for the instructor


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_student_version_earns_nothing(graded, assignment):
    scores = _scores(graded, assignment)["blank"]
    assert scores["auto"] == 0 and set(scores["cells"]) == set(points(assignment)["auto"])


@pytest.mark.parametrize("assignment, kind", sorted(EXPECTED_FAILURES))
def test_wrong_answers_earn_partial_credit(graded, assignment, kind):
    full = points(assignment)["auto"]
    scores = _scores(graded, assignment)[kind]["cells"]
    failed = {cell for cell, score in scores.items() if score != full[cell]}
    assert failed == EXPECTED_FAILURES[(assignment, kind)]
    assert 0 < sum(scores.values()) < sum(full.values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_tampering_earns_nothing_extra(graded, assignment):
    """Replacing the references (hl.run, hl.theory.*, np/torch comparisons, test helpers)
    earns no more than the same wrong answer without tampering."""
    scores = _scores(graded, assignment)
    honest = scores[TAMPERED[assignment]]["cells"]
    for cell, score in scores["tamper"]["cells"].items():
        assert score <= honest[cell], f"{assignment}: tampering earned points in {cell}"
    assert scores["tamper"]["auto"] < sum(points(assignment)["auto"].values())


def _autograded(graded, assignment, student):
    path = (
        graded["courses"][assignment]
        / "grading"
        / "autograded"
        / student
        / assignment
        / f"{assignment}.ipynb"
    )
    return nbformat.read(str(path), as_version=4)


def _errors(nb, grade_id):
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return [(o.ename, o.evalue) for o in cell.outputs if o.output_type == "error"]


def test_tampering_was_caught_by_the_hidden_tests(graded):
    """The tampering submissions pass the visible checks they fake; the hidden ones catch them."""
    nb = _autograded(graded, "recall_bound", "tamper")
    assert _errors(nb, "test_bit_error_rate") == [
        ("AssertionError", "hidden test: bit_error_rate is wrong for some alpha between 0.01 and 3")
    ]
    nb = _autograded(graded, "async_update", "tamper")
    assert all(e[1].startswith("hidden test") for e in _errors(nb, "test_async_limit"))


def test_endless_loop_times_out_for_that_student_only(graded):
    nb = _autograded(graded, "recall_bound", "infinite_loop")
    names = [e[0] for e in _errors(nb, "test_bounds")]
    assert "CellTimeoutError" in names or "KeyboardInterrupt" in names, names
    assert (
        _scores(graded, "recall_bound")["infinite_loop"]["auto"] == 9
    )  # everything else was graded


def test_memory_hog_is_stopped_by_the_kernel_limit(graded):
    nb = _autograded(graded, "recall_bound", "memory_hog")
    errors = _errors(nb, "test_measured_error")
    assert errors and all("memory limit did not stop" not in e[1] for e in errors), errors
    assert any(
        e[0] in ("MemoryError", "RuntimeError")
        and ("alloc" in e[1].lower() or e[0] == "MemoryError")
        for e in errors
    ), errors


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_student_grades_within_a_minute(graded, assignment):
    spent = timings(graded["courses"][assignment])
    assert set(spent) == set(CLASS[assignment])
    for student, seconds in spent.items():
        if student != "infinite_loop":
            assert seconds < PER_STUDENT_LIMIT_S, (
                f"{assignment}/{student}: autograding took {seconds:.0f} s"
            )


# ----------------------------------------------------------------- feedback
def _feedback(graded, assignment, student) -> str:
    path = (
        graded["courses"][assignment]
        / "grading"
        / "feedback"
        / student
        / assignment
        / f"{assignment}.html"
    )
    return path.read_text()


def _visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_for_every_student_without_hidden_tests(graded, assignment):
    secret = hidden_test_lines(assignment)
    autograded = "\n".join(c.source for c in _autograded(graded, assignment, "reference").cells)
    assert secret and all(line in autograded for line in secret)  # the check below can see a leak
    for student in CLASS[assignment]:
        page = _feedback(graded, assignment, student)
        text = _visible_text(page)
        leaks = [line for line in secret if line in text]
        assert not leaks, (
            f"{assignment}/{student}: the feedback shows hidden test code: {leaks[:3]}"
        )
        assert "HIDDEN TESTS" not in text
        assert not re.search(r"<script[^>]+src=\"https?://", page), (
            "the feedback loads a script from the network"
        )


def test_feedback_explains_the_failures(graded):
    text = _visible_text(_feedback(graded, "recall_bound", "factor_two"))
    assert "recall_bound (Score: 7.0 / 14.0)" in text
    assert (
        "AssertionError: alpha = 0.05: got 7.74" in text
    )  # the visible check shows the factor of two
    text = _visible_text(_feedback(graded, "recall_bound", "tamper"))
    assert "(a hidden test failed here: its code is not shown)" in text
    assert "hidden test: bit_error_rate is wrong for some alpha between 0.01 and 3" in text


def test_grades_export_and_manual_grading(graded):
    """The exported CSV lists every student; manual points entered in the gradebook count."""
    from nbgrader.api import Gradebook

    course = graded["courses"]["recall_bound"]
    with open(course / "grading" / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["student_id"] for r in rows) == sorted(CLASS["recall_bound"])
    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gb:
        grade = gb.find_grade("derivation", "recall_bound", "recall_bound", "reference")
        grade.manual_score = 3
        gb.db.commit()
        assert gb.find_submission("recall_bound", "reference").score == 14
    nbgrader(course, "export", "--to", "grading/grades2.csv")
    with open(course / "grading" / "grades2.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["student_id"] == "reference")
    assert float(row["raw_score"]) == 14 and float(row["max_score"]) == 14


def test_repository_grading_folder_untouched(graded):
    assert all(ROOT not in Path(c).parents for c in graded["courses"].values())
