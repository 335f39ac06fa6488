"""Engine correctness: every fast path against a plain reference on random inputs."""

import math

import pytest
import torch

import hopfield_lib as hl
from hopfield_lib import _sweeps, _sync, exact


def setup(N, p, m0=0.8, seed=0, self_coupling=0.0):
    g = hl.make_generator(seed)
    xi = hl.random_patterns(p, N, generator=g)
    return g, xi, hl.Hopfield(xi, self_coupling=self_coupling), hl.corrupt(xi, m0, generator=g)


def scaled_dense_field(xi, S, lam):
    """N·h from the explicit integer coupling matrix N·J (diagonal λp), in float64."""
    x = xi.double()
    NJ = x.t() @ x
    NJ.fill_diagonal_(lam * xi.shape[0])
    return S.double() @ NJ


def sequential_reference(xi, S0, lam, group, sweeps, T, seed):
    """Neuron-group-by-group sweeps with the dense J, drawing random numbers like the engine.

    At T = 0 the sign of the full field (J_ii = λα included); at T > 0 the heat bath on
    the off-diagonal field, J_ii = 0."""
    g = hl.make_generator(seed)
    N = xi.shape[1]
    x = xi.double()
    NJ = x.t() @ x
    NJ.fill_diagonal_(lam * xi.shape[0] if T == 0 else 0.0)
    S = S0.double().clone()
    for _ in range(sweeps):
        order = torch.randperm(N, generator=g)
        u = torch.rand(S.shape, generator=g, dtype=torch.float64) if T > 0 else None
        for start in range(0, N, group):
            idx = order[start : start + group]
            nh = S @ NJ[:, idx]
            if T == 0:
                new = torch.where(nh > 0, 1.0, torch.where(nh < 0, -1.0, S[:, idx]))
            else:
                # Glauber: +1 with probability ½[1 + tanh(h/T)] = sigmoid(2h/T)
                p_up = torch.sigmoid(2.0 * (nh / N) / T)
                new = torch.where(u[:, start : start + group] < p_up, 1.0, -1.0).double()
            S[:, idx] = new
    return S.to(torch.int8)


# --------------------------------------------------------------- fields
@pytest.mark.parametrize("N,p,lam", [(64, 7, 0.0), (100, 12, 1.0), (257, 30, 0.5), (128, 16, 2.0)])
def test_low_rank_field_equals_dense_field_bit_for_bit(N, p, lam):
    g, xi, net, S = setup(N, p, self_coupling=lam)
    dense = scaled_dense_field(xi, S, lam)
    M = net.overlaps_int(S)
    low = net.offdiag_field_int(M, S).double() + lam * p * S.double()
    assert torch.equal(low, dense)
    assert torch.equal(net.field(S), dense / N)
    assert torch.allclose(net.field(S), S.double() @ net.weights(), atol=1e-12)


WORKING_MODES = [m for m in exact.MODES if exact._works(m, torch.device("cpu"))]


@pytest.mark.parametrize("mode", WORKING_MODES)
@pytest.mark.parametrize("limit,dtype", [(3000, torch.float32), (2**20, torch.int64)])
def test_wide_products_exact_on_every_backend(mode, limit, dtype):
    """Digits and Horner combination stay exact; large row sums fall back to int64."""
    g = hl.make_generator(1)
    b = hl.random_patterns(41, 301, generator=g)
    x = torch.randint(-limit, limit + 1, (9, 41), generator=g, dtype=torch.int32)
    x[0, 0] = limit  # the bound itself is reached
    got = exact.wide_matmul(x, exact.SpinMatrix(b, mode))
    assert got.dtype == dtype
    assert torch.equal(got.long(), x.long() @ b.long())


@pytest.mark.parametrize("mode", WORKING_MODES)
def test_one_digit_product_plus_sparse_residual(mode):
    """Mostly one-digit integers and a few large ones (a retrieved pattern's overlap):
    clipped int8 product plus the sparse residual, added into an existing output."""
    g = hl.make_generator(3)
    b = hl.random_patterns(600, 90, generator=g)
    x = torch.randint(-127, 128, (50, 600), generator=g, dtype=torch.int32)
    x[torch.arange(50), torch.randint(0, 600, (50,), generator=g)] = torch.randint(
        -5000, 5000, (50,), generator=g, dtype=torch.int32
    )
    clipped, rows, cols, residual = exact.split_large(x)
    assert clipped.abs().max() <= 127 and rows.numel() > 0
    start = torch.randint(-1000, 1000, (50, 90), generator=g).float()
    out = exact.sparse_times(rows, cols, residual, 50, b, out=start.clone())
    out += exact.wide_matmul(clipped, exact.SpinMatrix(b, mode), 127)
    assert torch.equal(out.long(), start.long() + x.long() @ b.long())
    assert exact.split_large(torch.full((10, 10), 200)) is None  # too many large entries


