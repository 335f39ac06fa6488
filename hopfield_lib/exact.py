"""Exact integer matrix products for ±1 data.

Every product in the engine multiplies small integers (spins, overlaps, Hebbian
sums) by a ±1 matrix, so it can be computed exactly. Three backends give
identical results:

* ``int8``: ``torch._int_mm`` (int8 x int8 -> int32), fast on GPUs;
* ``onednn``: oneDNN's int8 kernels through ``torch.ops.onednn.qlinear_pointwise``
  (uint8 x int8 with exact int32 sums, returned as float32), fast on x86 CPUs,
  even those without VNNI (seen here: about 2.5x float32 on an AVX2-only CPU);
* ``float32``: ordinary float32 products, exact while every partial sum stays
  below 2**24.

The backend is chosen once per device by timing the available ones on a small
product (``HOPFIELD_PRODUCTS=int8|onednn|float32`` forces one). Wide operands
(overlaps up to N) are split into balanced base-256 digits, one int8 product each.
"""

from __future__ import annotations

import os
import time
import warnings

import torch

FLOAT32_EXACT = 2**24  # float32 holds every integer of smaller magnitude
# float32 entries of a ±1 matrix (and of a result block) at once in sparse_times
SLICE_ENTRIES = 2**24
# at most this share of entries beyond one digit: multiply them sparsely
SPARSE_RESIDUAL_SHARE = 1 / 512
MODES = ("int8", "onednn", "float32")
SMALL_ENTRIES = 2**18  # smaller pattern matrices always use float32 (see backend)
ONEDNN_BLOCK_COLUMNS = 8192  # columns per packed block of a oneDNN SpinMatrix
_backend_cache: dict = {}


def _onednn_product(q, packed, scales, zero_points):
    """a @ b for a (m, k) given as q = a + 128 (uint8) and a packed ±1 matrix b (k, n):
    exact int32 sums, returned as float32."""
    return torch.ops.onednn.qlinear_pointwise(
        q, 1.0, 128, packed, scales, zero_points, None, 1.0, 0, torch.float32, "none", [], ""
    )


def _works(mode: str, device: torch.device) -> bool:
    """Whether ``mode`` runs on ``device`` and gives exact results on a small test."""
    if mode == "float32":
        return True
    if mode == "onednn" and (
        device.type != "cpu" or not hasattr(torch.ops.onednn, "qlinear_pointwise")
    ):
        return False
    try:
        g = torch.Generator(device=device).manual_seed(0)
        a = torch.randint(-128, 128, (32, 64), generator=g, device=device, dtype=torch.int8)
        b = torch.randint(0, 2, (64, 40), generator=g, device=device, dtype=torch.int8) * 2 - 1
        got = SpinMatrix(b, mode).times_int8(a)
        return torch.equal(got.double(), a.double() @ b.double())
    except (RuntimeError, AttributeError, NotImplementedError, TypeError):
        return False


def _seconds(fn, device, repeats=3) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def backend(device, entries: int = None) -> str:
    """The fastest exact product backend on ``device``: one of :data:`MODES`.

    For a ±1 matrix of fewer than SMALL_ENTRIES ``entries`` it is float32: there the
    int8 kernels' set-up for each new shape costs more than they save.
    """
    dev = torch.device(device)
    forced = os.environ.get("HOPFIELD_PRODUCTS")
    if forced:
        if forced not in MODES:
            raise ValueError(f"HOPFIELD_PRODUCTS must be one of {MODES}, got {forced!r}")
        if not _works(forced, dev):
            raise ValueError(f"HOPFIELD_PRODUCTS={forced} does not run on {dev}")
        return forced
    if entries is not None and entries < SMALL_ENTRIES:
        return "float32"
    key = str(dev)
    if key not in _backend_cache:
        a = torch.ones(256, 1024, dtype=torch.int8, device=dev)
        b = torch.ones(1024, 256, dtype=torch.int8, device=dev)
        times = {}
        for mode in MODES:
            if _works(mode, dev):
                matrix = SpinMatrix(b, mode)
                times[mode] = _seconds(lambda: matrix.times_int8(a), dev, repeats=2)
        _backend_cache[key] = min(times, key=times.get)
    return _backend_cache[key]


def _int8_shape_ok(m: int, k: int, n: int, device: torch.device) -> bool:
    # CUDA's int8 kernels need m > 16 and k, n multiples of 8.
    return device.type != "cuda" or (m > 16 and k % 8 == 0 and n % 8 == 0)


