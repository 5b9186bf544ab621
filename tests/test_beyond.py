"""Beyond the paper: the model's options (random Zeeman shifts, model variants, the B
scan's microwave convention) change only what they should, and the crossover analysis of
Figures S1-S2 (crossings, the shared bootstrap, level statistics) is right."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import bruteforce as bf
import dnpmbl
from dnpmbl.crossover import (
    R_GOE,
    R_MIDPOINT,
    R_POISSON,
    crossing,
    crossing_with_error,
    mean_statistic,
)
from dnpmbl.eth import electron_energies, eigenstate_diagnostics, level_spacing_ratio
from dnpmbl.model import random_zeeman_shifts, realization_shifts
from dnpmbl.statistics import resample_indices
from dnpmbl.pipeline.config import (
    ConfigError,
    b_scan_offset,
    beyond_scans,
    model_physics,
    realization_points,
    validate_config,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


# --- random Zeeman shifts -----------------------------------------------------------------


def test_random_shifts_reproducible_independent_of_u_and_of_the_couplings():
    """The same (seed, N, r) gives the same shifts at every U and D; B only rescales them
    with dw_e; they lie in [-dw_e, dw_e]; the couplings are those of the equal model."""
    n = 8
    p1 = dnpmbl.Parameters.from_units(n, u_mhz=2.0, d_mhz=1.0)
    p2 = dnpmbl.Parameters.from_units(n, u_mhz=30.0, d_mhz=0.3)
    p3 = dnpmbl.Parameters.from_units(n, u_mhz=15.0, b_tesla=7.0)
    a = realization_shifts(p1, 11, 4, "random")
    assert np.array_equal(a, realization_shifts(p2, 11, 4, "random"))
    np.testing.assert_allclose(realization_shifts(p3, 11, 4, "random"), a * 7.0 / 3.35, rtol=1e-14)
    assert np.all(np.abs(a) <= p1.delta_omega_e)
    assert not np.array_equal(a, realization_shifts(p1, 11, 5, "random"))
    assert not np.array_equal(a, realization_shifts(p1, 12, 4, "random"))
    # The equal model is footnote 37's, whatever the seed.
    assert np.array_equal(realization_shifts(p1, 11, 4, "equal"), dnpmbl.zeeman_shifts(n, p1.delta_omega_e))
    # Drawing shifts does not touch the couplings' stream.
    u_before, d_before = dnpmbl.realization_couplings(p1, 11, 4)
    random_zeeman_shifts(n, p1.delta_omega_e, 11, 4)
    u_after, d_after = dnpmbl.realization_couplings(p1, 11, 4)
    assert np.array_equal(u_before, u_after) and np.array_equal(d_before, d_after)
    with pytest.raises(ValueError, match="Zeeman model"):
        realization_shifts(p1, 11, 4, "gaussian")


def test_random_shifts_are_uniform():
    """Over 500 realizations of N = 6 the shifts / dw_e have the mean 0 and variance 1/3 of
    the uniform law on [-1, 1] (within 4 standard errors)."""
    x = np.concatenate([random_zeeman_shifts(6, 1.0, 3, r) for r in range(500)])
    assert abs(x.mean()) < 4 * math.sqrt(1 / 3 / x.size)
    assert abs(x.var() - 1 / 3) < 4 * math.sqrt(4 / 45 / x.size)  # var of x^2 = 1/5 - 1/9
    assert x.min() >= -1 and x.max() <= 1


def test_random_shifts_realization_against_brute_force():
    """A realization with random shifts equals the dense full-space solution of Eq. (9)
    with those shifts (N = 4): P_n and populations."""
    params = dnpmbl.Parameters.from_units(4, u_mhz=15.0, d_mhz=1.0)
    u_ij, d_i = dnpmbl.realization_couplings(params, 5, 0)
    shifts = realization_shifts(params, 5, 0, "random")
    omega = params.microwave_frequency(-0.5)
    result = dnpmbl.solve_realization(params, u_ij, d_i, omega, shifts=shifts)
    brute = bf.solve(params, u_ij, d_i, shifts=shifts)
    p = bf.stationary_gth(brute.generator(omega))
    np.testing.assert_allclose(result.populations[0], p, rtol=1e-8, atol=1e-12 * p.max())
    assert abs(result.p_n[0] - brute.nuclear_polarization(p)) < 1e-9
    np.testing.assert_array_equal(result.shifts, shifts)
    # and it is another system than the equally spaced one
    equal = dnpmbl.solve_realization(params, u_ij, d_i, omega)
    assert abs(equal.p_n[0] - result.p_n[0]) > 1e-3


def test_shifts_are_checked():
    params = dnpmbl.Parameters.from_units(4)
    u_ij, d_i = dnpmbl.realization_couplings(params, 5, 0)
    with pytest.raises(ValueError, match="shape"):
        dnpmbl.diagonalize(params, u_ij, d_i, shifts=np.zeros(3))
    with pytest.raises(ValueError, match="non-finite"):
        dnpmbl.diagonalize(params, u_ij, d_i, shifts=np.array([0.0, np.nan, 0.0, 0.0]))


# --- model variants and the B scan's convention ---------------------------------------------


def test_model_variant_changes_only_what_it_names():
    config = validate_config({"models": {"wn13.5": {"omega_n_mhz": 13.5}, "zr": {"zeeman_shifts": "random"}}}, SCHEMA)
    paper = model_physics(config, "paper")
    changed = model_physics(config, "wn13.5")
    assert changed["omega_n_mhz"] == 13.5
    assert {k: v for k, v in changed.items() if k != "omega_n_mhz"} == {k: v for k, v in paper.items() if k != "omega_n_mhz"}
    assert model_physics(config, "zr")["zeeman_shifts"] == "random" and paper["zeeman_shifts"] == "equal"
    with pytest.raises(ConfigError, match="no model named"):
        model_physics(config, "nope")


@pytest.mark.parametrize(
    "override, key",
    [
        ({"models": {"paper": {"d_mhz": 0.5}}}, "models"),
        ({"models": {"Big": {"d_mhz": 0.5}}}, "models"),
        ({"models": {"x": {}}}, "models.x"),
        ({"models": {"x": {"omega_n": 3}}}, "models.x"),
        ({"models": {"x": {"zeeman_shifts": "gaussian"}}}, "models.x.zeeman_shifts"),
        # D is checked where a figure computes the model (S3 here), not for an unused one.
        ({"figures": ["s3"], "models": {"x": {"d_mhz": 1e-9}}, "beyond": {"sensitivity": {"models": ["x"]}}}, "models.x.d_mhz"),
        ({"beyond": {"sensitivity": {"models": ["undefined"]}}}, "beyond.sensitivity.models"),
        ({"beyond": {"level_statistics": {"n_spins": [7]}}}, "beyond.level_statistics.n_spins"),
        ({"beyond": {"profile": {"models": ["undefined"]}}}, "beyond.profile.models"),
        ({"beyond": {"profile": {"offset_min": 0.5, "offset_max": -0.5}}}, "beyond.profile.offset_min"),
        ({"beyond": {"profile": {"offset_points": 1}}}, "beyond.profile.offset_points"),
        ({"figures": ["fig6"]}, "figures"),
        ({"fig3": {"b_scan_offset": "neither"}}, "fig3.b_scan_offset"),
    ],
)
def test_bad_beyond_config_names_the_key(override, key):
    with pytest.raises(ConfigError) as err:
        validate_config(override, SCHEMA)
    assert key in str(err.value)


def test_model_defaults_do_not_override_physics():
    """A model names only what it changes: the config's physics (not the schema's defaults)
    fills in the rest."""
    config = validate_config({"physics": {"t1e_s": 2.0}, "models": {"m": {"omega_n_mhz": 10.0}}}, SCHEMA)
    assert config["models"]["m"] == {"omega_n_mhz": 10.0}
    assert model_physics(config, "m")["t1e_s"] == 2.0


def test_fixed_offset_b_scan_equals_scaled_at_the_reference_field():
    """fixed keeps w_MW - w_e = mw_offset dw_e(b_ref) in MHz: the offset is mw_offset b_ref / B,
    the same as scaled at b_ref (so the point is computed once), and the detuning in MHz is
    the same at every B."""
    config = validate_config({"fig3": {"b_scan_offset": "fixed", "b_scan_tesla": [1.675, 3.35, 6.7]}}, SCHEMA)
    assert b_scan_offset(config, 3.35, "fixed") == b_scan_offset(config, 3.35, "scaled") == -0.5
    assert b_scan_offset(config, 6.7, "fixed") == -0.25 and b_scan_offset(config, 1.675, "fixed") == -1.0
    for b in (1.675, 6.7):
        p = dnpmbl.Parameters.from_units(12, b_tesla=b)
        ref = dnpmbl.Parameters.from_units(12)
        detuning = p.microwave_frequency(b_scan_offset(config, b)) - p.omega_e
        assert detuning == pytest.approx(ref.microwave_frequency(-0.5) - ref.omega_e, rel=1e-12)
    points = realization_points(config)
    assert points[("paper", "12", "6.7", "15")]["offsets"] == [-0.25]
    assert points[("paper", "12", "3.35", "15")]["offsets"].count(-0.5) == 1


def test_scans_share_points_and_realizations():
    """The S1 scan and the S3 scan of the paper model at the same N are one scan with the
    union of their points and offsets; a variant model's points are its own."""
    config = validate_config(
        {
            "figures": ["s1", "s3", "s4"],
            "models": {"wn": {"omega_n_mhz": 13.5}},
            "beyond": {
                "n_spins": [8, 12],
                "realizations": {"8": 40, "12": 20},
                "u_mhz": [2, 8, 15],
                "sensitivity": {"n_spins": 12, "realizations": 10, "u_mhz": [8, 10], "models": ["wn"], "mw_offsets": [-0.3]},
                "b_scan": {"n_spins": 12, "realizations": 10, "u_mhz": 15, "b_tesla": [3.35, 5.0]},
            },
        },
        SCHEMA,
    )
    scans = beyond_scans(config)
    assert sorted(scans) == ["b_N12", "u_N12", "u_N12_wn", "u_N8"]
    u12 = scans["u_N12"]
    assert u12["realizations"] == 20 and [u for _, u in u12["points"]] == [2, 8, 10, 15]
    assert u12["offsets"][("3.35", "8")] == [-0.5, -0.3] and u12["offsets"][("3.35", "2")] == [-0.5]
    assert scans["u_N12_wn"]["model"] == "wn" and scans["u_N12_wn"]["realizations"] == 10
    assert scans["b_N12"]["offsets"][("5", "15")] == sorted([-0.5, b_scan_offset(config, 5.0, "fixed")])
    points = realization_points(config)
    # (3.35 T, 15 MHz) is in the U scan (20 realizations) and the B scan (10): computed once, 20.
    assert points[("paper", "12", "3.35", "15")]["realizations"] == 20
    assert ("wn", "12", "3.35", "10") in points and ("wn", "12", "3.35", "2") not in points
    assert not any(key[0] == "paper" and key[1] == "12" and key[3] == "45" for key in points)  # no fig3 points


