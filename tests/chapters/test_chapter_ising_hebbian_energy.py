"""Checks on the executed chapters "The Ising model", "Hebbian storage" and "Energy".

They read the notebooks that `make book` executed into _build/jupyter_execute/ and check that
no cell failed and that the claims the text makes (numbers stored with myst_nb.glue) hold.
Tolerances are honest ones: finite lattices, finite samples, and the sizes the parameters cell
picks on a CPU (the GPU sizes only make the agreement better).
"""

from __future__ import annotations

import json
import math
import re

import pytest

from conftest import EXECUTED, ROOT, executed_notebook, glued

ISING = "chapters/ising.ipynb"
HEBBIAN = "chapters/hebbian.ipynb"
ENERGY = "chapters/energy.ipynb"
CHAPTERS = [ISING, HEBBIAN, ENERGY]


# ------------------------------------------------------------------------------- all three


@pytest.mark.parametrize("path", CHAPTERS)
def test_text_shows_only_glued_values(path):
    nb = executed_notebook(path)
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    used = set(re.findall(r"\{glue:text\}`([A-Za-z0-9_]+)", text))
    assert used, f"{path} shows no glued numbers"
    missing = used - set(glued(path))
    assert not missing, (
        f"{path}: the text shows glued values that were never stored: {sorted(missing)}"
    )


@pytest.mark.parametrize("path", CHAPTERS)
def test_committed_notebook_is_clean(path):
    """The source notebook is committed without outputs and starts with the Colab cell."""
    nb = json.loads((ROOT / path).read_text())
    first = nb["cells"][0]
    assert first["cell_type"] == "code" and "remove-cell" in first["metadata"].get("tags", [])
    assert "google.colab" in "".join(first["source"])
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path} is committed with outputs"
            assert cell.get("execution_count") is None, f"{path} is committed with execution counts"


@pytest.mark.parametrize("path", CHAPTERS)
def test_has_a_widget_explorer_with_a_first_state(path):
    """Each chapter displays an ipywidgets explorer whose output area was drawn at build time."""
    nb = executed_notebook(path)
    state = nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = state.get("state", {})
    drawn = [
        m
        for m in models.values()
        if m.get("model_name") == "OutputModel"
        and any(
            {"image/png", "image/svg+xml"} & set(o.get("data", {}))
            for o in m.get("state", {}).get("outputs", [])
        )
    ]
    assert drawn, f"{path}: no saved widget output holds a figure"


# ------------------------------------------------------------------------------- Ising
@pytest.fixture(scope="module")
def ising():
    return glued(ISING)


def test_ising_exact_values(ising):
    assert ising["T_c"] == pytest.approx(2 / math.log(1 + math.sqrt(2)), abs=1e-4)
    t = 1.5
    exact = (1 - math.sinh(2 / t) ** -4) ** 0.125
    assert ising["m_onsager_T15"] == pytest.approx(exact, abs=1e-4)
    assert ising["xi_chain_T1"] == pytest.approx(-1 / math.log(math.tanh(1.0)), abs=0.01)
    assert ising["triangle_ground_states"] == 6 and ising["triangle_e_min"] == -1


def test_ising_peierls_bound_is_below_tc(ising):
    assert 0.5 < ising["T_peierls"] < ising["T_c"]


def test_ising_magnetization_matches_onsager_below_tc(ising):
    # at T = 1.5 (T/T_c = 0.66) finite-size corrections are exponentially small
    assert abs(ising["m_sim_T15"] - ising["m_onsager_T15"]) < 0.02
    assert ising["m_dev_below_T2"] < 0.03


def test_ising_magnetization_small_above_tc(ising):
    # |m| ~ xi/L above T_c: small but not zero on a finite lattice
    assert 0 < ising["m_sim_T35"] < 0.1


def test_ising_finite_size_rounding_shrinks_with_L(ising):
    # just above T_c (T = 2.45) |m| ~ xi/L: it must fall as the lattice grows
    assert ising["L_small"] < ising["L_big"]
    above = ising["m_above_by_L"]
    assert all(a > b for a, b in zip(above, above[1:])), above
    assert ising["m_above_small"] > 2 * ising["m_above_big"]


