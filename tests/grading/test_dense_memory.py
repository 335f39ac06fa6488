"""Exercise 4 (dense_memory), graded for real: nbgrader release, sandboxed grader, gradebook.

A module-scoped fixture copies the course into a temporary folder, regenerates the student
version with nbgrader, submits a small class (the reference solution, the untouched student
version and two plausible wrong answers, defined below) and grades it with one command,
`python -m tools.grader grade dense_memory`, as test_grading.py does for the other three
exercises (whose helpers this file uses).
"""

from __future__ import annotations

import json
import sys

import pytest

from grading_course import (
    ROOT,
    copy_course,
    grade,
    gradebook_scores,
    nbgrader,
    points,
    read_notebook,
    release_notebook,
    start_validation,
    submission,
    submit,
    apply_fixture,
)

pytestmark = pytest.mark.slow
ASSIGNMENT = "dense_memory"

# Plausible wrong answers: each replaces functions of the reference solution.
WRONG = {
    # A zero flip gain sets the spin to +1 instead of keeping it (torch.sign-like): every
    # step with a tie differs from the definition. The stable fraction and the exponent
    # barely notice (ties at a stored pattern are rare), so only the step part is lost.
    "ties_flip": '''
def dense_step(patterns, S, n):
    gain = flip_gain(patterns, S, n)
    return torch.where(gain >= 0, 1, -1).to(torch.int8)
''',
    # The softmax written out with exp: overflows (inf / inf = nan) once beta X xi^T passes
    # about 709, so the large-beta update is lost. retrieval_beta still works: its crossing
    # lies at small beta, and a nan overlap only sends the bisection further down.
    "naive_softmax": '''
def softmax_update(patterns, X, beta):
    xi = patterns.to(torch.float64)
    w = torch.exp(beta * (X.to(torch.float64) @ xi.T))
    return (w / w.sum(dim=1, keepdim=True)) @ xi
''',
}
EXPECTED_FAILURES = {
    "reference": set(),
    "blank": {
        "test_definition",
        "test_step",
        "test_stable",
        "test_exponent",
        "test_softmax",
        "test_beta",
    },
    "ties_flip": {"test_step"},
    "naive_softmax": {"test_softmax"},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("grading") / ASSIGNMENT)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    for kind in EXPECTED_FAILURES:
        nb = submission(ASSIGNMENT, "reference" if kind in WRONG else kind)
        if kind in WRONG:
            fixture = course / f"{kind}.py"
            fixture.write_text(WRONG[kind])
            apply_fixture(nb, fixture)
        submit(course, kind, ASSIGNMENT, nb)
    run = grade(course, ASSIGNMENT, "--jobs", "1")
    validation = start_validation(
        course, course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", course / "val.json"
    )
    code = run.wait(timeout=1800)
    assert code == 0, (course / f"grade-{ASSIGNMENT}.log").read_text()[-6000:]
    assert validation.wait(timeout=1800) == 0, (course / "val.log").read_text()
    return course


def test_committed_release_is_up_to_date(graded):
    fresh = read_notebook(graded / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    committed = release_notebook(ASSIGNMENT)
    assert [(c.cell_type, c.source, c.metadata) for c in fresh.cells] == [
        (c.cell_type, c.source, c.metadata) for c in committed.cells
    ], "exercises/dense_memory differs from the generated version: regenerate it"


def test_release_is_a_clean_student_version():
    nb = release_notebook(ASSIGNMENT)
    text = "\n".join(cell.source for cell in nb.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert code.count("raise NotImplementedError()") == 7  # one per function to write
    assert all(c.cell_type != "code" or c.outputs == [] for c in nb.cells)
    assert nb.cells[0].metadata.get("tags") == ["remove-cell"]


def test_points_structure_and_spec():
    sys.path.insert(0, str(ROOT))
    from tools.grader.grade import load_spec

    pts = points(ASSIGNMENT)
    assert pts["manual"] == {"written": 3}
    assert sum(pts["auto"].values()) == 12
    assert [p.grade_id for p in load_spec(ASSIGNMENT).parts()] == list(pts["auto"])


def test_source_validates(graded):
    """Every visible test of the instructor version passes under nbgrader's Validator."""
    assert json.loads((graded / "val.json").read_text()) == {}


@pytest.mark.parametrize("kind", sorted(EXPECTED_FAILURES))
def test_exact_scores(graded, kind):
    full = points(ASSIGNMENT)["auto"]
    cells = gradebook_scores(graded, ASSIGNMENT)[kind]["cells"]
    assert set(cells) == set(full)
    failed = {cell for cell, score in cells.items() if score != full[cell]}
    assert failed == EXPECTED_FAILURES[kind], cells
    assert all(cells[c] == 0 for c in failed)
    # reference 12, blank 0, each wrong answer loses exactly its part's 2 points
    assert sum(cells.values()) == 12 - sum(full[c] for c in failed)


def test_written_answer_waits_for_the_instructor(graded):
    for kind, score in gradebook_scores(graded, ASSIGNMENT).items():
        assert score["manual_pending"] == ["written"], kind