def test_profile_scans_are_their_own_but_share_realizations_with_s1():
    """S5 is one scan per model (w_N<n>, w_N<n>_<model>) over the profile's offsets at one
    U; its realizations of the paper model are S1's at that (N, U), with the union of the
    offsets and the larger number of realizations, and S1's scan keeps its own offsets."""
    config = validate_config(
        {
            "figures": ["s1", "s5"],
            "models": {"zrandom": {"zeeman_shifts": "random"}},
            "beyond": {
                "n_spins": [10],
                "realizations": {"10": 40},
                "u_mhz": [2, 8],
                "profile": {"n_spins": 10, "realizations": 20, "u_mhz": 2, "offset_min": -0.6, "offset_max": 0.6,
                            "offset_points": 13, "models": ["zrandom"]},
            },
        },
        SCHEMA,
    )  # fmt: skip
    scans = beyond_scans(config)
    assert sorted(scans) == ["u_N10", "w_N10", "w_N10_zrandom"]
    grid = [round(-0.6 + 0.1 * k, 10) for k in range(13)]
    for name, model in (("w_N10", "paper"), ("w_N10_zrandom", "zrandom")):
        scan = scans[name]
        assert scan["model"] == model and scan["realizations"] == 20 and scan["points"] == [(3.35, 2.0)]
        assert scan["offsets"][("3.35", "2")] == pytest.approx(grid) and scan["figures"] == {"s5"}
    assert scans["u_N10"]["offsets"][("3.35", "2")] == [-0.5]  # S1's scan is not widened
    points = realization_points(config)
    assert points[("paper", "10", "3.35", "2")]["realizations"] == 40
    assert points[("paper", "10", "3.35", "2")]["offsets"] == sorted(set(grid) | {-0.5})
    assert points[("zrandom", "10", "3.35", "2")] == {"offsets": scans["w_N10_zrandom"]["offsets"][("3.35", "2")],
                                                      "realizations": 20}  # fmt: skip
    assert ("zrandom", "10", "3.35", "8") not in points


