"""The vocabulary of an assignment spec (tools/grader/specs/<assignment>.py).

A spec is one module with two names:

    ASSIGNMENT = "recall_bound"          # the nbgrader assignment (solutions/<name>/<name>.ipynb)
    def parts() -> list[Part]: ...       # one Part per autograded test cell

A :class:`Part` says which of the student's functions the sandbox calls, on which inputs
(:class:`Call`, with arguments that are plain values or :class:`Tensor`, :class:`Array`,
:class:`Gen`, :class:`Net`), which engine functions the part must not use (``forbid``),
and how the trusted side scores what came back (``score``). ``score`` receives one
:class:`Outcome` per call, in order, and returns a list of failure messages: the part
earns its points exactly when the list is empty. It runs in the trusted process only, so
it may compute references with numpy, scipy, mpmath or the engine; it never sees the
student's code, only numbers and arrays. Raise :class:`Wrong` anywhere in ``score`` to
fail the part with a message (the helpers below do that for unreadable results).

Everything a spec module contains stays outside the sandbox: the student's process
receives the inputs and the names of the functions to call, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


class Wrong(Exception):
    """A result that fails a check; its message goes into the student's feedback."""


# ------------------------------------------------------------ call arguments
@dataclass(frozen=True)
class Tensor:
    """A numpy array handed to the student's function as a torch tensor (same dtype)."""

    value: np.ndarray


@dataclass(frozen=True)
class Array:
    """A numpy array handed to the student's function as a numpy array."""

    value: np.ndarray


@dataclass(frozen=True)
class Gen:
    """A CPU ``torch.Generator`` seeded with ``seed`` (``hl.make_generator(seed, "cpu")``);
    the arguments of one part with the same ``name`` share one generator, so calls in a
    row draw successive numbers from it."""

    name: str
    seed: int


@dataclass(frozen=True)
class Net:
    """``hl.Hopfield(torch.from_numpy(patterns), self_coupling=self_coupling)``."""

    patterns: np.ndarray
    self_coupling: float = 0.0


@dataclass
class Call:
    """``function(*args, **kwargs)``, ``repeat`` times in a row (each result kept)."""

    function: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    repeat: int = 1


@dataclass
class Part:
    """One autograded test cell (``grade_id``) of the assignment."""

    grade_id: str
    calls: list
    score: Callable[[list], list]
    forbid: tuple = ()  # dotted names of engine functions or modules, e.g. "hopfield_lib.theory"
    time_limit_s: float = 60.0
    description: str = ""


# ------------------------------------------------------------------- results
@dataclass
class Outcome:
    """What one :class:`Call` returned: ``values`` (one per repetition) or an ``error``."""

    function: str
    values: list = field(default_factory=list)
    error: str | None = None

    def value(self, index: int = 0) -> Any:
        if self.error is not None:
            raise Wrong(f"{self.function} raised {self.error}")
        if index >= len(self.values):
            raise Wrong(f"{self.function} returned nothing")
        return self.values[index]


def number(x, what: str) -> float:
    """A real number from a result (a float, an int, or an array of one element)."""
    if isinstance(x, bool) or x is None:
        raise Wrong(f"{what} must be a number, got {type(x).__name__}")
    if isinstance(x, (int, float)):
        return float(x)
    if isinstance(x, np.ndarray) and x.size == 1 and x.dtype.kind in "biuf":
        return float(x.reshape(()))
    raise Wrong(f"{what} must be a number, got {_describe(x)}")


def array(x, what: str, shape=None, kind="biuf") -> np.ndarray:
    """A numeric array from a result, optionally of a given shape."""
    if isinstance(x, (int, float)) and not isinstance(x, bool) and shape in (None, ()):
        x = np.asarray(x, dtype=float)
    if not isinstance(x, np.ndarray) or x.dtype.kind not in kind:
        raise Wrong(f"{what} must be an array (tensor) of numbers, got {_describe(x)}")
    if shape is not None and tuple(x.shape) != tuple(shape):
        raise Wrong(f"{what} must have shape {tuple(shape)}, got {tuple(x.shape)}")
    return x


def integers(x, what: str, shape=None) -> np.ndarray:
    """Integer-valued counts, in any numeric dtype (2.0 is accepted as 2)."""
    a = array(x, what, shape)
    if not np.all(np.isfinite(a)) or not np.array_equal(a, np.round(a)):
        raise Wrong(f"{what} must be whole numbers")
    return np.round(a).astype(np.int64)


def spins(x, what: str, shape=None) -> np.ndarray:
    """States of ±1 in any numeric dtype, as int64."""
    a = array(x, what, shape)
    if not np.all((a == 1) | (a == -1)):
        raise Wrong(f"{what} must hold only +1 and -1")
    return a.astype(np.int64)


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    if isinstance(x, dict) and "__unsupported__" in x:
        return f"an object of type {x['__unsupported__']}"
    return type(x).__name__
