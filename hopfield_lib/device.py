"""Choosing the device, seeded generators, timing that waits for the device, memory.

The only device-specific code in the package lives here: every other module runs
the same tensor operations on CUDA, Apple MPS or the CPU. Memory is guarded twice:
work that cannot fit is refused before it starts (:func:`check_fits`), and
whole-batch operations go through their rows in chunks (:func:`row_chunks`).
"""

from __future__ import annotations

import os
import statistics
import time

import torch

_VALID = ("cuda", "mps", "cpu")
CHUNK_ENTRIES = 2**24  # a whole-batch operation works on at most this many entries at once


def get_device(device=None) -> torch.device:
    """Return the device to simulate on.

    Order of precedence: the ``device`` argument, then the ``HOPFIELD_DEVICE``
    environment variable, then the best available of cuda > mps > cpu.
    """
    choice = device if device is not None else os.environ.get("HOPFIELD_DEVICE") or None
    if choice is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(choice)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be one of {_VALID} (or e.g. 'cuda:1'), got {choice!r}"
        ) from None
    if dev.type not in _VALID:
        raise ValueError(f"device must be one of {_VALID}, got {choice!r}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {choice!r} was requested but CUDA is not available here")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {choice!r} was requested but Apple MPS is not available here")
    return dev


def make_generator(seed: int, device=None) -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded with ``seed``: same seed, same results."""
    gen = torch.Generator(device=get_device(device))
    gen.manual_seed(int(seed))
    return gen


def synchronize(device) -> None:
    """Wait until all queued work on ``device`` has finished (no-op on the CPU)."""
    dev = torch.device(device)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    elif dev.type == "mps":
        torch.mps.synchronize()


def timed(fn, *args, device=None, **kwargs):
    """Run ``fn(*args, **kwargs)`` and return ``(result, seconds)``, synchronizing the device."""
    dev = get_device(device)
    synchronize(dev)
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    synchronize(dev)
    return out, time.perf_counter() - start


def time_calls(fn, *args, repeats: int = 1, device=None, **kwargs):
    """Call ``fn(*args, **kwargs)`` ``repeats`` times with :func:`timed`.

    Returns ``(result of the last call, list of wall-clock seconds, one per call)``.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an integer >= 1, got {repeats!r}")
    times, out = [], None
    for _ in range(repeats):
        out, seconds = timed(fn, *args, device=device, **kwargs)
        times.append(seconds)
    return out, times


def median_time(fn, *args, repeats: int = 3, slow: float = float("inf"), device=None, **kwargs):
    """Median wall-clock seconds of ``fn(*args, **kwargs)``, after one warm-up call.

    The warm-up call pays one-time costs (library loading, memory allocation) and is not
    counted, unless it took longer than ``slow`` seconds: a slow call is not repeated and its
    own time is returned. Returns ``(result, seconds)``.
    """
    if not slow > 0:
        raise ValueError(f"slow must be a positive number of seconds, got {slow!r}")
    out, first = timed(fn, *args, device=device, **kwargs)
    if first > slow:
        return out, first
    out, times = time_calls(fn, *args, repeats=repeats, device=device, **kwargs)
    return out, statistics.median(times)


def available_memory(device) -> int:
    """Bytes that a new allocation on ``device`` can count on (an estimate)."""
    dev = torch.device(device)
    if dev.type == "cuda":
        free, _total = torch.cuda.mem_get_info(dev)
        return int(free)
    if dev.type == "mps":
        return int(torch.mps.recommended_max_memory() - torch.mps.current_allocated_memory())
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))


def check_fits(nbytes: float, device, what: str) -> None:
    """Refuse, before any allocation, work whose memory estimate exceeds what ``device`` has."""
    have = available_memory(device)
    if nbytes > have:
        raise ValueError(
            f"{what} needs about {nbytes / 2**30:.2f} GiB on {torch.device(device)}, "
            f"but only {have / 2**30:.2f} GiB is available; use a smaller N or fewer probes"
        )


def row_chunks(rows: int, width: int) -> list:
    """Slices that cut the rows of a (rows, width) array into pieces of at most
    CHUNK_ENTRIES entries, so that an operation's temporaries stay bounded."""
    step = max(1, CHUNK_ENTRIES // max(1, width))
    return [slice(start, start + step) for start in range(0, rows, step)]


def real_dtype(device) -> torch.dtype:
    """float64 where the device supports it, float32 on Apple MPS (which has no float64)."""
    return torch.float32 if torch.device(device).type == "mps" else torch.float64
