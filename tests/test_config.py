"""Configuration validation: schema defaults, the commented default config, and malformed
configs that must fail at once with one line naming the key."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dnpmbl.pipeline.config import (
    ConfigError,
    b_scan_conventions,
    b_scan_offset,
    error_bar_offsets,
    fig3_b_offsets,
    fixed_offset,
    realization_points,
    validate_config,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def test_defaults_fill_an_empty_config():
    config = validate_config({}, SCHEMA)
    assert config["n_spins"] == 12 and config["realizations"] >= 100
    assert config["physics"]["delta_omega_e_mhz"] == 54.0
    assert len(config["fig3"]["u_mhz"]) >= 12 and len(config["fig3"]["b_scan_tesla"]) >= 8


def test_commented_default_config_equals_schema_defaults():
    """config/config.yaml states every default, and states it as the schema does."""
    written = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    assert validate_config(written, SCHEMA) == validate_config({}, SCHEMA)

    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out.add(prefix + k)
            if isinstance(v, dict) and k != "realizations":
                out |= keys(v, prefix + k + ".")
        return out

    assert keys(written) == keys(validate_config({}, SCHEMA))


@pytest.mark.parametrize(
    "override, solver, jobs",
    [
        ({}, "lu", "combined"),
        ({"backend": "gpu"}, "lu", "combined"),
        ({"stationary_solver": "gth"}, "gth", "combined"),
        ({"backend": "gpu", "realization_jobs": "split"}, "lu", "split"),
        ({"realization_jobs": "split"}, "lu", "split"),
    ],
)
def test_automatic_solver_is_lu_on_either_backend(override, solver, jobs):
    config = validate_config(override, SCHEMA)
    assert (config["stationary_solver"], config["realization_jobs"]) == (solver, jobs)


def test_shared_points_are_merged():
    config = validate_config({}, SCHEMA)
    points = realization_points(config)
    shared = points[("paper", "12", "3.35", "15")]
    assert len(shared["offsets"]) == 121  # fig2 grid, which contains fig3's -0.5
    assert -0.5 in shared["offsets"] and shared["realizations"] == 100
    # The default B scan draws both conventions: -0.5 dw_e and -27 MHz at 7 T.
    assert points[("paper", "12", "7", "15")] == {"offsets": [-0.5, fixed_offset(config, 7.0)], "realizations": 100}


# --- fig3.b_scan_offset: the B scan's microwave conventions --------------------------------

B_SCAN = {"b_scan_tesla": [1.675, 3.35, 6.7], "u_fixed_mhz": 15}


def b_scan_plan(convention):
    """The offsets of each field of the B scan under ``convention`` (only Fig. 3 asked for,
    so the U scan's point at 3.35 T adds nothing but mw_offset)."""
    config = validate_config({"figures": ["fig3"], "fig3": {**B_SCAN, "b_scan_offset": convention}}, SCHEMA)
    points = realization_points(config)
    return {b: points[("paper", "12", b, "15")]["offsets"] for b in ("1.675", "3.35", "6.7")}


def test_b_scan_offset_scaled_and_fixed_plan_one_offset_per_field():
    """scaled keeps mw_offset = -0.5 at every field; fixed keeps -27 MHz: -0.5 b_ref / B."""
    assert b_scan_plan("scaled") == {"1.675": [-0.5], "3.35": [-0.5], "6.7": [-0.5]}
    assert b_scan_plan("fixed") == {"1.675": [-1.0], "3.35": [-0.5], "6.7": [-0.25]}


def test_b_scan_offset_both_plans_both_offsets_and_one_at_the_reference_field():
    """both: each realization of a field holds the two frequencies, which are one at b_ref."""
    assert b_scan_plan("both") == {"1.675": [-1.0, -0.5], "3.35": [-0.5], "6.7": [-0.5, -0.25]}
    config = validate_config({"fig3": {**B_SCAN, "b_scan_offset": "both"}}, SCHEMA)
    assert b_scan_conventions(config) == ["scaled", "fixed"]
    assert fig3_b_offsets(config) == {
        "scaled": {"1.675": -0.5, "3.35": -0.5, "6.7": -0.5},
        "fixed": {"1.675": -1.0, "3.35": -0.5, "6.7": -0.25},
    }
    # One convention has one offset; "both" is not one.
    assert b_scan_offset(config, 6.7, "fixed") == -0.25
    with pytest.raises(ConfigError, match="fig3.b_scan_offset: 'both' is not one convention"):
        b_scan_offset(config, 6.7)


@pytest.mark.parametrize(
    "convention, at_6_7",
    [("scaled", [-0.5]), ("fixed", [-0.5, -0.25]), ("both", [-0.5, -0.25])],
)
def test_error_bars_at_every_convention_the_b_scan_draws(convention, at_6_7):
    """The fit rule bootstraps at mw_offset and at the B scan's offset under each convention
    asked for, never at the other offsets of a point."""
    config = validate_config({"fig3": {**B_SCAN, "b_scan_offset": convention}}, SCHEMA)
    assert error_bar_offsets(config, 6.7, [-1.0, -0.5, -0.25, 0.3]) == at_6_7
    assert error_bar_offsets(config, 3.35, [-1.0, -0.5, 0.0]) == [-0.5]


def test_fig3_b_offsets_of_one_convention_are_todays():
    """scaled and fixed give the Fig. 3 table one convention, with the offsets they plan."""
    for convention, plan in (("scaled", b_scan_plan("scaled")), ("fixed", b_scan_plan("fixed"))):
        config = validate_config({"fig3": {**B_SCAN, "b_scan_offset": convention}}, SCHEMA)
        assert fig3_b_offsets(config) == {convention: {b: offsets[0] for b, offsets in plan.items()}}


MALFORMED = [
    ({"nonsense": 1}, "nonsense"),
    ({"physics": {"t1_e": 1.0}}, "t1_e"),
    ({"n_spins": "twelve"}, "n_spins"),
    ({"n_spins": 1}, "n_spins"),
    ({"n_spins": 20}, "n_spins"),
    ({"n_spins": 12.5}, "n_spins"),
    ({"realizations": 0}, "realizations"),
    ({"seed": -3}, "seed"),
    ({"mw_offset": 7}, "mw_offset"),
    ({"threads": 0}, "threads"),
    ({"physics": {"t1e_s": -1.0}}, "physics.t1e_s"),
    ({"physics": {"t2e_s": 0}}, "physics.t2e_s"),
    ({"physics": {"beta_per_kelvin": "cold"}}, "physics.beta_per_kelvin"),
    ({"physics": {"d_mhz": -1}}, "physics.d_mhz"),
    ({"physics": {"omega_n_mhz": -20}}, "physics.omega_n_mhz"),
    ({"fig2": {"u_mhz": []}}, "fig2.u_mhz"),
    ({"fig2": {"u_mhz": [2, 2]}}, "fig2.u_mhz"),
    ({"fig2": {"offset_min": 1.0, "offset_max": -1.0}}, "fig2.offset_min"),
    ({"fig2": {"offset_points": 1}}, "fig2.offset_points"),
    ({"fig3": {"u_mhz": [15, -2]}}, "fig3.u_mhz[1]"),
    ({"fig3": {"b_scan_tesla": [3.35, 3.350]}}, "fig3.b_scan_tesla"),
    ({"fig3": {"b_scan_tesla": []}}, "fig3.b_scan_tesla"),
    ({"fig3": {"u_fixed_mhz": 0}}, "fig3.u_fixed_mhz"),
    ({"fig4": {"n_spins": [8, 9]}}, "fig4.n_spins"),
    ({"fig4": {"n_spins": [18]}}, "fig4.n_spins[0]"),
    ({"fig4": {"realizations": {"eight": 3}}}, "fig4.realizations"),
    ({"fig4": {"realizations": {"8": 0}}}, "fig4.realizations.8"),
    ({"fig4": {"spin": 0}}, "fig4.spin"),
    ({"fig4": {"n_spins": [4], "example_n_spins": 4, "spin": 6}}, "fig4.spin"),
    ({"analysis": {"pe_order": 1}}, "analysis.pe_order"),
    ({"analysis": {"bootstrap_resamples": 2}}, "analysis.bootstrap_resamples"),
    ({"backend": "cuda"}, "backend"),
    ({"stationary_solver": "qr"}, "stationary_solver"),
    ({"realization_jobs": "both"}, "realization_jobs"),
    ({"fig3": {"b_scan_offset": "scaled+fixed"}}, "fig3.b_scan_offset"),
    ({"backend": "gpu", "stationary_solver": "gth"}, "stationary_solver"),
]


@pytest.mark.parametrize("override, key", MALFORMED, ids=[k for _, k in MALFORMED])
def test_malformed_config_names_the_key(override, key):
    with pytest.raises(ConfigError) as info:
        validate_config(copy.deepcopy(override), SCHEMA)
    message = str(info.value)
    assert "\n" not in message
    assert key in message, message


def test_snakemake_refuses_bad_config_before_any_job(tmp_path):
    """The workflow stops at parse time with the one-line message, writing nothing."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("fig4:\n  n_spins: [8, 11]\n")
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(tmp_path),
         "--configfile", str(bad), "--cores", "1"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "config key fig4.n_spins: N = 11 is odd" in proc.stderr + proc.stdout
    assert not (tmp_path / "results").exists()


def test_offsets_have_one_exact_key():
    """Every offset is canonical (the float its path-style key reads as), so the Fig. 2 grid
    and mw_offset meet exactly at -0.5, and rules compare offsets with ==."""
    import numpy as np

    from dnpmbl.pipeline.config import canonical_offset, figure_points, offset_key

    grid = np.linspace(-1.5, 1.5, 121)
    assert offset_key(grid[40]) == "-0.5" and canonical_offset(grid[40]) == -0.5
    assert canonical_offset(0.1 + 0.2) == 0.3 and offset_key(-0.475) == "-0.475"
    config = validate_config({}, SCHEMA)
    offsets = realization_points(config)[("paper", "12", "3.35", "15")]["offsets"]
    assert len(offsets) == 121 and offsets.count(-0.5) == 1
    assert all(canonical_offset(o) == o for o in offsets)
    points = figure_points(config)
    assert points["fig2"] == [(3.35, 2), (3.35, 15)] and len(points["fig3_b"]) == 9
