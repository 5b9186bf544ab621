"""Configuration validation: schema defaults, the commented default config, and malformed
configs that must fail at once with one line naming the key."""

import copy
import re
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
    "override, solver",
    [
        ({}, "lu"),
        ({"backend": "gpu"}, "lu"),
        ({"stationary_solver": "gth"}, "gth"),
    ],
)
def test_automatic_solver_is_lu_on_either_backend(override, solver):
    config = validate_config(override, SCHEMA)
    assert config["stationary_solver"] == solver


def test_removed_split_layout_is_refused_with_its_reason():
    """The split layout was removed (16 % slower than one job per realization): a config
    that still asks for it stops with one line saying so; one that names the only layout
    left (combined) runs as without the key."""
    with pytest.raises(ConfigError) as info:
        validate_config({"realization_jobs": "split"}, SCHEMA)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("config key realization_jobs:") and "removed" in message and "16 %" in message, message
    assert validate_config({"realization_jobs": "combined"}, SCHEMA) == validate_config({}, SCHEMA)


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
    ({"fig3": {"b_scan_offset": "scaled+fixed"}}, "fig3.b_scan_offset"),
    ({"backend": "gpu", "stationary_solver": "gth"}, "stationary_solver"),
    ({"physics": {"bath_z_channel": "no"}}, "physics.bath_z_channel"),
    ({"models": {"zoff": {"bath_z_channel": 0}}}, "models.zoff.bath_z_channel"),
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


# --- reliability, third round ----------------------------------------------------------------

IMPLAUSIBLE = [
    # (override, key, words): values a job used to die on, or that ran to the end in the
    # wrong unit; each is refused naming the key, with its unit.
    ({"physics": {"beta_per_kelvin": 1.0e-300}}, "physics.beta_per_kelvin", "1e-300 1/K"),
    ({"physics": {"t1e_s": 1.0e300}}, "physics.t1e_s", "1e+300 s"),
    ({"physics": {"t2e_s": 1.0e300}}, "physics.t2e_s", "1e+300 s"),
    ({"physics": {"omega_e_ghz": 93900}}, "physics.omega_e_ghz", "93900 GHz"),
    ({"physics": {"delta_omega_e_mhz": 54000}}, "physics.delta_omega_e_mhz", "54000 MHz"),
    ({"physics": {"b_ref_tesla": 1e-300}}, "physics.b_ref_tesla", "1e-300 T"),
    ({"physics": {"omega_1_khz": 25000}}, "physics.omega_1_khz", "25000 kHz"),
    ({"fig3": {"u_mhz": [1.0e-300]}}, "fig3.u_mhz[0]", "1e-300 MHz"),
    ({"fig3": {"b_scan_tesla": [1e-300, 3.35]}}, "fig3.b_scan_tesla[0]", "1e-300 T"),
    ({"models": {"x": {"t1e_s": 1.0e300}}}, "models.x.t1e_s", "1e+300 s"),
    # each value within its range, together out of reach of double precision
    ({"physics": {"beta_per_kelvin": 100}}, "physics.beta_per_kelvin", "Boltzmann factors"),
    ({"physics": {"omega_e_ghz": 1, "delta_omega_e_mhz": 5000}}, "physics.delta_omega_e_mhz", "not be a positive frequency"),
]


@pytest.mark.parametrize("override, key, words", IMPLAUSIBLE, ids=[k for _, k, _ in IMPLAUSIBLE])
def test_implausible_values_are_refused_with_their_unit(override, key, words):
    with pytest.raises(ConfigError) as info:
        validate_config(copy.deepcopy(override), SCHEMA)
    message = str(info.value)
    assert "\n" not in message and f"config key {key}:" in message and words in message, message


def test_hyperfine_is_checked_at_the_points_the_figures_compute():
    """d_mhz used to be held against the 7 T of Figure S4's default B scan with no figure
    asking for it; the message names the frequency and the point that decide."""
    validate_config({"figures": ["fig2"], "physics": {"d_mhz": 1e-3}}, SCHEMA)  # 1e-5 of 54 MHz
    with pytest.raises(ConfigError, match=r"physics.d_mhz: .*dw_e = 112.8 MHz at B = 7 T"):
        validate_config({"figures": ["s4"], "physics": {"d_mhz": 1e-3}}, SCHEMA)


def test_count_keys_are_n_as_it_is_looked_up():
    """"010" was accepted and never looked up (N = 10 then used default_realizations)."""
    for mapping, key in (("fig4", "010"), ("fig4", "+10"), ("fig4", "9"), ("fig4", "18"), ("beyond", "3")):
        with pytest.raises(ConfigError, match=re.escape(f"config key {mapping}.realizations.{key}:")):
            validate_config({mapping: {"realizations": {key: 5}}}, SCHEMA)
    with pytest.raises(ConfigError, match="beyond.level_statistics.realizations.08"):
        validate_config({"beyond": {"level_statistics": {"realizations": {"08": 5}}}}, SCHEMA)
    # Keys of N a requested figure does not compute are dropped: the config is the same
    # with or without config/config.yaml's mapping merged in.
    alone = {"fig4": {"n_spins": [4, 6], "example_n_spins": 6, "realizations": {"4": 3, "6": 3}}}
    merged = copy.deepcopy(alone)
    merged["fig4"]["realizations"].update({"8": 400, "16": 4})
    assert validate_config(merged, SCHEMA) == validate_config(alone, SCHEMA)
    assert validate_config(alone, SCHEMA)["fig4"]["realizations"] == {"4": 3, "6": 3}


