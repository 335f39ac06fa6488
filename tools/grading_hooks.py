"""nbgrader extensions of the Hopfield course, loaded by nbgrader_config.py.

HideHiddenTests is the feedback preprocessor that keeps hidden tests hidden:
nbgrader's feedback shows every test cell as it was autograded, hidden tests
included, and a failing hidden assertion prints the lines around it in its
traceback. This preprocessor removes the hidden regions from the cell source
(like nbgrader's ClearHiddenTests) and scrubs the tracebacks: a frame that
fails in hidden code becomes a short note, and context lines that quote hidden
code are dropped. The error type and message stay: the hidden tests word their
messages so that they help without giving the test away.
"""

from __future__ import annotations

import os
import re

import nbgrader
from nbgrader.preprocessors import ClearHiddenTests
from traitlets import List

NBGRADER_TEMPLATES = os.path.join(
    os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates"
)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ARROW = re.compile(r"\s*-+>")  # IPython's mark of the failing line: "---> 12 assert ..."
HIDDEN_FRAME_NOTE = "(a hidden test failed here: its code is not shown)"
# Lines shorter than this (`else:`, `)`) say nothing about a test and appear everywhere.
MIN_SECRET_LENGTH = 8


def hidden_lines(
    source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS"
) -> set:
    """The stripped lines inside the hidden regions of ``source``."""
    lines, inside = set(), False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.add(line.strip())
    return lines


def scrub_traceback(traceback: list, secrets: set, markers=()) -> list:
    """Remove hidden code from a traceback (a list of frames, each a string of lines).

    A frame whose failing line (IPython marks it with an arrow) is hidden code becomes a
    short note; in the other frames, the context lines that quote hidden code or the
    hidden-test delimiters are dropped. ANSI colour codes are ignored when matching.
    """
    out = []
    for entry in traceback:
        kept, dropped, arrow_hidden = [], False, False
        for line in entry.split("\n"):
            plain = _ANSI.sub("", line)
            if any(s in plain for s in secrets) or any(m in plain for m in markers):
                dropped = True
                arrow_hidden = arrow_hidden or bool(_ARROW.match(plain))
            else:
                kept.append(line)
        out.append(HIDDEN_FRAME_NOTE if arrow_hidden else "\n".join(kept) if dropped else entry)
    return out


class HideHiddenTests(ClearHiddenTests):
    """ClearHiddenTests for feedback: also scrub hidden code out of the outputs."""

    # nbconvert's HTML exporter configures this for every preprocessor; declaring it
    # configurable here silences traitlets' "not recognized" warning.
    display_data_priority = List(ClearHiddenTests.display_data_priority.default_value).tag(
        config=True
    )

    def preprocess_cell(self, cell, resources, cell_index):
        secret = hidden_lines(cell.source, self.begin_test_delimeter, self.end_test_delimeter)
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if secret and cell.cell_type == "code":
            visible = {line.strip() for line in cell.source.splitlines()}
            secret = {s for s in secret if len(s) >= MIN_SECRET_LENGTH and s not in visible}
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    markers = (self.begin_test_delimeter, self.end_test_delimeter)
                    out["traceback"] = scrub_traceback(out.get("traceback", []), secret, markers)
                elif out.get("output_type") == "stream":
                    text = out.get("text", "")
                    text = "".join(text) if isinstance(text, list) else text
                    if any(s in text for s in secret):
                        out["text"] = HIDDEN_FRAME_NOTE + "\n"
        return cell, resources
