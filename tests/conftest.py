"""Shared test helpers.

Notebook tests read the notebooks that `make book` executed (Jupyter Book writes
them to _build/jupyter_execute/), so each chapter runs once per test session.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "jupyter_execute"


def executed_notebook(path: str) -> dict:
    """The executed copy of the notebook at ``path`` (relative to the repo root), as JSON."""
    target = EXECUTED / path
    if not target.exists():
        pytest.fail(f"{target} is missing: run `make book` first (make test does)")
    return json.loads(target.read_text())


def assert_executed_cleanly(path: str) -> None:
    """Every code cell of the executed notebook ran without an error or a printed traceback."""
    nb = executed_notebook(path)
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code_cells, f"{path} has no code cells"
    for i, cell in enumerate(code_cells):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", (
                f"{path}, code cell {i}: {out.get('ename')}: {out.get('evalue')}"
            )
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", ""))
                assert "Traceback" not in text, (
                    f"{path}, code cell {i} printed a traceback:\n{text}"
                )


def _decode(out: dict):
    import ast

    data = out.get("data", {})
    text = next((v for k, v in data.items() if k.endswith("text/plain")), None)
    text = "".join(text) if isinstance(text, list) else text
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def glued(path: str) -> dict:
    """Values stored with myst_nb.glue in the executed notebook, decoded from text/plain.

    A Jupyter Book build moves them into ``<notebook>.glue.json`` beside the executed
    copy; a notebook executed by nbconvert keeps them among its cell outputs.
    """
    values = {}
    for cell in executed_notebook(path)["cells"]:
        for out in cell.get("outputs", []):
            key = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if key is not None:
                values[key] = _decode(out)
    store = (EXECUTED / path).with_suffix(".glue.json")
    if store.exists():
        for key, out in json.loads(store.read_text()).items():
            values[key] = _decode(out)
    return values
