"""The tables behind the figures (``dnpmbl.pipeline.tables``): exact joins on canonical offsets."""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dnpmbl.pipeline.config import fig3_b_offsets, fmt, realization_points, validate_config
from dnpmbl.pipeline.figures import table_settings
from dnpmbl.pipeline.io import POINT_SCHEMAS, write_point_table
from dnpmbl.pipeline.readers import DataFileError
from dnpmbl.pipeline.tables import FIGURE_TABLES, U_SCAN_CONVENTION, at_offset, fig3_table, figure_table, join_points


def _frame(offsets, column, value):
    return pd.DataFrame({"n_spins": 6, "b_tesla": 3.35, "u_mhz": 15.0, "offset": offsets, column: value})


def test_join_is_exact_and_refuses_offsets_that_do_not_match():
    fit = _frame([-0.5, 0.0], "p_n_fm", [0.2, 0.0])
    fluct = _frame([-0.5, 0.0], "p_n_mean", [0.19, 0.01])
    joined = join_points(fit=fit, fluctuations=fluct)
    assert list(joined["p_n_fm"]) == [0.2, 0.0] and list(joined["p_n_mean"]) == [0.19, 0.01]
    assert list(at_offset(joined, -0.5)["p_n_mean"]) == [0.19]
    assert at_offset(joined, -0.5 + 1e-12).empty  # not the same offset
    off = _frame([-0.49999999999999994, 0.0], "p_n_fm", [0.2, 0.0])
    with pytest.raises(DataFileError, match="disagree on their offsets"):
        join_points(fit=off, fluctuations=fluct)


def test_every_figure_has_a_table_function():
    assert sorted(FIGURE_TABLES) == ["fig2", "fig3", "fig4", "fig5", "s1", "s2", "s3", "s4", "s5"]
    with pytest.raises(ValueError, match="unknown figure"):
        figure_table("fig6", {}, {}, {})


# --- Fig. 3: the B scan under one microwave convention or both -------------------------------

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"
#: The Fig. 3 points of these tests: the U scan at 3.35 T, the B scan at 15 MHz.
U_SCAN, B_SCAN = [2.0, 15.0], [1.675, 3.35, 6.7]


def _value(field, b, u, offset):
    """A number for each column of a point table, distinct per point and offset."""
    if pa.types.is_boolean(field.type):
        return True
    if pa.types.is_list(field.type):
        return [0.0]
    if pa.types.is_integer(field.type):
        return 6 if field.name == "n_spins" else 3
    return round(0.01 * b + 0.001 * u + 0.1 * offset, 10) if field.name.startswith("p_n") else 1.0


def _point_files(directory, b, u, offsets) -> dict:
    """fit, fluctuations and pe tables of one point at ``offsets``, as the analyses write them."""
    paths = {}
    for kind in ("fit", "fluctuations", "pe"):
        rows = [
            {field.name: _value(field, b, u, o) for field in POINT_SCHEMAS[kind]} | {"b_tesla": b, "u_mhz": u, "offset": o}
            for o in offsets
        ]
        path = directory / f"B{fmt(b)}" / f"U{fmt(u)}" / f"{kind}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_point_table(rows, path, kind)
        paths[kind] = path
    return paths


def _fig3_inputs(directory, config, drop=None) -> dict:
    """The named inputs of the Fig. 3 table, each point solved at the offsets ``config``
    plans (less ``drop``: ``(b, offset)``)."""
    planned = realization_points(config)
    inputs = {f"{side}_{kind}": [] for side in ("left", "right") for kind in ("fit", "fluctuations", "pe")}
    for side, points in (("left", [(3.35, u) for u in U_SCAN]), ("right", [(b, 15.0) for b in B_SCAN])):
        for b, u in points:
            offsets = [o for o in planned[("paper", "12", fmt(b), fmt(u))]["offsets"] if (b, o) != drop]
            for kind, path in _point_files(directory / side, b, u, offsets).items():
                inputs[f"{side}_{kind}"].append(path)
    return inputs