class SpinMatrix:
    """A ±1 matrix b (k, n), prepared once for exact products ``x @ b`` on one backend.

    ``float_data`` may pass an existing float32 copy of b (or a transposed view of
    one) so that two SpinMatrix objects can share it.
    """

    def __init__(self, b: torch.Tensor, mode: str, float_data=None):
        self.mode, self.shape, self.device = mode, tuple(b.shape), b.device
        self.spins = b  # int8, kept for sparse products
        if mode == "onednn":  # packed in column blocks: faster than one wide block (seen here)
            n = b.shape[1]
            self.width = min(n, ONEDNN_BLOCK_COLUMNS)
            self.data = [
                torch.ops.onednn.qlinear_prepack(b[:, c : c + self.width].t().contiguous(), None)
                for c in range(0, n, self.width)
            ]
            self.scales, self.zero_points = torch.ones(n), torch.zeros(n, dtype=torch.long)
        elif mode == "int8":
            self.data = b.contiguous()
        else:
            self.data = b.float() if float_data is None else float_data

    def times_int8(self, a: torch.Tensor) -> torch.Tensor:
        """Exact a @ b for int8 a (m, k), |a| <= 128: float32 (onednn, float32) or int32 (int8)."""
        m, k = a.shape
        n = self.shape[1]
        if self.mode == "onednn":
            q = a.contiguous().view(torch.uint8) ^ 128  # a + 128: uint8 with zero point 128
            if len(self.data) == 1:
                return _onednn_product(q, self.data[0], self.scales, self.zero_points)
            out = torch.empty((m, n), dtype=torch.float32, device=a.device)
            for i, packed in enumerate(self.data):
                start = i * self.width
                cols = min(self.width, n - start)
                out[:, start : start + cols] = _onednn_product(
                    q, packed, self.scales[:cols], self.zero_points[:cols]
                )
            return out
        if self.mode == "int8":
            if _int8_shape_ok(m, k, n, a.device):
                return torch._int_mm(a.contiguous(), self.data)
            return (a.float() @ self.data.float()).to(torch.int32)
        return a.float() @ self.data


def digits_needed(bound: int) -> int:
    """Balanced base-256 digits (each in [-128, 127]) needed for integers of |x| <= bound."""
    count, reach = 1, 127
    while reach < bound:
        count += 1
        reach = reach * 256 + 127
    return count


def sparse_times(rows, cols, values, m: int, b: torch.Tensor, out=None) -> torch.Tensor:
    """out + X @ b for a sparse X (m, k) given as row-major (rows, cols, values), ±1 int8 b (k, n).

    ``out`` (m, n) float32 is updated in place, or starts at zero when None. float32
    sums, exact while every row of X has Σ|X| < 2**24 and out stays below 2**24.
    Only the rows of b that X uses are converted to float32, a block at a time
    (rows and columns), to bound memory.
    """
    n = b.shape[1]
    if out is None:
        out = torch.zeros((m, n), dtype=torch.float32, device=b.device)
    used, position = torch.unique(cols, return_inverse=True)  # sorted: keeps CSR order
    col_width = max(1, SLICE_ENTRIES // max(m, 1))
    row_width = max(1, SLICE_ENTRIES // min(n, col_width))
    with warnings.catch_warnings():  # sparse CSR support is marked beta in PyTorch
        warnings.simplefilter("ignore", UserWarning)
        for u0 in range(0, used.numel(), row_width):
            inside = (position >= u0) & (position < u0 + row_width)
            crow = torch.zeros(m + 1, dtype=torch.long, device=b.device)
            crow[1:] = torch.bincount(rows[inside], minlength=m).cumsum(0)
            part = b[used[u0 : u0 + row_width]]
            X = torch.sparse_csr_tensor(
                crow, position[inside] - u0, values[inside], size=(m, part.shape[0])
            )
            for c0 in range(0, n, col_width):
                out[:, c0 : c0 + col_width] += torch.sparse.mm(
                    X, part[:, c0 : c0 + col_width].float()
                )
    return out


def split_large(x: torch.Tensor):
    """(x clipped to one int8 digit, rows, cols, residual values) when at most
    SPARSE_RESIDUAL_SHARE of x's entries lie beyond ±127; else None."""
    large = x.abs() > 127
    if int(large.sum()) > SPARSE_RESIDUAL_SHARE * x.numel():
        return None
    clipped = x.clamp(-127, 127)
    rows, cols = large.nonzero(as_tuple=True)
    return clipped, rows, cols, (x[rows, cols] - clipped[rows, cols]).to(torch.float32)


def wide_matmul(x: torch.Tensor, b: SpinMatrix, bound: int = None) -> torch.Tensor:
    """Exact ``x @ b`` for an integer matrix x (m, k) with |x| <= bound and a ±1 SpinMatrix b.

    Returns float32 when every row of x has Σ|x| + k < 2**24 (a certificate that
    bounds every partial sum below), else int64. In float32 mode a certified
    product is a single float32 product. Otherwise x is split into balanced
    base-256 digits x = Σ_d 256^d x_d, one exact int8 product each, combined from the
    top digit down (Horner): every intermediate is (x_(>=d) / 256^d) @ b with
    |x_(>=d) / 256^d| <= |x| + 1/2, exact in float32 under the same certificate.
    """
    k = x.shape[1]
    if bound is None:
        bound = int(x.abs().max()) if x.numel() else 0
    certified = (
        x.numel() == 0 or int(x.abs().sum(dim=1, dtype=torch.int64).max()) + k < FLOAT32_EXACT
    )
    if b.mode == "float32" and certified:
        return x.float() @ b.data
    rest = x.to(torch.int64)
    digits = []
    for _ in range(digits_needed(bound)):
        low = ((rest + 128) & 255) - 128
        rest = (rest - low) >> 8
        digits.append(low.to(torch.int8))
    out_dtype = torch.float32 if certified else torch.int64
    total = None
    for low in reversed(digits):
        part = b.times_int8(low).to(out_dtype)
        total = part if total is None else total.mul_(256).add_(part)
    return total