@pytest.mark.parametrize("block_columns", [8192, 16])
@pytest.mark.parametrize("mode", WORKING_MODES)
def test_int8_products_exact_on_every_backend(monkeypatch, mode, block_columns):
    """block_columns=16 packs oneDNN's matrices in several column blocks, the last one partial."""
    monkeypatch.setattr(exact, "ONEDNN_BLOCK_COLUMNS", block_columns)
    g = hl.make_generator(2)
    for m, k, n in [(1, 7, 5), (33, 130, 17), (300, 1000, 64)]:
        a = torch.randint(-128, 128, (m, k), generator=g, dtype=torch.int8)
        b = hl.random_patterns(k, n, generator=g)
        assert torch.equal(exact.SpinMatrix(b, mode).times_int8(a).long(), a.long() @ b.long())


def test_digits_needed():
    assert exact.digits_needed(127) == 1 and exact.digits_needed(128) == 2
    assert exact.digits_needed(32639) == 2 and exact.digits_needed(32640) == 3


def test_energy_matches_definition():
    g, xi, net, S = setup(90, 11, self_coupling=1.0)
    J = net.weights()
    want = -0.5 * torch.einsum("bi,ij,bj->b", S.double(), J, S.double())
    assert torch.allclose(net.energy(S), want, atol=1e-10)


def test_overlap_and_hamming():
    g, xi, net, S = setup(200, 5, m0=0.6)
    m = hl.overlap(S, xi)
    assert torch.allclose(m.diagonal(), torch.full((5,), 0.6, dtype=torch.float64))
    assert torch.equal(hl.hamming(S, xi).diagonal(), torch.full((5,), 40))
    assert torch.allclose(hl.hamming(S, xi).double(), (200 - 200 * m) / 2)


# ------------------------------------------------------------- patterns
def test_corrupt_flips_exactly():
    g = hl.make_generator(3)
    xi = hl.random_patterns(50, 101, generator=g)
    for m0 in (1.0, 0.9, 0.37, 0.0, -1.0):
        flips = round(101 * (1 - m0) / 2)
        assert (hl.corrupt(xi, m0, generator=g) != xi).sum(1).eq(flips).all()


def test_random_patterns_are_unbiased_pm1():
    xi = hl.random_patterns(200, 500, generator=hl.make_generator(4))
    assert xi.dtype == torch.int8 and set(xi.unique().tolist()) == {-1, 1}
    assert abs(xi.double().mean()) < 4 / math.sqrt(xi.numel())


def test_digits_and_bit_conversion():
    d = hl.digits()
    assert d.shape == (10, 90) and set(d.unique().tolist()) == {-1, 1}
    assert len({tuple(r) for r in d.tolist()}) == 10
    # the 0 glyph is a closed ring: its top row has the three middle pixels inked
    assert hl.spins_to_bits(d[0].view(10, 9))[0].tolist() == [0, 0, 0, 1, 1, 1, 0, 0, 0]
    assert torch.equal(hl.bits_to_spins(hl.spins_to_bits(d)), d)


# ------------------------------------------------------------- dynamics
@pytest.mark.parametrize(
    "N,alpha,lam,seed",
    [(200, 0.12, 0.0, 0), (256, 0.16, 0.0, 1), (300, 0.2, 1.0, 2), (128, 0.25, 0.0, 3)],
)
def test_sync_matches_dense_reference_at_every_horizon(N, alpha, lam, seed):
    g, xi, net, S0 = setup(N, int(alpha * N), seed=seed, self_coupling=lam)
    for steps in (0, 1, 2, 7, 30, 31):
        ref, _ = hl.reference.dense_sync_run(xi, S0, steps, self_coupling=lam)
        assert torch.equal(hl.run(net, S0, max_steps=steps).state, ref), steps


def test_sync_even_p_ties_keep_state():
    # with p even, N·h can be exactly zero; the rule keeps the spin there
    g, xi, net, S0 = setup(100, 10, m0=0.5, seed=5)
    nh = net.offdiag_field_int(net.overlaps_int(S0), S0)
    assert (nh == 0).any()
    one = hl.run(net, S0, max_steps=1).state
    assert torch.equal(one[nh == 0], S0[nh == 0])