def _fig3_config(convention):
    fig3 = {"u_mhz": U_SCAN, "b_scan_tesla": B_SCAN, "u_fixed_mhz": 15, "b_scan_offset": convention}
    return validate_config({"figures": ["fig3"], "fig3": fig3}, SCHEMA)


def _fig3_settings(config):
    """What the Fig. 3 specification gives its table (dnpmbl.pipeline.figures)."""
    settings = table_settings("fig3", config)
    assert settings == {"offset": config["mw_offset"], "b_offsets": fig3_b_offsets(config), "pe_order": 2}
    return settings


def test_fig3_table_holds_both_conventions_and_their_rows_agree_at_b_ref(tmp_path):
    config = _fig3_config("both")
    table = fig3_table(_fig3_inputs(tmp_path, config), _fig3_settings(config))
    assert list(table.columns[:2]) == ["panel", "convention"]
    u_rows, b_rows = table[table["panel"] == "U"], table[table["panel"] == "B"]
    assert list(u_rows["u_mhz"]) == U_SCAN and set(u_rows["convention"]) == {U_SCAN_CONVENTION}
    assert list(u_rows["offset"]) == [-0.5, -0.5]
    # One row per field and convention: scaled keeps -0.5 dw_e, fixed -27 MHz (-0.5 b_ref / B).
    assert list(zip(b_rows["convention"], b_rows["b_tesla"], b_rows["offset"])) == [
        ("scaled", 1.675, -0.5), ("scaled", 3.35, -0.5), ("scaled", 6.7, -0.5),
        ("fixed", 1.675, -1.0), ("fixed", 3.35, -0.5), ("fixed", 6.7, -0.25),
    ]  # fmt: skip
    # At b_ref the two conventions are one computed point: the same numbers twice.
    at_ref = b_rows[b_rows["b_tesla"] == 3.35].drop(columns="convention")
    assert len(at_ref) == 2 and at_ref.iloc[0].equals(at_ref.iloc[1])
    fixed = b_rows[b_rows["convention"] == "fixed"].set_index("b_tesla")
    scaled = b_rows[b_rows["convention"] == "scaled"].set_index("b_tesla")
    assert fixed.loc[6.7, "p_n_mean"] != scaled.loc[6.7, "p_n_mean"]
    assert (table["p_n_pe"] == table["p_n_pe2_continuum"]).all() and (table["pe_order"] == 2).all()


@pytest.mark.parametrize("convention, offsets", [("scaled", [-0.5, -0.5, -0.5]), ("fixed", [-1.0, -0.5, -0.25])])
def test_fig3_table_of_one_convention_holds_only_its_rows(tmp_path, convention, offsets):
    config = _fig3_config(convention)
    table = fig3_table(_fig3_inputs(tmp_path, config), _fig3_settings(config))
    b_rows = table[table["panel"] == "B"]
    assert list(b_rows["b_tesla"]) == B_SCAN and list(b_rows["offset"]) == offsets
    assert set(b_rows["convention"]) == {convention}


def test_fig3_table_without_a_conventions_offset_names_the_file(tmp_path):
    """A B-scan point solved without the fixed convention's frequency (e.g. by a scaled run)
    stops the table, naming the point's file, the field and the convention."""
    config = _fig3_config("both")
    inputs = _fig3_inputs(tmp_path, config, drop=(6.7, -0.25))
    with pytest.raises(DataFileError) as err:
        fig3_table(inputs, _fig3_settings(config))
    message = str(err.value)
    assert str(tmp_path / "right" / "B6.7" / "U15" / "fit.parquet") in message
    assert "offset -0.25" in message and "B = 6.7 T" in message and "fixed convention" in message


# --- the other figures' tables, from tiny files written as the rules write them -------------


