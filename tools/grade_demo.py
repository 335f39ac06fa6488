"""Grade a demonstration class, to see the grading cycle and its feedback pages.

    python tools/grade_demo.py [exercise ...]      (from the repository root)

For each exercise (default: all three) it submits, under grading/submitted/demo-<kind>/,
the instructor's solution, the untouched student version and the submissions of
tests/grading/fixtures/<exercise>/ (except the endless loop, which only makes the
demonstration slow), grades them with the sandboxed grader (what `make grade` runs),
which writes the gradebook and the feedback, and exports the grades. Open
grading/feedback/demo-*/<exercise>/<exercise>.html to read the feedback. Remove the
demonstration with `rm -r grading/submitted/demo-* grading/autograded/demo-*
grading/feedback/demo-*` (its grades stay in grading/gradebook.db unless you remove
the student with `nbgrader db student remove demo-<kind>`).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests" / "grading"):
    sys.path.insert(0, str(path))

from grading_course import ASSIGNMENTS, FIXTURES, submission, submit  # noqa: E402

from tools.grader import grade  # noqa: E402

SLOW = {"infinite_loop"}


def main(exercises) -> None:
    for exercise in exercises:
        if exercise not in ASSIGNMENTS:
            raise SystemExit(f"unknown exercise {exercise!r}: choose from {', '.join(ASSIGNMENTS)}")
    for exercise in exercises:
        kinds = ["reference", "blank"] + sorted(
            p.stem for p in (FIXTURES / exercise).glob("*.py") if p.stem not in SLOW
        )
        for kind in kinds:
            submit(ROOT, f"demo-{kind}", exercise, submission(exercise, kind))
        print(f"{exercise}: grading {len(kinds)} demonstration students ...", flush=True)
        grade.grade(exercise, ROOT, students=[f"demo-{kind}" for kind in kinds])
    print(f"grades of every student: {grade.export(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(ASSIGNMENTS))
