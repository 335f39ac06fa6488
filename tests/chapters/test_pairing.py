"""The chapters are stored twice: ``chapters/*.md`` (MyST Markdown, the source the book
builds from and the file people edit) and ``chapters/*.ipynb`` (the same notebook,
without outputs, for Colab). jupytext pairs them; this test fails when they differ.

Regenerate the notebooks from the Markdown with ``make notebooks``.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))
# jupytext records its own version in the text file; it says nothing about the content.
VOLATILE = ("text_representation",)


def _content(nb) -> dict:
    meta = {k: v for k, v in nb.metadata.items() if k not in ("jupytext", "language_info")}
    jt = {k: v for k, v in nb.metadata.get("jupytext", {}).items() if k not in VOLATILE}
    cells = [(c.cell_type, c.source.strip(), dict(c.metadata)) for c in nb.cells]
    return {"metadata": meta, "jupytext": jt, "cells": cells}


def test_every_chapter_is_paired():
    assert CHAPTERS, "no chapters/*.md found"
    notebooks = sorted((ROOT / "chapters").glob("*.ipynb"))
    assert [p.stem for p in notebooks] == [p.stem for p in CHAPTERS]


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_matches_markdown(md: Path):
    text = jupytext.read(md)
    notebook = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    assert notebook.metadata.get("jupytext", {}).get("formats") == "ipynb,md:myst"
    assert _content(notebook) == _content(text), (
        f"{md.with_suffix('.ipynb').name} differs from {md.name}: run `make notebooks`"
    )


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_has_no_outputs_and_asks_for_a_gpu(md: Path):
    notebook = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{md.stem}: outputs committed"
            )
    # Colab opens the notebook on a GPU runtime; the chapter still runs on a CPU.
    assert notebook.metadata.get("accelerator") == "GPU"