def _kl_file(directory, b, u, offsets):
    rows = [
        {field.name: _value(field, b, u, o) for field in POINT_SCHEMAS["kl"]} | {"b_tesla": b, "u_mhz": u, "offset": o, "kl_mean": 0.01 * u}
        for o in offsets
    ]
    path = directory / f"B{fmt(b)}" / f"U{fmt(u)}" / "kl.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_point_table(rows, path, "kl")
    return path


def test_fig2_and_fig5_tables_join_the_point_analyses(tmp_path):
    offsets = [-1.0, -0.5, 0.5]
    points = {u: _point_files(tmp_path, 3.35, u, offsets) for u in (2.0, 15.0)}
    inputs = {kind: [points[u][kind] for u in (2.0, 15.0)] for kind in ("fit", "fluctuations", "pe")}
    fig2 = figure_table("fig2", inputs, {}, {"git_commit": "abc"})
    assert list(zip(fig2["u_mhz"], fig2["offset"])) == [(u, o) for u in (2.0, 15.0) for o in offsets]
    assert {"p_n_fm", "p_n_mean", "p_n_pe2_finite"} <= set(fig2.columns) and set(fig2["git_commit"]) == {"abc"}
    inputs = {"kl": [_kl_file(tmp_path, 3.35, u, offsets) for u in (2.0, 15.0)], "fluctuations": inputs["fluctuations"]}
    fig5 = figure_table("fig5", inputs, {"offset": -0.5}, {})
    assert list(fig5["u_mhz"]) == [2.0, 15.0] and list(fig5["offset"]) == [-0.5, -0.5]
    assert list(fig5["kl_mean"]) == [0.02, 0.15]
    assert "kl_per_realization" not in fig5.columns


def test_a_copy_of_another_points_table_is_refused(tmp_path):
    from dnpmbl.pipeline.tables import read_frames

    a = _point_files(tmp_path / "a", 3.35, 2.0, [-0.5])["fit"]
    b = _point_files(tmp_path / "b", 3.35, 2.0, [-0.5])["fit"]
    with pytest.raises(DataFileError, match="a copy of another point's table"):
        read_frames([a, b], "fit")
    with pytest.raises(DataFileError, match="no input tables"):
        read_frames([], "fit")


def _eigenstate_frame(n, u, r, seed=0):
    rng = np.random.default_rng(seed)
    size = 20
    sz = rng.uniform(-0.5, 0.5, size=(size, n))
    frame = pd.DataFrame({"n_spins": n, "u_mhz": u, "realization": r, "seed": 1, "index": np.arange(size),
                          "energy_rad_s": np.sort(rng.normal(size=size))})  # fmt: skip
    for i in range(n):
        frame[f"sz_{i + 1}"] = sz[:, i]
    return frame


def test_fig4_tables_average_delta_m_per_point_and_draw_one_realization():
    from dnpmbl.pipeline.tables import fig4_tables

    frames = [_eigenstate_frame(n, u, r, seed=10 * n + r) for n in (4, 6) for u in (2.0, 45.0) for r in range(3)]
    table = fig4_tables(frames, example_n_spins=6, example_realization=1, spin=1)
    a, b = table[table["panel"] == "a"], table[table["panel"] == "b"]
    assert set(a["n_spins"]) == {6} and set(a["realization"]) == {1} and len(a) == 2 * 20
    assert list(zip(b["n_spins"], b["u_mhz"])) == [(4, 2.0), (4, 45.0), (6, 2.0), (6, 45.0)]
    assert (b["realizations"] == 3).all() and (b["delta_m_se"] > 0).all()
    with pytest.raises(DataFileError, match="no eigenstate file of realization 5"):
        fig4_tables(frames, example_n_spins=6, example_realization=5, spin=1)