@pytest.mark.parametrize("group_bytes", [None, 20_000])
def test_fixed_points_and_two_cycles_are_consistent_with_trajectories(monkeypatch, group_bytes):
    """group_bytes=20_000 makes the run work on its 60 probes in groups of 6."""
    if group_bytes:
        monkeypatch.setattr(_sync, "SYNC_GROUP_BYTES", group_bytes)
    g, xi, net, S0 = setup(300, 60, m0=0.7, seed=6)
    if group_bytes:
        assert _sync.group_rows(net) == 6
    res = hl.run(net, S0, max_steps=40, record=True)
    a = hl.reference.dense_sync_run(xi, S0, 40)[0]
    b = hl.reference.dense_sync_run(xi, S0, 41)[0]
    c = hl.reference.dense_sync_run(xi, S0, 42)[0]
    assert torch.equal(res.fixed, (a == b).all(1))
    assert torch.equal(res.cycle2, (a == c).all(1) & ~(a == b).all(1))
    assert res.cycle2.any(), "above capacity synchronous dynamics should show 2-cycles"
    for i in torch.nonzero(res.fixed).flatten().tolist():
        t = int(res.converged_step[i])
        before = hl.reference.dense_sync_run(xi, S0[i : i + 1], t)[0]
        after = hl.reference.dense_sync_run(xi, S0[i : i + 1], t + 1)[0]
        assert torch.equal(before, after)
        if t > 0:
            earlier = hl.reference.dense_sync_run(xi, S0[i : i + 1], t - 1)[0]
            assert not torch.equal(earlier, before)
    # recorded overlaps equal the overlaps of the true trajectory
    for steps in (0, 5, 39):
        s = hl.reference.dense_sync_run(xi, S0, steps)[0]
        want = hl.overlap(s, xi).diagonal()
        assert torch.allclose(res.overlaps[steps], want)
        assert torch.allclose(res.energies[steps], net.energy(s))


@pytest.mark.parametrize(
    "rule,k", [("async", None), ("hybrid", 1 / 32), ("hybrid", 0.1), ("hybrid", 1.0)]
)
@pytest.mark.parametrize("T", [0.0, 0.4])
def test_sweeps_match_sequential_reference(rule, k, T):
    N, p, lam, seed = 160, 24, 0.5, 11
    g, xi, net, S0 = setup(N, p, m0=0.6, seed=seed, self_coupling=lam)
    group = 1 if rule == "async" else max(1, round(k * N))
    for sweeps in (1, 3):
        res = hl.run(
            net,
            S0,
            rule=rule,
            k=k,
            temperature=T,
            max_steps=sweeps,
            generator=hl.make_generator(99),
        )
        want = sequential_reference(xi, S0, lam, group, sweeps, T, 99)
        assert torch.equal(res.state, want), sweeps


@pytest.mark.parametrize("wide", [False, True])
@pytest.mark.parametrize("group,T", [(1, 0.0), (1, 0.3), (8, 0.0), (40, 0.3)])
def test_sweeps_span_several_blocks_in_float32_and_float64(monkeypatch, group, T, wide):
    """N = 600 walks two full blocks and a partial one; wide=True forces the float64 sweep."""
    if wide:
        monkeypatch.setattr(_sweeps, "FLOAT32_EXACT", 1)
    N, p, lam, seed = 600, 60, 1.0, 12
    g, xi, net, S0 = setup(N, p, m0=0.4, seed=seed, self_coupling=lam)
    assert _sweeps.sweep_dtype(net, _sweeps.BLOCK) == (torch.float64 if wide else torch.float32)
    res = hl.run(
        net,
        S0,
        rule="hybrid",
        k=group / N,
        temperature=T,
        max_steps=2,
        generator=hl.make_generator(5),
    )
    assert torch.equal(res.state, sequential_reference(xi, S0, lam, group, 2, T, 5))


def test_async_energy_never_increases_and_reaches_fixed_point():
    g, xi, net, S0 = setup(400, 40, m0=0.3, seed=7, self_coupling=1.0)
    res = hl.run(net, S0, rule="async", max_steps=50, generator=g, record=True)
    assert (res.energies.diff(dim=0) <= 1e-9).all()
    assert res.fixed.all() and not res.cycle2.any()
    again = hl.run(net, res.state, targets=torch.arange(40), max_steps=1)
    assert torch.equal(again.state, res.state)


def test_single_stored_pattern_is_fixed_point():
    xi = hl.random_patterns(1, 500, generator=hl.make_generator(8))
    net = hl.Hopfield(xi)
    for rule, k in (("sync", None), ("async", None), ("hybrid", 0.5)):
        res = hl.run(net, xi, rule=rule, k=k, max_steps=3, generator=hl.make_generator(0))
        assert torch.equal(res.state, xi) and res.fixed.all() and res.converged_step.eq(0).all()