def test_ising_curie_weiss_matches_mean_field(ising):
    """Infinite-range Ising model (engine, Glauber) against the root of m = tanh(m/T)."""
    N = ising["cw_N"]
    rows = zip(ising["cw_temperatures"], ising["cw_m_sim"], ising["cw_m_theory"])
    for T, sim, theory in rows:
        assert theory == pytest.approx(math.tanh(theory / T), abs=1e-9)
        if T <= 0.8:  # ordered, far from T_c: time average over runs, O(1/N) finite-size bias
            assert abs(sim - theory) < 0.02, (T, sim, theory)
        if T >= 1.3:  # paramagnet: <|m|> ~ sqrt(2/pi) sqrt(T / ((T - 1) N))
            assert theory == 0.0
            assert sim < 3 * math.sqrt(T / ((T - 1) * N)), (T, sim)
    assert ising["cw_dev_below"] < 0.02


def test_ising_one_memory_is_the_curie_weiss_magnet(ising):
    """Gauge S_i -> xi_i S_i: identical T = 0 trajectories, the same statistics at T > 0."""
    assert ising["gauge_identical"] is True and ising["gauge_sweeps"] >= 2
    rows = zip(ising["cw_temperatures"], ising["cw_m_sim"], ising["cw_m_memory"])
    for T, ferro, memory in rows:
        if T <= 0.8 or T >= 1.3:  # away from T_c, where fluctuations of m are slow and large
            assert abs(ferro - memory) < 0.03, (T, ferro, memory)


# ------------------------------------------------------------------------------- Hebbian
@pytest.fixture(scope="module")
def hebb():
    return glued(HEBBIAN)


def test_hebbian_crosstalk_error_rate_matches_theory(hebb):
    measured, theory = hebb["unstable_measured_a10"], hebb["unstable_theory_a10"]
    total = hebb["unstable_total_a10"]
    # Poisson scatter of the count of unstable neurons, plus 15% for the Gaussian approximation
    tolerance = 4 * math.sqrt(theory / total) + 0.15 * theory
    assert abs(measured - theory) < tolerance, (measured, theory, tolerance)


def test_hebbian_distinct_digits_are_stable_all_ten_are_not(hebb):
    assert hebb["unstable_pixels_four"] == 0
    assert hebb["unstable_pixels_ten"] > 0
    assert hebb["ten_fixed"] == 0
    assert hebb["ten_hits"] <= 0.05 * hebb["ten_total"]


def test_hebbian_recall_from_low_noise_succeeds(hebb):
    assert hebb["noisy_hits"] >= 0.8 * hebb["noisy_total"]
    assert hebb["success_04_worst"] >= 0.95
    assert hebb["success_014_m08"] >= 0.95
    assert hebb["success_014_m08"] >= hebb["success_0147_m08"]


def test_hebbian_correlated_sets_fail(hebb):
    assert hebb["success_3589_best"] <= 0.1
    assert hebb["success_all_best"] <= 0.1
    assert hebb["glyph_overlap_mean"] > 0.3
    assert hebb["stored_overlap_max"] < hebb["glyph_overlap_max"]


def test_hebbian_partial_inputs(hebb):
    # a neutral (random) fill completes more digits than a blank fill
    assert hebb["partial_random_ok"] > hebb["partial_blank_ok"]
    assert hebb["partial_random_ok"] >= hebb["partial_n"] // 2


def test_hebbian_reversed_states_mirror_the_memories(hebb):
    assert hebb["reversed_mirror_exact"] is True
    assert hebb["reversed_fixed"] == hebb["reversed_mirror_fixed"] >= 1


def test_hebbian_mixture_states(hebb):
    assert hebb["mix_exact"] >= 0.8 * hebb["mix_total"]
    assert 0.45 < hebb["mix_overlap"] < 0.55
    assert hebb["mix_energy"] == pytest.approx(-0.375, abs=0.03)
    assert hebb["pattern_energy"] == pytest.approx(-0.5, abs=0.03)
    assert hebb["mix_energy"] > hebb["pattern_energy"]


# ------------------------------------------------------------------------------- Energy
@pytest.fixture(scope="module")
def energy():
    return glued(ENERGY)


def test_energy_overlap_formula(energy):
    assert energy["energy_formula_error"] < 1e-6


def test_energy_async_never_rises(energy):
    assert energy["async_max_energy_rise"] <= 1e-9
    assert energy["n_cycle2_async"] == 0
    assert energy["n_fixed_async"] == energy["n_probes_high"]


def test_energy_sync_rises_and_cycles(energy):
    assert energy["sync_max_energy_rise"] > 0
    assert energy["sync_rises"] >= 1
    assert energy["n_cycle2_sync"] >= 1
    assert (
        energy["n_cycle2_sync"] + energy["n_fixed_sync"] + energy["n_unsettled_sync"]
        == energy["n_probes_high"]
    )


