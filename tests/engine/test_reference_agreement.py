"""The engine's synchronous recall equals two independent references, spin for spin.

References (benchmarks/reference.py): the paper's dense algorithm in exact
scaled-integer float32 form, and a plain NumPy float64 version. Sizes are powers
of two (the NumPy field is then exact) and include even p (zero fields occur and
must keep the current state) and λ = 1 (zero fields occur for any p).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

import hopfield_lib as hl

_REF = Path(__file__).resolve().parents[2] / "benchmarks" / "reference.py"
_spec = importlib.util.spec_from_file_location("benchmarks_reference", _REF)
reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Small products gain nothing from threads; on a busy 2-core machine threads wait."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _inputs(N, p, m0, seed):
    gen = hl.make_generator(seed, "cpu")
    xi = hl.random_patterns(p, N, generator=gen, device="cpu")
    return xi, hl.corrupt(xi, m0, generator=gen)


def _full_trajectory(traj, max_steps):
    """Pad a reference trajectory that stopped early (nothing changed) to max_steps + 1 states."""
    traj = np.asarray(traj)
    if traj.shape[0] < max_steps + 1:
        pad = np.repeat(traj[-1:], max_steps + 1 - traj.shape[0], axis=0)
        traj = np.concatenate([traj, pad])
    return traj


def _expected_flags(traj):
    """fixed, cycle2, converged_step per probe from a full trajectory (T+1, B, N)."""
    same = (traj[1:] == traj[:-1]).all(axis=2)  # (T, B): S(t+1) == S(t)
    back = (traj[2:] == traj[:-2]).all(axis=2)  # (T-1, B): S(t+1) == S(t-1), t >= 1
    T, B = same.shape
    if T == 0:
        return np.zeros(B, bool), np.zeros(B, bool), np.full(B, -1)
    conv = np.where(same.any(0), same.argmax(0), -1)
    fixed = conv >= 0
    cycle2 = ~fixed & back.any(0) if T >= 2 else np.zeros(B, bool)
    return fixed, cycle2, conv


CASES = [
    # N, p, m0, λ, seed       (p even: zero fields at λ = 0; λ = 1: zero fields at any p)
    (64, 8, 0.6, 0.0, 0),
    (64, 9, 0.5, 1.0, 1),
    (128, 16, 0.5, 0.0, 2),
    (128, 15, 0.6, 0.0, 3),
    (256, 30, 0.6, 0.0, 4),
    (256, 31, 0.7, 1.0, 5),
    (256, 36, 0.5, 0.0, 6),
    (512, 61, 0.8, 0.0, 7),
    (512, 62, 0.6, 1.0, 8),
]


@pytest.mark.parametrize("N,p,m0,lam,seed", CASES)
def test_final_states_and_flags_match_references(N, p, m0, lam, seed):
    xi, probes = _inputs(N, p, m0, seed)
    max_steps = 40
    dense, d_steps, traj = reference.dense_paper(xi, probes, max_steps, lam, trajectory=True)
    npy, n_steps = reference.numpy_course_notes(xi.numpy(), probes.numpy(), max_steps, lam)
    assert d_steps == n_steps
    assert np.array_equal(dense.numpy(), npy), "the two references disagree"

    res = hl.run(hl.Hopfield(xi, self_coupling=lam), probes, rule="sync", max_steps=max_steps)
    got = res.state.cpu().numpy()
    diff = (got != dense.numpy()).any(1)
    assert not diff.any(), f"{int(diff.sum())} of {p} probes differ from the dense reference"

    full = _full_trajectory(traj.numpy(), max_steps)
    fixed, cycle2, conv = _expected_flags(full)
    assert np.array_equal(res.fixed.cpu().numpy(), fixed)
    assert np.array_equal(res.cycle2.cpu().numpy(), cycle2)
    assert np.array_equal(res.converged_step.cpu().numpy(), conv)

    lib_ref = getattr(getattr(hl, "reference", None), "dense_sync_run", None)
    if lib_ref is not None:  # the library's own teaching copy of the dense algorithm agrees too
        lib_states, lib_steps = lib_ref(xi, probes, max_steps, lam)
        assert lib_steps == d_steps
        assert torch.equal(lib_states, dense)


def test_zero_fields_occur_in_the_cases():
    """The cases above really exercise the zero-field rule, at λ = 0 and at λ = 1."""
    found = set()
    for N, p, m0, lam, seed in CASES:
        if lam in found:
            continue
        xi, probes = _inputs(N, p, m0, seed)
        C = xi.float().T @ xi.float()
        C.fill_diagonal_(lam * p)
        _, _, traj = reference.dense_paper(xi, probes, 40, lam, trajectory=True)
        if bool((traj[:-1].float() @ C == 0).any()):  # C is symmetric: rows of S @ C are N·h
            found.add(lam)
    assert found == {0.0, 1.0}


TWO_CYCLES = dict(N=128, p=32, m0=0.6, seed=11)  # α = 0.25: about 11 of 32 probes reach 2-cycles


@pytest.mark.parametrize("max_steps", [0, 1, 2, 3, 5, 8, 9, 13, 14, 30, 31])
def test_state_after_exactly_max_steps(max_steps):
    """Result.state is the state after max_steps steps, also for probes stopped on a 2-cycle."""
    N, p, lam = TWO_CYCLES["N"], TWO_CYCLES["p"], 0.0
    xi, probes = _inputs(N, p, TWO_CYCLES["m0"], TWO_CYCLES["seed"])
    _, _, traj = reference.dense_paper(xi, probes, max_steps, lam, trajectory=True)
    full = _full_trajectory(traj.numpy(), max_steps)
    res = hl.run(hl.Hopfield(xi, self_coupling=lam), probes, rule="sync", max_steps=max_steps)
    assert np.array_equal(res.state.cpu().numpy(), full[max_steps])
    fixed, cycle2, conv = _expected_flags(full)
    assert np.array_equal(res.fixed.cpu().numpy(), fixed)
    assert np.array_equal(res.cycle2.cpu().numpy(), cycle2)
    assert np.array_equal(res.converged_step.cpu().numpy(), conv)


def test_two_cycles_occur():
    """The max_steps test above really contains probes on 2-cycles (found after 8, 13, 30 steps)."""
    xi, probes = _inputs(TWO_CYCLES["N"], TWO_CYCLES["p"], TWO_CYCLES["m0"], TWO_CYCLES["seed"])
    _, _, traj = reference.dense_paper(xi, probes, 30, 0.0, trajectory=True)
    full = _full_trajectory(traj.numpy(), 30)
    for steps in (8, 13, 30):
        _, cycle2, _ = _expected_flags(full[: steps + 1])
        assert cycle2.sum() >= 2


def test_dense_reference_refuses_inexact_sizes():
    """N·p = 1.8e7 > 2^24: float32 fields might be rounded, so the reference refuses first."""
    with pytest.raises(ValueError, match="2\\^24"):
        reference.dense_paper(
            torch.ones(3000, 6000, dtype=torch.int8), torch.ones(1, 6000, dtype=torch.int8)
        )
