"""Local Sphinx extension of the Hopfield course book (listed in _config.yml).

- Loads ``static/hopfield-site.css`` and ``static/hopfield-nav.js`` on every page: working
  sidebar buttons at every width, one search box, display equations that scroll instead of
  being cut off (see the comments in those files for the reasons).
- On a page whose notebook was not executed (the student exercises: they raise
  ``NotImplementedError`` by design), a figure caption under a code cell describes a figure
  that is not there. Captions follow the course's convention, a paragraph in italics right
  after the code cell; on such pages they are replaced by a short note that the figure
  appears when the notebook runs.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes

STATIC = Path(__file__).resolve().parent / "static"
NOTE = "(The figure appears here when you run the notebook.)"


def _add_static_path(app, config) -> None:
    config.html_static_path.append(str(STATIC))


def _is_code_cell(node) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element") == "cell_code"


def _has_output(cell) -> bool:
    return any(child.get("nb_element") == "cell_code_output" for child in cell.children
               if isinstance(child, nodes.Element))


def _is_caption(node) -> bool:
    """A paragraph that is one emphasised run of text: the chapters' caption convention."""
    return (isinstance(node, nodes.paragraph) and len(node.children) == 1
            and isinstance(node.children[0], nodes.emphasis))


def hide_captions_of_missing_figures(app, doctree, docname) -> None:
    cells = [n for n in doctree.findall(nodes.container) if _is_code_cell(n)]
    if not cells or any(_has_output(cell) for cell in cells):
        return  # an executed page: its figures are there
    for cell in cells:
        parent = cell.parent
        index = parent.index(cell)
        if index + 1 < len(parent.children) and _is_caption(parent.children[index + 1]):
            note = nodes.paragraph("", "", nodes.emphasis(NOTE, NOTE), classes=["figure-to-come"])
            parent.children[index + 1].replace_self(note)


def setup(app):
    app.connect("config-inited", _add_static_path)
    app.add_css_file("hopfield-site.css")
    app.add_js_file("hopfield-nav.js", loading_method="defer")
    app.connect("doctree-resolved", hide_captions_of_missing_figures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