def _scan_file(root, name, model, n, us, offsets, ratio=lambda u: u / 10):
    from dnpmbl.pipeline.io import POINT_SCHEMAS as schemas, SCAN_STATISTICS

    rows = []
    for u in us:
        for o in offsets:
            row = {"scan": name, "model": model, "n_spins": n, "b_tesla": 3.35, "u_mhz": u, "offset": o, "n_realizations": 4,
                   "omega_n_mhz": 20.0, "d_mhz": 1.0, "zeeman_shifts": "equal"}  # fmt: skip
            for stat in SCAN_STATISTICS:
                value = ratio(u) if stat == "ratio" else 0.1
                row |= {stat: value, f"{stat}_se": 0.01, f"{stat}_boot": [value * 0.99, value * 1.01]}
            rows.append(row)
    assert set(rows[0]) == {f.name for f in schemas["scan"]}
    path = root / "results" / "scans" / f"{name}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_point_table(rows, path, "scan")
    return path


def test_s1_table_keeps_the_paper_model_at_the_offset_without_resamples(tmp_path):
    scans = [_scan_file(tmp_path, "u_N4", "paper", 4, [2.0, 10.0], [-0.5, -0.3]),
             _scan_file(tmp_path, "u_N4_wn", "wn", 4, [2.0, 10.0], [-0.5])]  # fmt: skip
    table = figure_table("s1", {"scans": scans}, {"offset": -0.5}, {})
    assert set(table["model"]) == {"paper"} and set(table["offset"]) == {-0.5}
    assert list(table["u_mhz"]) == [2.0, 10.0]
    assert not [c for c in table.columns if c.endswith("_boot")]


def test_scan_crossing_of_a_rising_ratio():
    from dnpmbl.pipeline.tables import scan_crossings

    scan = pd.DataFrame({"u_mhz": [2.0, 6.0, 10.0], "ratio": [0.5, 0.8, 1.0]})
    scan["ratio_boot"] = [[v, v] for v in scan["ratio"]]
    result = scan_crossings(scan, "ratio", 0.9, rising=True)
    assert 6.0 < result["u_c"] < 10.0 and result["u_c"] == pytest.approx(8.0)


def test_s3_table_names_each_variant_by_what_it_changes(tmp_path):
    from dnpmbl.pipeline.tables import describe_change

    assert describe_change("omega_n_mhz", 13.5) == "w_n = 13.5 MHz"
    assert describe_change("zeeman_shifts", "random") == "random Zeeman shifts"
    assert describe_change("zeeman_shifts", "equal") == "equally spaced Zeeman shifts"
    assert describe_change("t1e_s", 2.0) == "t1e_s = 2"
    assert describe_change("bath_z_channel", False) == "no bath Sz channel"
    scans = [_scan_file(tmp_path, "u_N6", "paper", 6, [2.0, 6.0, 10.0], [-0.5, -0.3]),
             _scan_file(tmp_path, "u_N6_wn", "wn", 6, [2.0, 6.0, 10.0], [-0.5])]  # fmt: skip
    settings = {"offset": -0.5, "n_spins": 6, "ratio": 0.4, "models": {"wn": {"omega_n_mhz": 13.5}}}
    table = figure_table("s3", {"scans": scans}, settings, {})
    assert list(dict.fromkeys(table["variant"])) == ["paper model, offset -0.5", "offset -0.3", "w_n = 13.5 MHz"]
    assert table["u_c_ratio"].iloc[0] == pytest.approx(4.0)
    with pytest.raises(DataFileError, match="no scan at the sensitivity N"):
        figure_table("s3", {"scans": scans}, dict(settings, n_spins=8), {})


