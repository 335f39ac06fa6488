"""Every chapter that `make book` executed ran every code cell, without an error or a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, assert_executed_cleanly, executed_notebook

CHAPTERS = sorted(f"chapters/{p.stem}.ipynb" for p in (ROOT / "chapters").glob("*.md"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: Path(p).stem)
def test_no_cell_failed(path):
    assert_executed_cleanly(path)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: Path(p).stem)
def test_every_code_cell_ran(path):
    for cell in executed_notebook(path)["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "code" and "remove-cell" not in tags:
            assert cell.get("execution_count") is not None, f"{path}: a code cell was not executed"
