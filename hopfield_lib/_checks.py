"""Input validation shared by every module: clear errors that name the argument."""

from __future__ import annotations

import torch


def require_tensor(x, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    return x


def require_spins(x, name: str, ndim: int = 2) -> torch.Tensor:
    """Check that ``x`` is a real tensor of shape (rows, N) holding only +1 and -1."""
    require_tensor(x, name)
    if x.dtype == torch.bool or x.is_complex():
        raise TypeError(f"{name} must hold the numbers +1 and -1, got dtype {x.dtype}")
    if x.dim() != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {tuple(x.shape)}")
    if x.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")
    if not bool(((x == 1) | (x == -1)).all()):
        raise ValueError(f"{name} must contain only +1 and -1 (use hl.bits_to_spins for 0/1 data)")
    return x


def require_states(S, N: int, device, name: str = "S") -> torch.Tensor:
    """Check a (B, N) batch of ±1 states for a network of N neurons on ``device``; as int8."""
    require_spins(S, name)
    if S.shape[1] != N:
        raise ValueError(f"{name} has N = {S.shape[1]} neurons per row but the network has N = {N}")
    if S.device != device:
        raise ValueError(f"{name} is on {S.device} but the network is on {device}")
    return S.to(torch.int8)


def require_range(value, name: str, low=None, high=None, *, low_open=False, high_open=False):
    """Check low <= value <= high (or strict where *_open); return value as float."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if v != v:
        raise ValueError(f"{name} must not be NaN")
    lo_bad = low is not None and (v <= low if low_open else v < low)
    hi_bad = high is not None and (v >= high if high_open else v > high)
    if lo_bad or hi_bad:
        lo = "-inf" if low is None else ("(" if low_open else "[") + f"{low}"
        hi = "inf" if high is None else f"{high}" + (")" if high_open else "]")
        lo = lo if lo.startswith(("(", "[")) else "(" + lo
        hi = hi if hi.endswith((")", "]")) else hi + ")"
        raise ValueError(f"{name} must lie in {lo}, {hi}, got {value!r}")
    return v


def require_int(value, name: str, low: int = 0) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int,))
        and not (
            isinstance(value, torch.Tensor) and value.dim() == 0 and not value.is_floating_point()
        )
    ):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if v < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {v}")
    return v


def require_generator(generator, device) -> None:
    """Check that ``generator`` is None or a torch.Generator on the type of ``device``."""
    if generator is None:
        return
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    if generator.device.type != torch.device(device).type:
        raise ValueError(f"generator is on {generator.device} but the network is on {device}")