def test_s3_paired_difference_is_the_bootstrap_of_the_per_realization_difference():
    """Mean exact P_n of a variant minus the paper model's, on the same realizations and the
    same resamples: since a mean is linear, the paired SE is exactly the bootstrap SE of the
    per-realization differences, and far below the unpaired SE when the two move together."""
    from dnpmbl.pipeline.tables import paired_differences
    from dnpmbl.statistics import resample_indices

    rng = np.random.default_rng(7)
    paper = rng.normal(0.15, 0.1, size=50)  # spread between realizations, shared by both
    variant = paper + rng.normal(0.01, 0.005, size=50)  # the variant's own change
    indices = resample_indices(50, 200)

    def scan_rows(values, n_realizations=50):
        boot = values[indices].mean(axis=1)
        return pd.DataFrame({"b_tesla": [3.35], "u_mhz": [2.0], "n_realizations": [n_realizations],
                             "p_n_mean": [values.mean()], "p_n_mean_boot": [boot.tolist()],
                             "p_n_fm": [0.2], "p_n_fm_boot": [[0.2] * len(boot)],
                             "ratio": [values.mean() / 0.2], "ratio_boot": [(boot / 0.2).tolist()]})  # fmt: skip

    paired = paired_differences(scan_rows(variant), scan_rows(paper)).iloc[0]
    own = (variant - paper)[indices].mean(axis=1)
    assert paired["p_n_mean_diff"] == pytest.approx((variant - paper).mean())
    assert paired["p_n_mean_diff_se"] == pytest.approx(np.std(own, ddof=1))
    assert paired["ratio_diff_se"] == pytest.approx(paired["p_n_mean_diff_se"] / 0.2)
    assert paired["p_n_fm_diff"] == 0.0 and paired["p_n_fm_diff_se"] == 0.0  # the same fitted value in both
    unpaired = np.hypot(np.std(paper[indices].mean(axis=1), ddof=1), np.std(variant[indices].mean(axis=1), ddof=1))
    assert paired["p_n_mean_diff_se"] < unpaired / 5
    # other realizations (another R), or no reference point: no pairing
    assert paired_differences(scan_rows(variant, 40), scan_rows(paper)).isna().all(axis=None)
    assert paired_differences(scan_rows(variant), scan_rows(paper).iloc[:0]).isna().all(axis=None)


def test_s3_table_pairs_each_variant_with_the_paper_model(tmp_path):
    paper = _scan_file(tmp_path, "u_N6", "paper", 6, [2.0, 6.0], [-0.5])
    other_offset = _scan_file(tmp_path, "u_N6_o", "paper", 6, [2.0, 6.0], [-0.3], ratio=lambda u: u / 20)
    scans = [paper, other_offset, _scan_file(tmp_path, "u_N6_wn", "wn", 6, [2.0, 6.0], [-0.5], ratio=lambda u: u / 5)]
    settings = {"offset": -0.5, "n_spins": 6, "ratio": 0.4, "models": {"wn": {"omega_n_mhz": 13.5}}}
    table = figure_table("s3", {"scans": scans}, settings, {}).set_index(["variant", "u_mhz"])
    assert table.loc[("paper model, offset -0.5", 2.0), ["ratio_diff", "ratio_diff_se"]].isna().all()
    wn = table.loc[("w_n = 13.5 MHz", 6.0)]
    assert wn["ratio_diff"] == pytest.approx(1.2 - 0.6)
    assert wn["ratio_diff_se"] == pytest.approx(np.std([1.2 * 0.99 - 0.6 * 0.99, 1.2 * 1.01 - 0.6 * 1.01], ddof=1))
    assert table.loc[("offset -0.3", 6.0), "ratio_diff"] == pytest.approx(0.3 - 0.6)  # against offset -0.5, not itself


