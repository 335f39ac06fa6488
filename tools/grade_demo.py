"""Grade a demonstration class, to see the nbgrader cycle and its feedback pages.

    python tools/grade_demo.py [exercise ...]      (from the repository root)

For each exercise (default: all three) it submits, under grading/submitted/demo-<kind>/,
the instructor's solution, the untouched student version and the wrong answers of
tests/grading/fixtures/<exercise>/ (except the endless loop and the memory hog, which only make
the demonstration slow), then runs `nbgrader autograde`, `generate_feedback` and
`export` with the course's nbgrader_config.py, and prints the points of every student.
Open grading/feedback/demo-*/<exercise>/<exercise>.html to read the feedback. Remove the
demonstration with `rm -r grading/submitted/demo-* grading/autograded/demo-*
grading/feedback/demo-*` (its grades stay in grading/gradebook.db unless you remove
the student with `nbgrader db student remove demo-<kind>`).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "grading"))

from grading_course import (
    ASSIGNMENTS,
    FIXTURES,
    gradebook_scores,
    nbgrader,
    points,  # noqa: E402
    submission,
    submit,
)

SLOW = {"infinite_loop", "memory_hog"}


def main(exercises) -> None:
    for exercise in exercises:
        if exercise not in ASSIGNMENTS:
            raise SystemExit(f"unknown exercise {exercise!r}: choose from {', '.join(ASSIGNMENTS)}")
    for exercise in exercises:
        kinds = ["reference", "blank"] + sorted(
            p.stem for p in (FIXTURES / exercise).glob("*.py") if p.stem not in SLOW
        )
        nbgrader(ROOT, "generate_assignment", exercise, "--force")  # registers it in the gradebook
        for kind in kinds:
            submit(ROOT, f"demo-{kind}", exercise, submission(exercise, kind))
        print(f"{exercise}: grading {len(kinds)} demonstration students ...", flush=True)
        for step in (
            ["autograde", exercise, "--force", "--student", "demo-*"],
            ["generate_feedback", exercise, "--force", "--student", "demo-*"],
        ):
            nbgrader(ROOT, *step, timeout=3600)
        full = sum(points(exercise)["auto"].values())
        for student, score in sorted(gradebook_scores(ROOT, exercise).items()):
            if student.startswith("demo-"):
                print(
                    f"  {student:32s} {score['auto']:5.1f} / {full} autograded points   "
                    f"grading/feedback/{student}/{exercise}/{exercise}.html"
                )
    nbgrader(ROOT, "export", "--to", "grading/grades.csv")
    print("grades of every student: grading/grades.csv")


if __name__ == "__main__":
    main(sys.argv[1:] or list(ASSIGNMENTS))
