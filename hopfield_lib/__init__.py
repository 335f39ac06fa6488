"""hopfield_lib: a small PyTorch engine for Hopfield networks and the 2D Ising model.

Runs unchanged on CUDA, Apple MPS and the CPU. Conventions (stated once, used
everywhere): spins ±1; patterns ξ (p, N); α = p/N; J = (1/N) Σ_μ ξ^μ ξ^μᵀ with
J_ii = λα; h_i = Σ_j J_ij S_j; E = -½ Σ_ij J_ij S_i S_j; m = (1/N) Σ_i ξ_i S_i;
at T = 0 S_i takes the sign of h_i, and a zero field keeps the current state; at
T > 0 Glauber P(S_i = +1) = ½[1 + tanh(h_i^off/T)] with the off-diagonal field
h_i^off = h_i - λα S_i and k_B = 1. States are batches (B, N), one probe per row.
"""

from . import dense, ising, reference, theory
from .dense import DenseHopfield, ModernHopfield
from .device import get_device, make_generator, median_time, synchronize, time_calls, timed
from .dynamics import RULES, Result, run, update_neurons
from .network import Hopfield
from .observables import converged_fraction, hamming, overlap, overlap_histogram
from .patterns import DIGIT_SHAPE, bits_to_spins, corrupt, digits, random_patterns, spins_to_bits

__version__ = "0.1.0"

__all__ = [
    "DIGIT_SHAPE",
    "DenseHopfield",
    "Hopfield",
    "ModernHopfield",
    "RULES",
    "Result",
    "bits_to_spins",
    "converged_fraction",
    "corrupt",
    "dense",
    "digits",
    "get_device",
    "hamming",
    "ising",
    "make_generator",
    "median_time",
    "overlap",
    "overlap_histogram",
    "random_patterns",
    "reference",
    "run",
    "spins_to_bits",
    "synchronize",
    "theory",
    "time_calls",
    "timed",
    "update_neurons",
]