def test_s5_table_names_each_model_and_gives_the_detuning(tmp_path):
    """One row per model and offset, the config's model first, in offset order; w_MW - w_e
    in MHz from dw_e; a scan of a model the config does not name is refused."""
    offsets = [0.1, -0.1, 0.0]
    scans = [_scan_file(tmp_path, "w_N4_zrandom", "zrandom", 4, [2.0], offsets),
             _scan_file(tmp_path, "w_N4", "paper", 4, [2.0], offsets)]  # fmt: skip
    settings = {"models": {"zrandom": {"zeeman_shifts": "random"}}, "delta_omega_e_mhz": 54.0, "b_ref_tesla": 3.35}
    table = figure_table("s5", {"scans": scans}, settings, {})
    assert list(table["variant"]) == ["paper model"] * 3 + ["random Zeeman shifts"] * 3
    assert list(table["offset"]) == [-0.1, 0.0, 0.1] * 2
    assert np.allclose(table["detuning_mhz"], [-5.4, 0.0, 5.4] * 2)
    assert not [c for c in table.columns if c.endswith("_boot")]
    with pytest.raises(DataFileError, match="zrandom"):
        figure_table("s5", {"scans": scans}, dict(settings, models={}), {})
    # The ratio of mean magnitudes, with the SE of its value in each shared resample: the
    # resamples 0.099 and 0.101 of every |P_n| give the ratio 1 in both, so SE 0.
    assert np.allclose(table["profile_ratio"], 1.0) and np.allclose(table["profile_ratio_se"], 0.0)
    # A model with its own dw_e has its own axis; two models alike are refused.
    own = dict(settings, models={"zrandom": {"zeeman_shifts": "random", "delta_omega_e_mhz": 27.0}})
    wide = figure_table("s5", {"scans": scans}, own, {})
    assert np.allclose(wide["detuning_mhz"], [-5.4, 0.0, 5.4, -2.7, 0.0, 2.7])


def test_s4_table_holds_both_conventions_with_their_detuning(tmp_path):
    from dnpmbl.pipeline.io import POINT_SCHEMAS as schemas

    fields = (2.5, 3.35)
    fixed = {fmt(b): -0.5 * 3.35 / b for b in fields}
    rows = []
    for b in fields:
        for o in sorted({-0.5, fixed[fmt(b)]}):
            rows.append({"scan": "b_N4", "model": "paper", "n_spins": 4, "b_tesla": b, "u_mhz": 15.0, "offset": o,
                         "n_realizations": 4, "omega_n_mhz": 20.0, "d_mhz": 1.0, "zeeman_shifts": "equal",
                         **{f"{s}{x}": 0.1 for s in ("p_n_mean", "p_n_fm", "ratio", "p_n_std", "kl_mean") for x in ("", "_se")},
                         **{f"{s}_boot": [0.1] for s in ("p_n_mean", "p_n_fm", "ratio", "p_n_std", "kl_mean")}})  # fmt: skip
    scan = tmp_path / "results" / "scans" / "b_N4.parquet"
    scan.parent.mkdir(parents=True)
    write_point_table(rows, scan, "scan")
    pe = []
    for b in fields:
        pe_rows = [{f.name: _value(f, b, 15.0, r["offset"]) for f in schemas["pe"]} | {"n_spins": 4, "b_tesla": b, "u_mhz": 15.0,
                   "offset": r["offset"]} for r in rows if r["b_tesla"] == b]  # fmt: skip
        path = tmp_path / "results" / "points" / "paper" / "N4" / f"B{fmt(b)}" / "U15" / "pe.parquet"
        path.parent.mkdir(parents=True)
        write_point_table(pe_rows, path, "pe")
        pe.append(path)
    settings = {"scaled": {fmt(b): -0.5 for b in fields}, "fixed": fixed, "pe_order": 2, "delta_omega_e_mhz": 54.0,
                "b_ref_tesla": 3.35}  # fmt: skip
    table = figure_table("s4", {"scans": [scan], "pe": pe}, settings, {})
    assert list(zip(table["convention"], table["b_tesla"])) == [("fixed", 2.5), ("fixed", 3.35), ("scaled", 2.5), ("scaled", 3.35)]
    fixed_rows = table[table["convention"] == "fixed"]
    assert np.allclose(fixed_rows["detuning_mhz"], -27.0)  # fixed in MHz: -0.5 dw_e(b_ref)
    scaled_rows = table[table["convention"] == "scaled"]
    assert np.allclose(scaled_rows["detuning_mhz"], -27.0 * scaled_rows["b_tesla"] / 3.35)
    assert (table["p_n_pe"] == table["p_n_pe2_continuum"]).all()
