"""What every chapter does first: device and CPU threads, figure style, glue, progress bars.

A chapter starts with ``device = hl.notebook.setup()``. The same call works in Colab,
Jupyter and the book build, so the chapters' first cells stay identical.

- Figures are drawn as SVG (sharp on any screen) with text no smaller than 9 pt.
- On a CPU, small simulations run on one thread: extra threads gain little at the
  chapters' sizes, and on a shared machine they mostly wait for each other.
- ``glue`` stores a value for the book's text (``{glue:text}``) when the book is built,
  and does nothing elsewhere (Colab has no myst-nb).
- ``progress`` is a tqdm progress bar in Colab and Jupyter; the book build sets
  ``HOPFIELD_BOOK_BUILD=1`` and the bars stay out of the static pages.
"""

import os

import matplotlib as mpl
import torch
from tqdm.auto import tqdm

from .device import get_device

#: Font sizes in points; at the book's figure widths 9 pt is at least 9 px on the page.
BOOK_FONT_SIZES = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 11,
}


def in_book_build() -> bool:
    """True while Jupyter Book executes the notebook (``make book`` sets the variable)."""
    return os.environ.get("HOPFIELD_BOOK_BUILD") == "1"


def book_style() -> None:
    """Draw inline figures as SVG with the book's font sizes."""
    mpl.rcParams.update(BOOK_FONT_SIZES)
    mpl.rcParams["svg.fonttype"] = "path"  # text as outlines: no font needed to view it
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # outside IPython there is no inline backend to configure
        return
    set_matplotlib_formats("svg")


def setup(device=None, cpu_threads: int = 1) -> torch.device:
    """Choose the device (see ``get_device``), limit CPU threads, set the figure style.

    ``cpu_threads`` applies only when the device is the CPU. Returns the device.
    """
    device = get_device(device)
    if device.type == "cpu":
        torch.set_num_threads(cpu_threads)
    book_style()
    return device


def glue(name: str, value, display: bool = True):
    """myst-nb's ``glue`` during a book build; elsewhere nothing is stored or shown."""
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return None
    return myst_glue(name, value, display=display)


def progress(iterable, **kwargs):
    """A tqdm progress bar over ``iterable``, silent while the book is built."""
    return tqdm(iterable, disable=in_book_build(), **kwargs)