def test_energy_parallel_lyapunov_never_rises(energy):
    assert energy["L_max_rise"] <= 1e-9


def test_energy_landscape_path(energy):
    assert energy["path_barrier"] > 0.1
    assert 0.3 <= energy["path_basin_edge"] <= 0.7


def test_energy_animation_rolls_downhill(energy):
    assert energy["anim_max_step"] < 0
    assert energy["anim_final_overlap"] == 1.0
    assert energy["anim_e_end"] < energy["anim_e_start"]
    assert 1 <= energy["anim_flips"] <= 58


def test_energy_animation_is_light_and_self_contained():
    """The digit animation is glued as one self-contained HTML figure (no web requests)."""
    nb = executed_notebook(ENERGY)
    outputs = [out for c in nb["cells"] if c["cell_type"] == "code" for out in c.get("outputs", [])]
    store = (EXECUTED / ENERGY).with_suffix(".glue.json")
    if store.exists():
        outputs += list(json.loads(store.read_text()).values())
    pages = [
        "".join(data)
        for out in outputs
        for key, data in out.get("data", {}).items()
        if key.endswith("text/html")
    ]
    animations = [h for h in pages if "Animation(frames" in h]
    assert len(animations) == 1, "the energy chapter should show exactly one JS animation"
    html = animations[0]
    assert html.count("data:image/png;base64") <= 60
    assert not re.search(r'(src|href)="(https?:)?//', html), (
        "the animation loads something from the web"
    )


def test_energy_temperature(energy):
    assert energy["hot_rises_T0"] == 0
    assert energy["hot_rises_T03"] > 0
    assert energy["hot_m_T03"] > 0.9
    assert energy["hot_m_T06"] < energy["hot_m_T03"]
    assert energy["m_theory_T03"] == pytest.approx(energy["hot_m_T03"], abs=0.05)


def test_energy_fixed_points_need_not_be_minima(energy):
    """Issue 11 item 1: with lambda > 0 a fixed point only needs S_i h_i^off >= -lambda alpha."""
    assert energy["min_all_fixed"] is True
    assert energy["min_lambda0_downhill"] == 0  # lambda = 0: every fixed point is a minimum
    # at N = 400, alpha = 0.2, lambda = 1 nearly every fixed point has downhill flips
    assert energy["min_not_minimum"] >= 0.5 * energy["min_n_fixed"]
    assert energy["min_mean_downhill"] > 1
    assert -energy["min_lambda_alpha"] - 1e-12 <= energy["min_lowest_stability"] < 0
    assert energy["min_flip_dE"] < 0
    assert energy["min_flip_dE"] == pytest.approx(energy["min_flip_predicted"], abs=1e-9)


def test_energy_mixture_energies_match_theory(energy):
    """Symmetric s-mixtures at T = 0: fixed points with E/N = -s m_s^2 / 2 (finite p)."""
    assert energy["mix_s"] == [1, 3, 5, 7]
    assert energy["mix_E_theory"] == pytest.approx([-0.5, -0.375, -0.3515625, -0.341796875])
    assert energy["mix_fixed"] == [energy["mix_nets"]] * 4
    # finite-N scatter of E/N is about 0.5/sqrt(N) per network; 4 sigma of the mean
    tolerance = 2 / math.sqrt(energy["mix_N"] * energy["mix_nets"])
    for sim, theory in zip(energy["mix_E_sim"], energy["mix_E_theory"]):
        assert abs(sim - theory) < tolerance, (sim, theory, tolerance)


def test_energy_three_mixture_melts_at_T3(energy):
    """Below T_3 ~ 0.46 the 3-mixture keeps three equal overlaps; above it one memory wins."""
    assert energy["mix_T3"] == pytest.approx(0.46, abs=0.005)
    assert energy["mix_T5"] < energy["mix_T3"]
    rows = zip(
        energy["mix_temperatures"],
        energy["mix_heated_largest"],
        energy["mix_heated_others"],
        energy["mix_m3_theory"],
        energy["mix_m1_theory"],
    )
    for T, largest, others, m3, m1 in rows:
        if T <= 0.2:
            assert abs(largest - m3) < 0.05 and abs(others - m3) < 0.05, (T, largest, others)
        # where the unbalancing eigenvalue is below -0.06 the decay ends within the run
        if 0.5 <= T <= 0.8:
            assert abs(largest - m1) < 0.05 and abs(others) < 0.1, (T, largest, others)
    assert 0.2 <= energy["mix_survived_up_to"] < energy["mix_T3"] + 0.05
