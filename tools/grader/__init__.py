"""Sandboxed autograding of the course's nbgrader assignments (see instructor.md).

    python -m tools.grader grade <assignment> [--jobs N] [--student ID ...]
    python -m tools.grader grades

Modules: ``sandbox`` (the bubblewrap command), ``runner`` (runs one submission inside the
sandbox; standard library, numpy, torch and IPython only), ``grade`` (the trusted side:
jobs, verdicts, gradebook, feedback), ``spec`` (the vocabulary of an assignment's spec) and
``specs/<assignment>.py`` (one module per assignment: what to call, how to score).
"""