# --- the crossover analysis -----------------------------------------------------------------


def test_crossing_interpolates_and_censors():
    x = np.array([2.0, 4.0, 6.0, 8.0])
    assert crossing(x, np.array([0.5, 0.7, 0.95, 1.0]), 0.9, rising=True) == pytest.approx(4 + 2 * 0.2 / 0.25)
    assert crossing(x, np.array([0.3, 0.2, 0.04, 0.01]), 0.05, rising=False) == pytest.approx(4 + 2 * 0.15 / 0.16)
    assert math.isnan(crossing(x, np.array([0.95, 0.97, 1.0, 1.0]), 0.9, rising=True))  # below the scan
    assert math.isnan(crossing(x, np.array([0.1, 0.2, 0.3, 0.4]), 0.9, rising=True))  # never
    # the first crossing counts, and NaN points are skipped
    assert crossing(x, np.array([0.5, np.nan, 1.0, 0.5]), 0.9, rising=True) == pytest.approx(2 + 4 * 0.4 / 0.5)
    with pytest.raises(ValueError, match="increasing"):
        crossing(x[::-1], x, 1.0, rising=True)


def test_crossing_error_is_the_spread_of_the_resampled_crossings():
    """Row 0 is the estimate; the error is the spread of the resamples that cross within the
    scan, and ``censored`` the fraction that do not."""
    x = np.array([0.0, 10.0])
    rows = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 0.5], [0.2, 1.0], [0.95, 1.0]])
    out = crossing_with_error(x, rows, 0.9, rising=True)
    assert out["u_c"] == pytest.approx(9.0)
    finite = np.array([9.0, 10 * (0.9 - 0.2) / 0.8])  # rows 1 and 3
    assert out["u_c_se"] == pytest.approx(np.std(finite, ddof=1))
    assert out["censored"] == pytest.approx(0.5)  # row 2 never reaches 0.9, row 4 starts above