def test_converged_fraction():
    g, xi, net, S0 = setup(300, 30, m0=0.8, seed=9)
    res = hl.run(net, S0, max_steps=20)
    frac = hl.converged_fraction(res)
    assert frac.shape == (21,) and (frac.diff() >= 0).all()
    assert frac[-1] == res.fixed.double().mean()


def test_same_seed_same_result():
    g1, xi, net, S0 = setup(200, 20, m0=0.5, seed=10)
    a = hl.run(net, S0, rule="async", temperature=0.3, max_steps=5, generator=hl.make_generator(1))
    b = hl.run(net, S0, rule="async", temperature=0.3, max_steps=5, generator=hl.make_generator(1))
    c = hl.run(net, S0, rule="async", temperature=0.3, max_steps=5, generator=hl.make_generator(2))
    assert torch.equal(a.state, b.state) and not torch.equal(a.state, c.state)
    assert torch.equal(
        hl.random_patterns(5, 9, generator=hl.make_generator(3)),
        hl.random_patterns(5, 9, generator=hl.make_generator(3)),
    )


def test_sparse_and_dense_overlap_updates_agree(monkeypatch):
    g, xi, net, S0 = setup(256, 40, m0=0.7, seed=12)
    a = hl.run(net, S0, max_steps=30, record=True)
    monkeypatch.setattr(_sync, "SPARSE_UPDATE_FRACTION", 0.0)
    b = hl.run(net, S0, max_steps=30, record=True)
    monkeypatch.setattr(_sync, "SPARSE_UPDATE_FRACTION", 1.0)
    c = hl.run(net, S0, max_steps=30, record=True)
    for r in (b, c):
        assert torch.equal(a.state, r.state) and torch.equal(a.energies, r.energies)


def test_device_selection(monkeypatch):
    monkeypatch.setenv("HOPFIELD_DEVICE", "cpu")
    assert hl.get_device().type == "cpu"
    assert hl.get_device("cpu").type == "cpu"
    with pytest.raises(ValueError, match="device"):
        hl.get_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            hl.get_device("cuda")
    out, seconds = hl.timed(lambda: 3)
    assert out == 3 and seconds >= 0


def test_update_neurons_one_at_a_time_equals_async_sweep():
    g, xi, net, S0 = setup(120, 12, m0=0.6, seed=13)
    order = torch.randperm(120, generator=hl.make_generator(5))
    S = S0.clone()
    for i in order.tolist():
        S = hl.update_neurons(net, S, [i])
    want = sequential_reference(xi, S0, 0.0, 1, 1, 0.0, 5)
    assert torch.equal(S, want)
    with pytest.raises(ValueError, match="neurons must lie"):
        hl.update_neurons(net, S, [120])


def test_sync_fields_with_sparse_residual_match_dense_reference(monkeypatch):
    """Few probes and many patterns: after the first step ΔM/2 exceeds one int8 digit only
    at each probe's target, so the incremental fields take the sparse-residual path."""
    used = []
    split = exact.split_large
    monkeypatch.setattr(exact, "split_large", lambda x: used.append(split(x)) or used[-1])
    N, p, B = 2048, 600, 20
    g = hl.make_generator(21)
    xi = hl.random_patterns(p, N, generator=g)
    net = hl.Hopfield(xi)
    S0 = hl.corrupt(xi[:B], 0.5, generator=g)
    targets = torch.arange(B)
    for steps in (1, 2, 3, 8):
        res = hl.run(net, S0, targets=targets, max_steps=steps)
        assert torch.equal(res.state, hl.reference.dense_sync_run(xi, S0, steps)[0]), steps
    if net.mode != "float32":
        assert any(u is not None for u in used)


@pytest.mark.parametrize("mode", WORKING_MODES)
def test_every_backend_gives_the_reference_dynamics(monkeypatch, mode):
    """Small networks default to float32 products; force each backend on one."""
    monkeypatch.setenv("HOPFIELD_PRODUCTS", mode)
    g, xi, net, S0 = setup(300, 60, m0=0.7, seed=6)
    assert net.mode == mode
    for steps in (1, 2, 9, 40):
        assert torch.equal(
            hl.run(net, S0, max_steps=steps).state, hl.reference.dense_sync_run(xi, S0, steps)[0]
        ), steps
    res = hl.run(
        net, S0, rule="async", temperature=0.3, max_steps=2, generator=hl.make_generator(4)
    )
    assert torch.equal(res.state, sequential_reference(xi, S0, 0.0, 1, 2, 0.3, 4))
