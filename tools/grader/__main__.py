"""Command line: `python -m tools.grader grade <assignment>` and `... grades`."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from . import grade, sandbox


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.grader", description=__doc__)
    parser.add_argument(
        "--root",
        type=Path,
        default=Path.cwd(),
        help="the course folder, holding nbgrader_config.py (default: here)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade every submission of one assignment")
    one.add_argument("assignment")
    one.add_argument("--jobs", type=int, default=None, help="parallel sandboxes (default: cores)")
    one.add_argument("--student", action="append", help="only this student (repeatable)")
    one.add_argument("--no-feedback", action="store_true", help="skip the feedback pages")
    one.add_argument("--no-progress", action="store_true", help="no progress bar")
    commands.add_parser("grades", help="export every grade to grading/grades.csv")
    args = parser.parse_args(argv)
    # SQLAlchemy 2.1 warns about nbgrader's own gradebook code (harmless; FINDINGS.md)
    warnings.filterwarnings("ignore", message=".*not in session.*")
    try:
        if args.command == "grade":
            grade.grade(
                args.assignment,
                args.root,
                jobs=args.jobs,
                students=args.student,
                feedback=not args.no_feedback,
                progress=not args.no_progress,
            )
        else:
            print(f"grades written to {grade.export(args.root)}")
    except sandbox.NoSandbox as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
