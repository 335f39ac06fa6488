"""Patterns and probes: random ±1 memories, corrupted probes, the digit glyphs.

Convention: a pattern or a state is a row of N spins, each +1 or -1, stored as
int8 (exact and compact). Batches are (rows, N).
"""

from __future__ import annotations

from importlib import resources

import torch

from ._checks import require_int, require_range, require_spins, require_tensor
from .device import get_device

SPIN_DTYPE = torch.int8


def random_patterns(p, N, *, generator=None, device=None) -> torch.Tensor:
    """``p`` independent random patterns of ``N`` unbiased ±1 spins, shape (p, N), int8."""
    p = require_int(p, "p", 1)
    N = require_int(N, "N", 1)
    dev = generator.device if generator is not None and device is None else get_device(device)
    bits = torch.randint(0, 2, (p, N), generator=generator, device=dev, dtype=SPIN_DTYPE)
    return bits * 2 - 1


def flips_for_overlap(N: int, m0: float) -> int:
    """Number of flipped spins, round(N(1 - m0)/2), that puts a probe at overlap m0."""
    return int(round(N * (1.0 - m0) / 2.0))


def corrupt(patterns, m0, *, generator=None) -> torch.Tensor:
    """Copy of ``patterns`` with exactly round(N(1 - m0)/2) spins flipped in every row.

    The flipped positions are chosen uniformly at random and independently per
    row, so each returned row has overlap (1/N) Σ_i ξ_i S_i = 1 - 2·flips/N ≈ m0
    with its source row.
    """
    require_spins(patterns, "patterns")
    m0 = require_range(m0, "m0", -1.0, 1.0)
    rows, N = patterns.shape
    flips = flips_for_overlap(N, m0)
    out = patterns.clone()
    if flips == 0:
        return out
    chunk = max(1, 2**22 // N)  # rows at a time: bounds the random keys' memory
    for start in range(0, rows, chunk):
        part = out[start : start + chunk]
        keys = torch.rand(part.shape, generator=generator, device=patterns.device)
        idx = keys.topk(flips, dim=1, largest=False, sorted=False).indices
        part.scatter_(1, idx, -part.gather(1, idx))
    return out


def bits_to_spins(bits) -> torch.Tensor:
    """Map {0, 1} bits to {-1, +1} spins (0 -> -1, 1 -> +1), int8."""
    require_tensor(bits, "bits")
    if not bool(((bits == 0) | (bits == 1)).all()):
        raise ValueError("bits must contain only 0 and 1")
    return bits.to(SPIN_DTYPE) * 2 - 1


def spins_to_bits(spins) -> torch.Tensor:
    """Map {-1, +1} spins to {0, 1} bits (-1 -> 0, +1 -> 1), int8."""
    require_tensor(spins, "spins")
    if not bool(((spins == 1) | (spins == -1)).all()):
        raise ValueError("spins must contain only +1 and -1")
    return ((spins.to(SPIN_DTYPE) + 1) // 2).to(SPIN_DTYPE)


DIGIT_SHAPE = (10, 9)


def digits(device=None) -> torch.Tensor:
    """The ten 10x9 digit glyphs 0..9 as a (10, 90) int8 tensor of ±1 (+1 = ink), rows row-major."""
    text = resources.files("hopfield_lib").joinpath("data/digits.txt").read_text()
    glyphs, rows = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") and not set(line) <= {"#", "."}:
            continue
        if line.startswith("digit"):
            continue
        rows.append([1 if c == "#" else -1 for c in line])
        if len(rows) == DIGIT_SHAPE[0]:
            glyphs.append(sum(rows, []))
            rows = []
    return torch.tensor(glyphs, dtype=SPIN_DTYPE, device=get_device(device))
