"""Exact integer matrix products for ±1 data.

Every product in the engine multiplies small integers (spins, overlaps, Hebbian
sums), so it can be computed exactly. Two backends give identical results:

* ``int8``: ``torch._int_mm`` (int8 x int8 -> int32), fast on GPUs and on CPUs with
  VNNI/AMX instructions;
* ``float32``: ordinary float32 products, exact while every partial sum stays
  below 2**24.

The backend is chosen once per device by timing both on a small product
(``HOPFIELD_PRODUCTS=int8|float32`` forces one). Wide operands (overlaps up to N)
are split into balanced base-256 digits so that each partial product stays exact.
"""
from __future__ import annotations

import os
import time

import torch

FLOAT32_EXACT = 2**24  # float32 holds every integer of smaller magnitude
_backend_cache: dict = {}


def _int8_works(device: torch.device) -> bool:
    try:
        a = torch.ones(32, 64, dtype=torch.int8, device=device)
        b = torch.ones(64, 32, dtype=torch.int8, device=device)
        return int(torch._int_mm(a, b)[0, 0]) == 64
    except (RuntimeError, AttributeError, NotImplementedError):
        return False


def _seconds(fn, repeats=3) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if torch.device(fn.device).type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def backend(device) -> str:
    """'int8' or 'float32': the faster exact product backend on ``device``."""
    dev = torch.device(device)
    forced = os.environ.get("HOPFIELD_PRODUCTS")
    if forced:
        if forced not in ("int8", "float32"):
            raise ValueError(f"HOPFIELD_PRODUCTS must be 'int8' or 'float32', got {forced!r}")
        if forced == "int8" and not _int8_works(dev):
            raise ValueError(f"HOPFIELD_PRODUCTS=int8 but torch._int_mm does not run on {dev}")
        return forced
    key = str(dev)
    if key not in _backend_cache:
        choice = "float32"
        if _int8_works(dev):
            a = torch.ones(256, 1024, dtype=torch.int8, device=dev)
            b = torch.ones(1024, 256, dtype=torch.int8, device=dev)
            af, bf = a.float(), b.float()

            def run_int8():
                torch._int_mm(a, b)

            def run_f32():
                af @ bf

            run_int8.device = run_f32.device = dev
            if _seconds(run_int8) < _seconds(run_f32):
                choice = "int8"
        _backend_cache[key] = choice
    return _backend_cache[key]


def _int8_shape_ok(m: int, k: int, n: int, device: torch.device) -> bool:
    # CUDA's int8 kernels need m > 16 and k, n multiples of 8.
    return device.type != "cuda" or (m > 16 and k % 8 == 0 and n % 8 == 0)


def spin_matmul(a: torch.Tensor, b: torch.Tensor, mode: str) -> torch.Tensor:
    """Exact ``a @ b`` for int8 matrices with |entries| <= 128 and k < 2**16; int32 result."""
    m, k = a.shape
    n = b.shape[1]
    if mode == "int8" and _int8_shape_ok(m, k, n, a.device):
        return torch._int_mm(a, b)
    return (a.float() @ b.float()).to(torch.int32)


def digits_needed(bound: int) -> int:
    """Balanced base-256 digits (each in [-128, 127]) needed for integers of |x| <= bound."""
    count, reach = 1, 127
    while reach < bound:
        count += 1
        reach = reach * 256 + 127
    return count


def wide_matmul(x: torch.Tensor, b: torch.Tensor, bound: int, mode: str, b_float=None) -> torch.Tensor:
    """Exact ``x @ b`` for an integer matrix x with |x| <= bound and a ±1 int8 matrix b.

    The result holds exact integers: float32 when float32 mode can certify it with
    a single product (every row of x has Σ|x| < 2**24, which bounds every partial
    sum), else int32, or int64 when it could pass int32. Otherwise x is split into
    base-256 digits, one exact product each.
    """
    k = x.shape[1]
    out_dtype = torch.int64 if bound * k >= 2**31 else torch.int32
    if mode == "float32":
        bf = b.float() if b_float is None else b_float
        if int(x.abs().sum(dim=1).max()) < FLOAT32_EXACT:
            return x.float() @ bf
    digits = digits_needed(bound)
    rest = x.to(torch.int64) if out_dtype == torch.int64 else x.to(torch.int32)
    total = None
    for d in range(digits):
        low = ((rest + 128) & 255) - 128
        rest = (rest - low) >> 8
        if mode == "float32":
            part = (low.float() @ (b.float() if b_float is None else b_float)).to(out_dtype)
        else:
            part = spin_matmul(low.to(torch.int8), b, mode).to(out_dtype)
        part = part << (8 * d) if d else part
        total = part if total is None else total + part
    return total