def test_one_bootstrap_shared_by_the_points():
    """The resampled realizations are the same at every point of a scan: a statistic that is
    the same function of the realizations at two points has identical resamples."""
    idx = resample_indices(30, 50, seed=0)
    assert idx.shape == (50, 30) and np.array_equal(idx, resample_indices(30, 50, seed=0))
    values = np.random.default_rng(1).normal(size=30)
    a, b = mean_statistic(values, idx), mean_statistic(values + 1.0, idx)
    np.testing.assert_allclose(b - a, 1.0, rtol=0, atol=1e-12)
    assert a[0] == pytest.approx(values.mean())
    with pytest.raises(ValueError):
        resample_indices(1, 10)


def test_level_statistics_limits():
    """<r> of uncorrelated levels is 2 ln 2 - 1 (to 0.01), of GOE matrices 0.5307 (to 0.015,
    3.5 standard errors); the electrons' eigenvalues are those of the Fig. 4 diagonalization."""
    rng = np.random.default_rng(0)
    poisson = np.mean([level_spacing_ratio(np.sort(rng.uniform(size=2000))) for _ in range(20)])
    assert poisson == pytest.approx(R_POISSON, abs=0.01)
    goe = []
    for _ in range(40):  # 40 x 200 ratios from the bulk: standard error 0.004
        a = rng.normal(size=(400, 400))
        e = np.linalg.eigvalsh(a + a.T)
        goe.append(level_spacing_ratio(e[100:300]))
    assert np.mean(goe) == pytest.approx(R_GOE, abs=0.015)
    assert R_POISSON < R_MIDPOINT < R_GOE
    params = dnpmbl.Parameters.from_units(8, u_mhz=15.0)
    u_ij, _ = dnpmbl.realization_couplings(params, 3, 0)
    energies = eigenstate_diagnostics(params, u_ij).energies
    np.testing.assert_allclose(electron_energies(params, u_ij), energies, rtol=0, atol=1e-12 * np.abs(energies).max())
