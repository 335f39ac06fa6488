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

from conftest import ROOT, assert_executed_cleanly, executed_notebook, glued

ISING = "chapters/ising.ipynb"
HEBBIAN = "chapters/hebbian.ipynb"
ENERGY = "chapters/energy.ipynb"
CHAPTERS = [ISING, HEBBIAN, ENERGY]


# ------------------------------------------------------------------------------- all three
@pytest.mark.parametrize("path", CHAPTERS)
def test_no_cell_failed(path):
    assert_executed_cleanly(path)


@pytest.mark.parametrize("path", CHAPTERS)
def test_every_code_cell_ran(path):
    nb = executed_notebook(path)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "remove-cell" not in cell.get("metadata", {}).get(
            "tags", []
        ):
            assert cell.get("execution_count") is not None, f"{path}: a code cell was not executed"


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
    nb = executed_notebook(ENERGY)
    pages = [
        "".join(out["data"]["text/html"])
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for out in c.get("outputs", [])
        if "text/html" in out.get("data", {})
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