@pytest.mark.parametrize(
    "override, key",
    [
        ({"fig2": {"u_mhz": [2.00000000001]}}, "fig2.u_mhz[0]"),
        ({"fig4": {"u_mhz": [2, 2.0000000000001]}}, "fig4.u_mhz[1]"),
        ({"beyond": {"u_mhz": [2, 2.00000000000001, 4]}}, "beyond.u_mhz[1]"),
        ({"beyond": {"b_scan": {"b_tesla": [2.5, 2.50000000000001]}}}, "beyond.b_scan.b_tesla[1]"),
        ({"beyond": {"sensitivity": {"mw_offsets": [-0.3, -0.30000000000001]}}}, "beyond.sensitivity.mw_offsets[1]"),
        ({"mw_offset": -0.5000000000001}, "mw_offset"),
    ],
)
def test_values_a_path_cannot_tell_apart_are_refused(override, key):
    """Near-duplicate U values were refused in fig2 and fig3 but merged without a word in
    fig4 and beyond: every value that names a path or an offset must be what its text says."""
    with pytest.raises(ConfigError, match=rf"config key {re.escape(key)}: .* 10 significant digits"):
        validate_config(copy.deepcopy(override), SCHEMA)


def test_numbers_written_as_text_are_numbers():
    """YAML 1.1 reads `t2e_s: 1e-6` as text and `--config "fig3={'u_mhz': [2, 15]}"` gives
    texts: both were refused as 'not of type number'."""
    config = validate_config(
        yaml.safe_load("physics: {t2e_s: 1e-6}\nfig3: {u_mhz: ['2', '15', '30']}\nn_spins: '8'\n"), SCHEMA
    )
    assert config["physics"]["t2e_s"] == 1e-6 and config["fig3"]["u_mhz"] == [2, 15, 30] and config["n_spins"] == 8
    for override, key in (({"threads": "two"}, "threads"), ({"physics": {"t2e_s": "1e-6s"}}, "physics.t2e_s")):
        with pytest.raises(ConfigError, match=f"config key {key}: .* is not of type"):
            validate_config(override, SCHEMA)


@pytest.mark.parametrize(
    "text, words",
    [
        ("seed: 3\nseed: 4\n", "line 2: key 'seed' is given twice"),
        ("fig3:\n  u_mhz: [2]\n  u_mhz: [4]\n", "line 3: key 'u_mhz' is given twice"),
        ("- 1\n- 2\n", "a mapping of keys, not a list"),
        ("fig3: {u_mhz: [2, 15\n", "not valid YAML at line 2"),
        ("physics:\n\tt1e_s: 2\n", "not valid YAML at line 2"),
    ],
    ids=["twice", "twice-nested", "list", "syntax", "tab"],
)
def test_config_files_are_read_strictly(tmp_path, text, words):
    from dnpmbl.pipeline.config import load_config

    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config([path], ROOT)
    assert str(info.value).startswith(f"config file {path}") and words in str(info.value), str(info.value)
    with pytest.raises(ConfigError, match="no such file"):
        load_config([tmp_path / "missing.yaml"], ROOT)


def test_snakemake_refuses_a_key_given_twice_and_reads_nested_config_numbers(tmp_path):
    """Snakemake's own reading keeps the last of a key given twice: the workflow refuses it;
    numbers nested in --config are numbers."""
    twice = tmp_path / "twice.yaml"
    twice.write_text("seed: 3\nseed: 4\n")
    base = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(tmp_path), "-n", "--cores", "1"]
    proc = subprocess.run([*base, "--configfile", str(twice)], capture_output=True, text=True)
    assert proc.returncode != 0 and "line 2: key 'seed' is given twice" in proc.stderr + proc.stdout
    proc = subprocess.run(
        [*base, "--configfile", str(ROOT / "config" / "smoke.yaml"), "--config", "fig3={'u_mhz':[2,15,30]}"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.parametrize(
    "text, words",
    [(None, "no such file"), ("- 1\n", "not a list"), ("a: [1\n", "not valid YAML"), ("seed: 1\nseed: 2\n", "given twice")],
    ids=["missing", "list", "syntax", "twice"],
)
def test_make_run_plan_refuses_a_bad_config_in_one_line(tmp_path, text, words):
    """`make run CONFIG=...` with these ended in a traceback from the planning script."""
    path = tmp_path / "c.yaml"
    if text is not None:
        path.write_text(text)
    proc = subprocess.run([sys.executable, str(ROOT / "workflow" / "scripts" / "plan.py"), str(path), "2", ""], capture_output=True, text=True)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and words in lines[0] and "Traceback" not in proc.stderr, proc.stderr


def test_a_model_without_the_bath_z_channel_is_a_variant_of_its_own():
    """``bath_z_channel`` is a physics key: a model switches it off, the paper model keeps
    it, and the variant's parameters are those of the config with only that changed."""
    from dnpmbl.pipeline.config import model_names, model_physics
    from dnpmbl.pipeline.jobs import parameters_from_config

    config = validate_config({"models": {"zoff": {"bath_z_channel": False}}}, SCHEMA)
    assert config["physics"]["bath_z_channel"] is True and model_names(config) == ["paper", "zoff"]
    paper, zoff = (parameters_from_config(model_physics(config, m), 6, 3.35, 15) for m in ("paper", "zoff"))
    assert paper.bath_z_channel is True and zoff.bath_z_channel is False
    assert zoff == paper.with_(bath_z_channel=False)
