"""The tables behind the figures (``dnpmbl.pipeline.tables``): exact joins on canonical offsets."""

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from dnpmbl.pipeline.config import fig3_b_offsets, fmt, realization_points, validate_config
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
    assert sorted(FIGURE_TABLES) == ["fig2", "fig3", "fig4", "fig5", "s1", "s2", "s3", "s4"]
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
    """What figure_table_settings (workflow/rules/common.smk) gives the Fig. 3 table."""
    return {"offset": config["mw_offset"], "b_offsets": fig3_b_offsets(config), "pe_order": 2}


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
